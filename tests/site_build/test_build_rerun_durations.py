"""How long each experiment's rerun takes, kept in the project's rerun-seconds.json for the figures'
"Rerun in your browser" control: measured by the build, published the same by every build."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from test_build_cache import EXPERIMENTS, FIGURES, RUNS, project  # noqa: F401 (project: the fixture)

from lesson.experiments import result_json
from site_src.build.pipeline import Pipeline
from site_src.build.rerun_seconds import RerunSeconds
from site_src.build.step import BuildError
from site_src.project import Project
from site_src.markdown.results import verify_placeholder


def run_step(settings: Project, seconds: float, monkeypatch) -> dict:
    # A faked clock: every reading is one step of `seconds` later, so one experiment "takes" `seconds`.
    ticks = iter(range(0, 10_000))
    monkeypatch.setattr("site_src.build.step.time.perf_counter", lambda: next(ticks) * seconds)
    Pipeline(settings, EXPERIMENTS, FIGURES, result_json=result_json, log=lambda _: None).run()
    return json.loads((settings.generated_dir / "index.json").read_text())["figures"]["alpha_loss"]


def kept(settings: Project) -> dict:
    return json.loads(settings.rerun_seconds_file.read_text(encoding="utf-8"))


def recompute(settings: Project, seconds: float, monkeypatch) -> dict:
    """Another clean build of the same sources: no cache, the clock reads `seconds` per experiment."""
    shutil.rmtree(settings.cache_dir)
    return run_step(settings, seconds, monkeypatch)


def test_the_duration_is_measured_rounded_up_and_kept_in_the_projects_file(project, monkeypatch):  # noqa: F811
    entry = run_step(project, 2.2, monkeypatch)
    assert entry["rerun_seconds"] == 3 and entry["rerun_timed_in"] == "CPython"
    assert kept(project) == {"alpha": 3, "beta": 3}  # gamma: no page uses it, nothing measured
    assert project.rerun_seconds_file == project.docs_dir.parent / "rerun-seconds.json"
    entry = run_step(project, 0.001, monkeypatch)  # a cache hit: nothing measured, the kept time stays
    assert RUNS == Counter({"alpha": 1, "beta": 1}) and entry["rerun_seconds"] == 3


def test_two_clean_builds_publish_the_same_time_though_their_clocks_differ(project, monkeypatch):  # noqa: F811
    # The clock is not the sources: 3 s measured here, 5 s under load there, same published bytes.
    assert run_step(project, 2.2, monkeypatch)["rerun_seconds"] == 3
    first = (project.generated_dir / "index.json").read_bytes()
    assert recompute(project, 4.5, monkeypatch)["rerun_seconds"] == 3
    assert recompute(project, 1.4, monkeypatch)["rerun_seconds"] == 3
    assert (project.generated_dir / "index.json").read_bytes() == first
    assert kept(project) == {"alpha": 3, "beta": 3}


def test_a_time_more_than_twice_off_replaces_the_kept_one_and_the_build_says_so(project, monkeypatch):  # noqa: F811
    run_step(project, 2.2, monkeypatch)
    lines = []
    shutil.rmtree(project.cache_dir)
    ticks = iter(range(0, 10_000))
    monkeypatch.setattr("site_src.build.step.time.perf_counter", lambda: next(ticks) * 6.5)
    Pipeline(project, EXPERIMENTS, FIGURES, result_json=result_json, log=lines.append).run()
    assert kept(project) == {"alpha": 7, "beta": 7}  # 7 > 2 x 3
    assert [line for line in lines if "rerun-seconds.json" in line] == [
        f"assets: experiment {name:<28} reruns in 7 s, not 3 s: rerun-seconds.json updated, commit it" for name in ("alpha", "beta")]
    assert recompute(project, 0.2, monkeypatch)["rerun_seconds"] == 1  # 1 < 7 / 2


def test_an_experiment_missing_from_the_file_is_run_once_more_to_time_it(project, monkeypatch):  # noqa: F811
    run_step(project, 0.5, monkeypatch)
    project.rerun_seconds_file.write_text('{"beta": 1}\n', encoding="utf-8")
    entry = run_step(project, 4.5, monkeypatch)
    assert RUNS["alpha"] == 2 and RUNS["beta"] == 1 and entry["rerun_seconds"] == 5
    assert kept(project) == {"alpha": 5, "beta": 1}


@pytest.mark.parametrize("text", ['{"alpha": 2.5}', '["alpha"]', '{"alpha": 0}', '{"alpha": 3,'])
def test_a_broken_file_stops_the_build_naming_it_and_the_fix(project, monkeypatch, text):  # noqa: F811
    project.rerun_seconds_file.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        run_step(project, 1.0, monkeypatch)
    assert str(caught.value).startswith(str(project.rerun_seconds_file))
    assert str(caught.value).endswith("delete the file and build again to rewrite it")


def test_the_placeholder_names_the_experiment_and_the_duration():
    element = verify_placeholder({"experiment": "lr_sweep", "rerun_seconds": 2, "rerun_timed_in": "Pyodide under Node"})
    assert element.tag == "div" and element.get("class") == "result-figure__verify"
    assert (element.get("data-experiment"), element.get("data-seconds"), element.get("data-timed-in")) == ("lr_sweep", "2", "Pyodide under Node")
    assert verify_placeholder({"experiment": "toy"}).get("data-seconds") is None, "an index without durations still renders"
    titled = verify_placeholder({"experiment": "lr_sweep", "title": "Final validation loss against learning rate"})
    assert titled.get("data-title") == "Final validation loss against learning rate", "the control names the runs in words"
    assert verify_placeholder({"experiment": "toy"}).get("data-title") == "toy", "an untitled result falls back to its name"


def test_the_quickest_kept_experiment_is_what_serve_warms_up_with(tmp_path):
    kept = tmp_path / "rerun-seconds.json"
    kept.write_text(json.dumps({"slow": 9, "quick_b": 1, "quick_a": 1, "gone": 1}))
    times = RerunSeconds(kept, log=print)
    assert times.quickest(["slow", "quick_b", "quick_a"]) == "quick_a", "the shortest, the first by name among equals"
    assert times.quickest(["slow"]) == "slow"
    assert times.quickest(["unknown"]) is None
