"""The overview's hand-written comparisons (docs/index.md) hold in the published results."""

from __future__ import annotations

import numpy as np
from claims import claim

from lesson.data import DataConfig, pass_score


def test_bad_settings_score_about_a_coin_toss_and_worse_than_always_answering_fail(results):
    measured, data = results("bad_vs_good"), results("dataset")
    bad = measured["bad"]
    spread = bad["test_acc_spread"]
    msg = claim("index.md", "settings they average {{ value: bad_vs_good.bad.mean_test_acc | .0% }}: roughly a coin "
                "toss, and worse than answering \"fail\" for everyone.")
    assert spread["n"] == measured["config"]["seeds"] >= 50, msg
    assert abs(spread["mean"] - 0.5) < 3 * spread["sem"], msg          # a coin toss, within its uncertainty
    assert spread["mean"] + 3 * spread["sem"] < measured["test_always_fail_acc"], msg   # worse than 'fail'
    msg = claim("index.md", "That is on average worse than a rule that needs no network at all: only "
                "{{ value: dataset.test_base_rate | .1% }} of the test students passed, so answering \"fail\" for "
                "everyone is right {{ value: bad_vs_good.test_always_fail_acc | .1% }} of the time on this test set.")
    always_fail = measured["test_always_fail_acc"]
    assert abs(always_fail - (1 - data["test_base_rate"])) < 1e-12, msg
    assert spread["mean"] + 3 * spread["sem"] < always_fail, msg
    assert measured["good"]["mean_test_acc"] - always_fail > 0.2, msg


def test_the_always_fail_bar_is_high_because_the_test_split_has_few_passes(results):
    measured, data = results("bad_vs_good"), results("dataset")
    msg = claim("index.md", "(That bar is high because few students of this test set passed; on the validation set, "
                "where {{ value: dataset.val_base_rate | .1% }} passed, answering \"fail\" is right only "
                "{{ value: bad_vs_good.val_always_fail_acc | .1% }} of the time, and the bad networks average "
                "{{ value: bad_vs_good.bad.mean_val_acc | .1% }} there.)")
    assert data["test_base_rate"] < min(data["val_base_rate"], data["base_rate"]) - 0.05, msg
    assert abs(measured["val_always_fail_acc"] - (1 - data["val_base_rate"])) < 1e-12, msg
    assert measured["val_always_fail_acc"] < measured["test_always_fail_acc"] - 0.05, msg
    # the bad networks are no better on the validation students either
    assert measured["bad"]["mean_val_acc"] < measured["val_always_fail_acc"] + 0.02, msg


def test_bad_networks_scatter_on_both_sides_of_always_fail(results):
    measured = results("bad_vs_good")
    bad, always_fail = measured["bad"], measured["test_always_fail_acc"]
    msg = claim("index.md", "Some of them beat answering \"fail\" ({{ value: bad_vs_good.bad.above_always_fail | d }} of "
                "{{ value: bad_vs_good.config.seeds | d }}), some do far worse, as their random starting "
                "weights happen to fall: their accuracy is luck, not learning.")
    above = [acc for acc in bad["test_acc"] if acc > always_fail]
    assert bad["above_always_fail"] == len(above), msg
    assert 0 < len(above) < len(bad["test_acc"]) / 2, msg   # some, a minority
    assert bad["min_test_acc"] < always_fail - 0.2, msg  # 'far worse'
    # luck, not learning: every seed's accuracy is within a few points of its untrained network's,
    # a small move next to how far the seeds' accuracies lie apart
    moved = max(abs(a - b) for a, b in zip(bad["val_acc"], bad["initial_val_acc"]))
    assert moved <= 0.05 and moved < bad["test_acc_spread"]["std"] / 3, msg
    msg = claim("index.md", "with one network's accuracy this much a matter of luck, it takes many to measure the "
                "average.")
    assert bad["test_acc_spread"]["std"] > 0.15, msg   # one seed's accuracy is far from the mean
    assert bad["test_acc_spread"]["sem"] < 0.04, msg   # the mean of all of them is not


def test_bad_networks_are_essentially_untrained(results):
    bad = results("bad_vs_good")["bad"]
    msg = claim("index.md", "The badly set-up networks are essentially untrained: with steps that small, "
                "{{ value: bad_vs_good.bad.epochs | d }} epochs changed their validation loss by at most "
                "{{ value: bad_vs_good.bad.max_val_loss_change | .3f }}, so each one still gives roughly the answers "
                "of its random starting weights, and its test accuracy is whatever those happen to give: from "
                "{{ value: bad_vs_good.bad.min_test_acc | .1% }} to {{ value: bad_vs_good.bad.max_test_acc | .1% }} "
                "across the {{ value: bad_vs_good.config.seeds | d }} seeds ([median](key-concepts.md#median) "
                "{{ value: bad_vs_good.bad.median_test_acc | .1% }}).")
    # next to what good settings do to the same networks (more than 0.3), a change of a few hundredths
    good_change = min(abs(a - b) for a, b in zip(results("bad_vs_good")["good"]["val_loss"],
                                                  results("bad_vs_good")["good"]["initial_val_loss"]))
    assert bad["max_val_loss_change"] < 0.05 and bad["max_val_loss_change"] < good_change / 10, msg
    # accuracy at the end is within a few points of the untrained network's, seed by seed
    assert max(abs(a - b) for a, b in zip(bad["val_acc"], bad["initial_val_acc"])) <= 0.05, msg
    assert bad["max_test_acc"] - bad["min_test_acc"] > 0.3, msg


def test_even_the_true_rule_is_wrong_about_some_students(results):
    msg = claim("index.md", "Because students near the border pass or fail by chance, and a few labels are flipped, "
                "even the true rule behind the data is right about only {{ value: dataset.rule_val_accuracy | .1% }} of "
                "the validation students: roughly the best any model can hope for.")
    data, good = results("dataset"), results("bad_vs_good")["good"]
    assert 0.85 < data["rule_val_accuracy"] < 1, msg
    assert good["mean_val_acc"] <= data["rule_val_accuracy"] + 0.03, msg
    # chance near the border: the labels are drawn with the rule's pass probability, which is far from
    # 0 and 1 for a good share of the students, before the flips
    config = DataConfig()
    hours = np.column_stack([data["points"]["hours_studied"], data["points"]["hours_slept"]])
    probability = 1 / (1 + np.exp(-config.steepness * pass_score(hours)))
    assert np.mean((probability > 0.1) & (probability < 0.9)) > 0.05, msg
    assert 0 < config.label_flip < 1 - data["rule_val_accuracy"], msg


def test_every_good_run_beats_the_bad_runs_average_by_far(results):
    measured = results("bad_vs_good")
    good, bad = measured["good"], measured["bad"]
    msg = claim("index.md", "With good settings every one of the {{ value: bad_vs_good.config.seeds | d }} networks "
                "classifies at least {{ value: bad_vs_good.good.min_test_acc | .1% }} of unseen students correctly; "
                "with bad")
    assert len(good["test_acc"]) == measured["config"]["seeds"] >= 5, msg
    assert min(good["test_acc"]) == good["min_test_acc"], msg
    # the worst good seed beats the best bad seed: the difference is not seed luck
    assert good["min_test_acc"] > bad["max_test_acc"] + 0.1, msg
    assert bad["mean_test_acc"] <= measured["test_always_fail_acc"], msg


def test_small_batches_have_a_smaller_best_learning_rate(results):
    msg = claim("index.md", "| Batch size | each update sees few examples, so it is noisy, and the best learning "
                "rate is smaller |")
    batch_lr = results("batch_lr")
    sizes, best = batch_lr["batch_sizes"], batch_lr["best_learning_rate"]
    assert sizes == sorted(sizes) and len(sizes) >= 3, msg
    # the best learning rate grows with the batch size, from the smallest batch to the largest
    assert all(a <= b for a, b in zip(best, best[1:])) and best[-1] >= 10 * best[0], msg
