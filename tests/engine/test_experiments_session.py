"""The worked tuning session (lesson.experiments.tuning_session) does each step as documented.

The ``results`` fixture holds what Pyodide computes (what the chapter publishes); the small
CPython runs here check the procedure itself on cheap settings.
"""

from __future__ import annotations

import math

import pytest

from lesson.data import DataConfig, make_dataset
from lesson.experiments import run_experiment
from lesson.experiments.tuning_session import (RERUN_SEED_BASE, TuningSessionConfig,
                                               binary_entropy, slow_split)
from lesson.nn import NetworkConfig
from lesson.stats import spread
from lesson.train import Run, TrainConfig, train_many

SMALL = {"trials": 6, "top_k": 2, "rerun_seeds": 2, "epochs": 20, "init_seeds": 5,
         "overfit_epochs": 50, "replications": 0}


def test_the_expected_initial_loss_is_the_entropy_of_the_pass_rate(results):
    init = results["tuning_session"]["initial_loss"]
    p = make_dataset(DataConfig(n_train=400, seed=0)).base_rate
    assert init["pass_rate"] == p
    assert init["expected"] == pytest.approx(-p * math.log(p) - (1 - p) * math.log(1 - p), abs=1e-15)
    assert binary_entropy(0.5) == pytest.approx(math.log(2))
    assert len(init["measured"]) == len(init["bias_set"]) == TuningSessionConfig().init_seeds
    # Setting the output bias to the pass rate's log-odds must help on average (Karpathy's "init well").
    assert init["bias_set_mean"] < init["mean"]


def test_overfitting_a_handful_of_students_reaches_near_zero_loss(results):
    overfit = results["tuning_session"]["overfit"]
    assert overfit["final_train_acc"] == 1.0
    assert overfit["final_train_loss"] < overfit["initial_train_loss"] / 100
    assert overfit["min_val_loss"] > 10 * overfit["final_train_loss"], "the handful does not teach the rule"


def test_search_ranges_come_from_the_range_test_and_round_one(results):
    session = results["tuning_session"]
    config, test = session["config"], session["range_test"]
    first, second = session["rounds"]
    assert first["lr_high"] == test["min_learning_rate"] < test["blow_up_learning_rate"]
    assert first["lr_low"] == pytest.approx(first["lr_high"] / config["lr_span"])
    best = first["best"]
    assert second["lr_low"] < best["learning_rate"] < second["lr_high"] <= first["lr_high"]
    assert second["width_low"] <= best["hidden"] <= second["width_high"]
    for search_round in (first, second):
        for trial in search_round["trials"]:
            assert search_round["lr_low"] <= trial["learning_rate"] <= search_round["lr_high"]
        scored = [t["val_loss"] for t in search_round["trials"] if t["val_loss"] is not None]
        assert search_round["best"]["val_loss"] == min(scored)


def test_reruns_use_fresh_seeds_and_the_final_choice_has_the_lowest_mean(results):
    session = results["tuning_session"]
    trial_seeds = {t["seed"] for r in session["rounds"] for t in r["trials"]}
    reruns, final = session["reruns"], session["final"]
    assert len(reruns) == session["config"]["top_k"]
    for rerun in reruns:
        assert not trial_seeds & set(rerun["seeds"])
        assert rerun["seeds"][0] == RERUN_SEED_BASE
    assert [r["search_val_loss"] for r in reruns] == sorted(r["search_val_loss"] for r in reruns)
    assert reruns[0]["search_val_loss"] == session["search_best"]["val_loss"]
    lowest = min(reruns, key=lambda r: r["mean"])
    assert (final["learning_rate"], final["hidden"]) == (lowest["learning_rate"], lowest["hidden"])
    assert final["gap"] == pytest.approx(final["seed_luck"] + final["split_gap"])


def test_the_test_set_scores_only_the_final_choice_every_seed_once(results):
    final = results["tuning_session"]["final"]
    assert len(final["test_losses"]) == results["tuning_session"]["config"]["rerun_seeds"]
    assert final["test_loss"] == pytest.approx(sum(final["test_losses"]) / len(final["test_losses"]))
    assert 0 < final["test_standard_error"] < final["test_loss"]
    # No other configuration carries a test score: the search and the re-runs are validation only.
    session = results["tuning_session"]
    assert not any("test" in key for r in session["rounds"] for t in r["trials"] for key in t)
    assert not any("test" in key for r in session["reruns"] for key in r)


def test_a_small_session_runs_end_to_end_and_is_deterministic():
    first, second = (run_experiment("tuning_session", **SMALL) for _ in range(2))
    assert first == second
    assert len(first["rounds"][0]["trials"]) == len(first["rounds"][1]["trials"]) == SMALL["trials"]
    assert len(first["reruns"]) == SMALL["top_k"]
    assert first["budget"]["runs"] == 2 * SMALL["trials"] + SMALL["top_k"] * SMALL["rerun_seeds"]
    other = run_experiment("tuning_session", **{**SMALL, "search_seed": 1})
    assert other["rounds"][0]["trials"] != first["rounds"][0]["trials"]


@pytest.mark.parametrize("field,value", [
    ("width_high", 4), ("trials", 1), ("rerun_seeds", 1), ("lr_span", 1.0), ("replications", -1),
    ("overfit_students", 500), ("top_k", 50), ("overfit_momentum", 1.0),
])
def test_bad_session_settings_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TuningSessionConfig(**{field: value})


def _trial(lr: float, val_loss: float | None) -> dict:
    return {"learning_rate": lr, "val_loss": val_loss, "stop_reason": "completed",
            "best_epoch": 60, "stopped_epoch": 60}


def test_slow_split_finds_the_widest_gap_by_learning_rate():
    trials = [_trial(0.001, 0.5), _trial(0.004, 0.45), _trial(0.02, 0.4), _trial(0.2, 0.13),
              _trial(1.0, 0.12), _trial(3.0, None)]
    split = slow_split(trials)
    assert split["count"] == 3 and split["highest_learning_rate"] == 0.02
    assert split["lowest_learning_rate"] == 0.2
    assert split["threshold"] == pytest.approx(math.sqrt(0.02 * 0.2))
    assert (split["slow_min_val_loss"], split["slow_max_val_loss"], split["rest_max_val_loss"]) == (0.4, 0.5, 0.13)
    assert split["all_completed"]
    # no split if a slow rate scores better than a faster one
    assert slow_split([_trial(0.01, 0.1), _trial(0.1, 0.2)]) is None


def test_the_initial_loss_excesses_are_above_their_references(results):
    init = results["tuning_session"]["initial_loss"]
    assert init["scatter_excess"] == pytest.approx(init["mean"] - math.log(2))
    assert init["bias_set_excess"] == pytest.approx(init["bias_set_mean"] - init["expected"])


def test_replications_are_the_same_session_with_the_next_search_seeds():
    """Each replication is exactly what ``run_experiment`` gives with that search seed, and the
    page's own session is unchanged by training the replications in the same batches."""
    together = run_experiment("tuning_session", **{**SMALL, "replications": 1})
    alone = run_experiment("tuning_session", **{**SMALL, "replications": 0})
    other = run_experiment("tuning_session", **{**SMALL, "replications": 0, "search_seed": 1})
    assert together["rounds"] == alone["rounds"] and together["reruns"] == alone["reruns"]
    assert together["final"] == alone["final"]
    first, second = together["replication"]["per_session"]
    assert first["luck"] == [r["luck"] for r in alone["reruns"]]
    assert second["luck"] == [r["luck"] for r in other["reruns"]]
    assert second["within"] == other["narrowing"]["within"]
    assert second["best_gain"] == other["narrowing"]["best_gain"]
    curse = together["replication"]["curse"]
    assert curse["configs"] == 2 * SMALL["top_k"]
    assert curse["optimistic"] == sum(v > 0 for s in (first, second) for v in s["luck"])


def test_rerun_statistics_are_the_sample_spread(results):
    for rerun in results["tuning_session"]["reruns"]:
        summary = spread(rerun["val_loss"])
        assert (rerun["mean"], rerun["std"], rerun["sem"]) == (summary["mean"], summary["std"], summary["sem"])
        assert rerun["luck"] == pytest.approx(rerun["mean"] - rerun["search_val_loss"])


def test_patience_cost_retrains_the_stopped_trials_without_patience(results):
    """The retrained trials repeat the stopped ones up to their stop, then go on (CPython here,
    Pyodide in the results: the same numbers to the last bits)."""
    session = results["tuning_session"]
    config, first, cost = session["config"], session["rounds"][0], session["patience_cost"]
    stopped = [t for t in first["trials"] if t["stop_reason"] == "early_stopping"]
    data = make_dataset(DataConfig(n_train=config["n_train"], seed=0))
    runs = [Run(NetworkConfig(hidden=(t["hidden"],)),
                TrainConfig(learning_rate=t["learning_rate"], batch_size=config["batch_size"],
                            epochs=config["epochs"]), t["seed"]) for t in stopped]
    histories = [t.history for t in train_many(data, runs)]
    for trial, history, gain in zip(stopped, histories, cost["gains"]):
        assert min(history.val_loss[1:trial["stopped_epoch"] + 1]) == pytest.approx(trial["val_loss"], abs=1e-12)
        assert gain == pytest.approx(trial["val_loss"] - history.best_val_loss, abs=1e-12)
    assert cost["later_lower"] == sum(g > 0 for g in cost["gains"])
