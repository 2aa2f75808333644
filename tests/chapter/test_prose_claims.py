"""The claims the prose makes in words hold in the current results.

The numbers in the text are quoted from the results, so they always match; but sentences such as
"the best learning rate grows with the batch size" are written by hand. When an experiment
changes, these tests say which sentence of which page has become false, so the author can rewrite
it. Each test names the page and the claim.
"""

from __future__ import annotations

import math


def test_overview_bad_settings_are_barely_better_than_always_fail(results):
    measured, data = results("bad_vs_good"), results("dataset")
    always_fail = 1 - measured["base_rate"]
    assert measured["good"]["mean_test_acc"] > measured["bad"]["mean_test_acc"] + 0.2, "index.md: 'about 95 % against about 60 %'"
    assert measured["bad"]["mean_test_acc"] < always_fail + 0.1, "index.md: 'not much better than answering fail for everyone'"
    assert data["rule_val_accuracy"] < 1, "index.md: 'even the true rule ... is right about only ...'"


def test_capacity_underfits_narrow_and_overfits_wide(results):
    capacity = results("capacity")
    train, val, gap = capacity["train_loss"], capacity["val_loss"], capacity["gap"]
    assert val[1] < val[0], "network-size.md: 'a couple of neurons already fix most of that'"
    assert train[-1] < train[0] / 5, "network-size.md: 'the training loss keeps falling'"
    best = min(range(len(val)), key=val.__getitem__)
    assert best < len(val) - 1 and val[-1] > val[best], "network-size.md: validation loss 'is best for a small network and rises again'"
    assert gap[-1] > 2 * gap[0], "network-size.md: 'the gap between the two curves grows'"
    assert capacity["boundaries"]["widths"][0] == 1, "network-size.md: the narrow network has '1 neuron' and 'can only draw a straight border'"


def test_diagnosis_cases_have_their_shapes(results):
    diagnosis = results("diagnosis")
    cases = {case["label"]: case for case in diagnosis["cases"]}
    under, good, over = cases["underfit"], cases["good fit"], cases["overfit"]
    assert under["min_val_loss"] > 2 * good["min_val_loss"] and abs(under["final_val_loss"] - under["final_train_loss"]) < 0.1, (
        "learning-curves.md: underfitting 'level off early and high, close to each other'"
    )
    assert over["final_val_loss"] > over["min_val_loss"] and over["final_train_loss"] < over["final_val_loss"], (
        "learning-curves.md: overfitting 'drifts back up'"
    )
    diverging, slow = cases["diverging"], cases["too slow"]
    assert diverging["diverged"] or diverging["final_train_loss"] > diverging["initial_train_loss"], "learning-curves.md: diverging"
    middle = len(slow["val_loss"]) // 2
    assert slow["val_loss"][-1] < slow["val_loss"][middle] and slow["best_epoch"] >= middle, (
        "learning-curves.md: too slow, 'still falling' at the end"
    )


def test_patience_trades_time_for_quality(results):
    stopping = results("early_stopping")
    stops = stopping["stops"]
    assert all(a["stop_epoch"] <= b["stop_epoch"] for a, b in zip(stops, stops[1:])), "early-stopping.md: more patience trains longer"
    assert stops[0]["restored_val_loss"] > stops[-1]["restored_val_loss"], "early-stopping.md: the impatient rule kept a worse network"
    assert math.isclose(stops[-1]["restored_val_loss"], stopping["full_run"]["min_val_loss"]), (
        "early-stopping.md: the most patient rule 'kept the true minimum'"
    )
    assert stopping["full_run"]["final_val_loss"] > stopping["full_run"]["min_val_loss"], "early-stopping.md: the full run overfits"


def test_random_search_beats_the_grid_that_misses_the_good_learning_rates(results):
    search, sweep = results("grid_vs_random"), results("lr_sweep")
    assert search["mean_best"]["random"] < search["mean_best"]["grid"], "search-strategies.md: random beats grid on average"
    assert search["random_win_fraction"] >= 0.7, "search-strategies.md: 'random search found the better configuration in ... %'"
    assert search["distinct_learning_rates"]["grid"] < search["distinct_learning_rates"]["random"]
    grid_rates = {point["learning_rate"] for point in search["grid_points"]}
    assert all(abs(math.log10(rate / sweep["best_learning_rate"])) > 0.3 for rate in grid_rates), (
        "search-strategies.md: the grid's learning rates 'all miss the region where this network trains best'"
    )


def test_successive_halving_is_cheaper_but_not_free(results):
    halving = results("successive_halving")
    assert halving["mean_epochs_spent"] < halving["full_search_epochs"] / 3, "search-strategies.md: successive halving costs far less"
    assert halving["mean_regret"] > 0, "search-strategies.md: 'the saving is not free'"
