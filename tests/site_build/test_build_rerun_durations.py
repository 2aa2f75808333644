"""How long each experiment's rerun takes, kept in the project's rerun-seconds.json for the figures'
"Rerun in your browser" control: measured when an author asks (`scripts/time-reruns`), only read by
the build, so a build's clock reaches neither the site nor the checkout."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from test_build_cache import EXPERIMENTS, FIGURES, RUNS, project  # noqa: F401 (project: the fixture)

from lesson.experiments import result_json
from site_src.build.pipeline import Pipeline, measure_reruns
from site_src.build.rerun_seconds import RerunSeconds
from site_src.build.step import BuildError
from site_src.project import Project
from site_src.markdown.results import verify_placeholder


def fake_clock(seconds: float, monkeypatch) -> None:
    """Every reading is one step of `seconds` later, so one experiment "takes" `seconds`."""
    ticks = iter(range(0, 10_000))
    monkeypatch.setattr("site_src.build.step.time.perf_counter", lambda: next(ticks) * seconds)


def build(settings: Project, seconds: float, monkeypatch, lines: list[str] | None = None) -> dict:
    """A clean build (no cache) whose clock reads `seconds` per experiment; alpha's figure entry."""
    shutil.rmtree(settings.cache_dir, ignore_errors=True)
    fake_clock(seconds, monkeypatch)
    log = lines.append if lines is not None else (lambda _: None)
    Pipeline(settings, EXPERIMENTS, FIGURES, result_json=result_json, log=log).run()
    return json.loads((settings.generated_dir / "index.json").read_text())["figures"]["alpha_loss"]


def test_builds_publish_the_kept_time_and_never_write_the_file_whatever_their_clock_reads(project, monkeypatch):  # noqa: F811
    kept = '{\n  "alpha": 3,\n  "beta": 1\n}\n'
    project.rerun_seconds_file.write_text(kept, encoding="utf-8")
    entry = build(project, 2.2, monkeypatch)
    assert entry["rerun_seconds"] == 3 and entry["rerun_timed_in"] == "CPython"
    first = (project.generated_dir / "index.json").read_bytes()
    for clock in (9.5, 0.01):  # a busy machine, a fast one: the same published bytes, the file untouched
        assert build(project, clock, monkeypatch)["rerun_seconds"] == 3
        assert (project.generated_dir / "index.json").read_bytes() == first
    assert project.rerun_seconds_file.read_text(encoding="utf-8") == kept
    assert RUNS == Counter({"alpha": 3, "beta": 3}), "each clean build ran each experiment once: nothing re-timed"


def test_an_experiment_without_a_kept_time_is_published_without_one_and_the_log_names_the_command(project, monkeypatch):  # noqa: F811
    project.rerun_seconds_file.write_text('{"beta": 2}\n', encoding="utf-8")
    lines: list[str] = []
    entry = build(project, 4.0, monkeypatch, lines)
    assert entry["rerun_seconds"] is None
    assert verify_placeholder(entry | {"experiment": "alpha"}).get("data-seconds") is None
    assert [line for line in lines if "rerun" in line] == [
        "assets: no rerun time in rerun-seconds.json for alpha: their figures' Rerun button gives no duration; "
        "`scripts/time-reruns alpha` measures them (commit the file)"]
    assert json.loads(project.rerun_seconds_file.read_text(encoding="utf-8")) == {"beta": 2}
    project.rerun_seconds_file.unlink()  # no file at all: the same, for every experiment the pages use
    lines.clear()
    build(project, 4.0, monkeypatch, lines)
    assert any("for alpha, beta:" in line for line in lines) and not project.rerun_seconds_file.exists()


def test_time_reruns_measures_the_named_experiments_rounds_up_and_keeps_the_others(project, monkeypatch):  # noqa: F811
    project.rerun_seconds_file.write_text('{"beta": 2, "retired": 5}\n', encoding="utf-8")
    fake_clock(4.2, monkeypatch)
    lines: list[str] = []
    assert measure_reruns(project, EXPERIMENTS, ["alpha", "gamma"], result_json, lines.append) == {"alpha": 5, "gamma": 5}
    # beta kept as it was; an experiment no longer registered dropped; sorted, one per line
    assert project.rerun_seconds_file.read_text(encoding="utf-8") == '{\n  "alpha": 5,\n  "beta": 2,\n  "gamma": 5\n}\n'
    assert lines[0].startswith("time-reruns: alpha") and lines[0].endswith("4.20 s -> 5 s kept in rerun-seconds.json")
    assert build(project, 0.5, monkeypatch)["rerun_seconds"] == 5, "the next build publishes the measurement"
    with pytest.raises(BuildError, match="unknown experiment.*alhpa.*valid: alpha, beta, gamma"):
        measure_reruns(project, EXPERIMENTS, ["alhpa"], result_json)


@pytest.mark.parametrize(("text", "line"), [('{"alpha": 2.5}', None), ('["alpha"]', None), ('{"alpha": 0}', None), ('{"alpha": 3,', 1)])
def test_a_broken_file_stops_the_build_naming_it_and_the_fix(project, monkeypatch, text, line):  # noqa: F811
    project.rerun_seconds_file.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(project, 1.0, monkeypatch)
    where = f"{project.rerun_seconds_file}:{line}:" if line else f"{project.rerun_seconds_file}:"
    assert str(caught.value).startswith(where)
    assert str(caught.value).endswith("run `scripts/time-reruns --all` to measure every experiment again")


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
    times = RerunSeconds(kept)
    assert times.quickest(["slow", "quick_b", "quick_a"]) == "quick_a", "the shortest, the first by name among equals"
    assert times.quickest(["slow"]) == "slow"
    assert times.quickest(["unknown"]) is None
