"""Every comparison or trend docs/epochs-and-batch-size.md states in words holds in the published
results (computed in Pyodide): each test quotes its sentence with ``claim`` and checks direction
and size."""

from __future__ import annotations

import math

from claims import claim

PAGE = "epochs-and-batch-size.md"


# --- Epochs -------------------------------------------------------------------------------------

def test_epochs_run_uses_momentum_with_the_stated_effective_step(results):
    epochs = results("epochs")
    config = epochs["config"]
    msg = claim(PAGE, "which moves the weights about as far per step as a learning rate of "
                      "{{ value: epochs.effective_step | .2g }} without momentum.")
    assert config["momentum"] > 0, msg
    assert math.isclose(epochs["effective_step"], config["learning_rate"] / (1 - config["momentum"])), msg


def test_epoch_axis_covers_the_last_few_hundred(results):
    epochs = results("epochs")
    msg = claim(PAGE, "so that the first few epochs and the last few hundred both fit.")
    assert 200 <= epochs["epochs"][-1] < 1000, msg


def test_too_few_epochs_underfit(results):
    epochs = results("epochs")
    few, best = epochs["too_few"], epochs["best"]
    msg = claim(PAGE, "After {{ value: epochs.too_few.epoch | d }} epochs the network has barely started")
    assert few["epoch"] < best["epoch"] and few["val_loss"] > best["val_loss"] + 0.1, msg
    assert few["val_acc"] < best["val_acc"] - 0.1, msg


def test_after_a_bump_and_a_plateau_both_losses_fall_together_for_a_long_time(results):
    epochs, stopping = results("epochs"), results("early_stopping")
    best = epochs["best"]["epoch"]
    transient = stopping["transient"]
    msg = claim(PAGE, "After an early bump and a plateau (this is the run of the "
                      "[early-stopping page](early-stopping.md#patience): its validation loss rises from")
    assert epochs["val_loss"] == stopping["val_loss"] and epochs["train_loss"] == stopping["train_loss"], \
        msg + " (the two pages must show the same run)"
    assert transient["peak_val_loss"] > transient["first_val_loss"] + 0.1, msg + " (a clear bump)"
    assert transient["first_val_loss"] == epochs["val_loss"][1], msg
    end = transient["plateau_end"]
    assert transient["peak_epoch"] < end < best, msg
    plateau = epochs["val_loss"][transient["peak_epoch"] + 1:end]
    assert max(plateau) - min(plateau) < 0.15 and min(plateau) > epochs["val_loss"][end], msg + " (a plateau)"
    msg = claim(PAGE, "both losses fall\n  together for a long time")
    assert best >= 50 and best - end >= 30, msg
    assert epochs["train_loss"][best] < 0.5 * epochs["train_loss"][end], msg
    assert epochs["val_loss"][best] < 0.6 * epochs["val_loss"][end], msg


def test_too_many_epochs_overfit(results):
    epochs = results("epochs")
    best, many = epochs["best"], epochs["too_many"]
    msg = claim(PAGE, "After that the training loss keeps dropping")
    assert many["train_loss"] < 0.5 * best["train_loss"], msg
    assert many["val_loss"] > 1.5 * best["val_loss"] and many["val_acc"] < best["val_acc"], msg


def test_validation_loss_wobbles_while_its_trend_is_clear(results):
    val = results("epochs")["val_loss"]
    msg = claim(PAGE, "Notice also how the validation loss wobbles from epoch to epoch, even while its trend is clear.")
    changes = [b - a for a, b in zip(val, val[1:]) if a is not None and b is not None]
    rises = sum(c > 0 for c in changes)
    assert 0.2 * len(changes) < rises < 0.8 * len(changes), msg


# --- Batch size: noise --------------------------------------------------------------------------

def test_small_batches_learn_faster_per_epoch(results):
    runs = results("batch_noise")["runs"]
    msg = claim(PAGE, "The small batches learn much faster *per epoch*, because they make many more updates")
    assert runs[0]["updates_per_epoch"] > 100 * runs[3]["updates_per_epoch"], msg
    assert runs[1]["final_val_loss"] < 0.5 * runs[3]["final_val_loss"], msg


def test_batch_one_jumps_around_without_progress(results):
    one = results("batch_noise")["runs"][0]
    msg = claim(PAGE, "It was no longer making progress, only jumping around.")
    assert 0.3 <= one["rise_fraction"] <= 0.7, msg
    assert abs(one["net_epoch_change"]) < 0.1 * one["mean_epoch_change"], msg


def test_full_batch_moves_steadily_downhill(results):
    runs = results("batch_noise")["runs"]
    full = runs[3]
    msg = claim(PAGE, "every move was steady progress downhill.")
    assert full["rise_fraction"] == 0, msg
    assert math.isclose(-full["net_epoch_change"], full["mean_epoch_change"]), msg
    assert full["mean_epoch_change"] < 0.5 * runs[0]["mean_epoch_change"], msg


def test_full_batch_is_too_slow_at_the_same_rate(results):
    runs = results("batch_noise")["runs"]
    msg = claim(PAGE, "with the same learning rate, it is simply too slow.")
    assert runs[3]["final_val_loss"] > 2 * runs[1]["final_val_loss"], msg


# --- Batch size and learning rate ---------------------------------------------------------------

def test_best_learning_rate_grows_with_batch_size(results):
    grid = results("batch_lr")
    best = grid["best_learning_rate"]
    msg = claim(PAGE, "the best learning rate grows from {{ value: batch_lr.best_learning_rate.0 | g }} to "
                      "{{ value: batch_lr.best_learning_rate.3 | g }}.")
    assert all(a < b for a, b in zip(best, best[1:])), msg
    assert best[3] / best[0] >= 10, msg


def test_the_small_batch_rate_is_far_too_slow_for_the_full_batch(results):
    grid = results("batch_lr")
    msg = claim(PAGE, "A learning rate that is perfect for one batch size can be far too slow, or unstable, for another")
    assert grid["learning_rates"][3] == grid["best_learning_rate"][0], msg + " (val_loss.3.3 must be that rate)"
    assert grid["val_loss"][3][3] > 2 * grid["best_val_loss"][3], msg
    assert grid["diverged"][0][-1], msg + " (and some rate is unstable)"


def test_the_two_smallest_batches_tie(results):
    grid = results("batch_lr")
    best, seeds = grid["best_val_loss"], grid["best_val_loss_per_seed"]
    msg = claim(PAGE, "a smaller difference than the one between the two seeds of either cell")
    gap = abs(best[0] - best[1])
    assert gap < abs(seeds[0][0] - seeds[0][1]) and gap < abs(seeds[1][0] - seeds[1][1]), msg


def test_the_larger_batches_ended_behind(results):
    best = results("batch_lr")["best_val_loss"]
    msg = claim(PAGE, "The larger batches ended behind")
    assert best[2] > max(best[:2]) + 0.01 and best[3] > best[2] + 0.01, msg


def test_the_comparison_is_at_equal_epochs_with_unequal_updates(results):
    grid = results("batch_lr")
    msg = claim(PAGE, "But this is a comparison at equal *epochs*")
    assert grid["updates"][0] >= 100 * grid["updates"][3], msg


# --- Questions ----------------------------------------------------------------------------------

def test_predict_question_full_batch_improves_but_does_not_catch_up(results):
    grid = results("batch_lr")
    loss, rates = grid["val_loss"], grid["learning_rates"]
    msg = claim(PAGE, "It improves, but it does not catch up.")
    assert rates[5] == 1.0 and rates[3] == 0.1, msg
    assert loss[3][5] < loss[3][3] - 0.05, msg
    assert loss[1][5] < loss[3][5] - 0.1 and grid["best_val_loss"][3] > grid["best_val_loss"][1] + 0.02, msg


def test_heat_map_question_the_band_of_good_rates_narrows(results):
    good = results("batch_lr")["good_learning_rates"]
    msg = claim(PAGE, "**Answer.** It narrows.")
    counts = [len(rates) for rates in good]
    assert all(a >= b for a, b in zip(counts, counts[1:])) and counts[0] >= 3 * counts[-1] >= 3, msg
    grid = results("batch_lr")
    above = grid["learning_rates"].index(good[3][0]) + 1
    assert grid["diverged"][3][above], msg + " (the full batch's one good rate is 'just below the rates that diverge')"
