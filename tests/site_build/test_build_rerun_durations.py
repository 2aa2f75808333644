"""How long each experiment took, kept for the figures' "Rerun in your browser" control."""

from __future__ import annotations

import json
from collections import Counter

from test_build_cache import EXPERIMENTS, FIGURES, RUNS, project  # noqa: F401 (project: the fixture)

from site_src.assets import AssetSettings, AssetStep
from site_src.markdown.results import verify_placeholder


def run_step(settings: AssetSettings, seconds: float, monkeypatch) -> dict:
    # A faked clock: every reading is one step of `seconds` later, so one experiment "takes" `seconds`.
    ticks = iter(range(0, 10_000))
    monkeypatch.setattr("site_src.assets.time.perf_counter", lambda: next(ticks) * seconds)
    AssetStep(settings, EXPERIMENTS, FIGURES, log=lambda _: None).run()
    return json.loads((settings.generated_dir / "index.json").read_text())["figures"]["alpha_loss"]


def test_the_duration_is_recorded_rounded_up_and_kept_with_the_cached_result(project, monkeypatch):  # noqa: F811
    entry = run_step(project, 2.2, monkeypatch)
    assert entry["rerun_seconds"] == 3 and entry["rerun_timed_in"] == "CPython"
    entry = run_step(project, 0.001, monkeypatch)  # a cache hit: the measured duration stays
    assert RUNS == Counter({"alpha": 1, "beta": 1}) and entry["rerun_seconds"] == 3


def test_a_result_cached_without_a_duration_is_run_once_more_to_time_it(project, monkeypatch):  # noqa: F811
    run_step(project, 0.5, monkeypatch)
    for path in (project.cache_dir / "timing").rglob("*"):
        if path.is_file():
            path.unlink()
    entry = run_step(project, 4.5, monkeypatch)
    assert RUNS["alpha"] == 2 and entry["rerun_seconds"] == 5


def test_the_placeholder_names_the_experiment_and_the_duration():
    element = verify_placeholder({"experiment": "lr_sweep", "rerun_seconds": 2, "rerun_timed_in": "Pyodide under Node"})
    assert element.tag == "div" and element.get("class") == "result-figure__verify"
    assert (element.get("data-experiment"), element.get("data-seconds"), element.get("data-timed-in")) == ("lr_sweep", "2", "Pyodide under Node")
    assert verify_placeholder({"experiment": "toy"}).get("data-seconds") is None, "an index without durations still renders"
