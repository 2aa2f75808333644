"""The claims the prose makes in words hold in the current results.

The numbers in the text are quoted from the results, so they always match; but sentences such as
"the best learning rate grows with the batch size" are written by hand. When an experiment
changes, these tests say which sentence of which page has become false, so the author can rewrite
it. Each test names the page and the claim.
"""

from __future__ import annotations

import math


def nearest_index(values: list[float], target: float) -> int:
    """Index of the value closest to `target` on a log scale."""
    return min(range(len(values)), key=lambda i: abs(math.log(values[i]) - math.log(target)))


def test_learning_rate_curves_show_the_four_behaviours(results):
    low, right, high, diverging = results("lr_curves")["runs"]
    assert low["initial_train_loss"] - low["final_train_loss"] < 0.05, "learning-rate.md: too low 'barely moves'"
    assert right["final_train_loss"] < high["final_train_loss"] < right["initial_train_loss"], "learning-rate.md: too high 'falls, but in jumps'"
    assert diverging["final_train_loss"] is None or diverging["final_train_loss"] > diverging["initial_train_loss"], (
        "learning-rate.md: diverging 'far above where it started'"
    )


def test_axis_plot_is_a_u_with_its_best_inside_the_range(results):
    sweep = results("lr_sweep")
    rates, best = sweep["learning_rates"], sweep["best_index"]
    assert 0 < best < len(rates) - 1, "learning-rate.md: the best value must not sit at the edge of the range"
    assert sweep["smallest_diverging_learning_rate"] is not None and sweep["smallest_diverging_learning_rate"] > sweep["best_learning_rate"], (
        "learning-rate.md: 'from η ≈ ... up they diverge'"
    )
    finite = [v for v in sweep["final_val_loss"] if v is not None]
    assert finite[0] > 2 * sweep["best_val_loss"], "learning-rate.md: small rates 'have not finished learning'"


def test_range_test_suggestion_lies_on_the_flat_bottom_of_the_sweep(results):
    test, sweep = results("lr_range_test"), results("lr_sweep")
    assert test["blow_up_learning_rate"] is not None and test["blow_up_learning_rate"] > test["min_learning_rate"], (
        "learning-rate.md: 'not much further on it shot up'"
    )
    near = nearest_index(sweep["learning_rates"], test["suggested_learning_rate"])
    assert sweep["final_val_loss"][near] is not None and sweep["final_val_loss"][near] < 1.5 * sweep["best_val_loss"], (
        "learning-rate.md: the suggestion 'lies on the same wide, flat bottom of the U'"
    )


def test_epochs_too_few_about_right_too_many(results):
    epochs = results("epochs")
    few, best, many = epochs["too_few"], epochs["best"], epochs["too_many"]
    assert few["epoch"] < best["epoch"] < many["epoch"]
    assert best["val_loss"] < few["val_loss"] and best["val_loss"] < many["val_loss"], "epochs-and-batch-size.md: U-shaped validation loss"
    assert many["train_loss"] < best["train_loss"], "epochs-and-batch-size.md: 'the training loss keeps dropping'"


def test_small_batches_are_noisy_and_the_full_batch_is_slow(results):
    runs = results("batch_noise")["runs"]
    assert runs[0]["noise"] > 2 * runs[-1]["noise"], "epochs-and-batch-size.md: batch size 1 'jumps wildly', full batch 'smooth'"
    assert runs[-1]["final_val_loss"] > runs[1]["final_val_loss"], "epochs-and-batch-size.md: the full batch 'is simply too slow'"


def test_best_learning_rate_grows_with_batch_size(results):
    grid = results("batch_lr")
    best = grid["best_learning_rate"]
    assert all(a <= b for a, b in zip(best, best[1:])) and best[-1] > best[0], "epochs-and-batch-size.md: 'the best learning rate grows'"
    assert grid["learning_rates"][3] == best[0], "epochs-and-batch-size.md quotes val_loss.3.3 as 'the best choice for batch size ...'"
    assert grid["val_loss"][3][3] > grid["best_val_loss"][3], "epochs-and-batch-size.md: that rate 'leaves the full-batch network' worse"
    assert grid["best_val_loss"][0] <= min(grid["best_val_loss"]) + 0.01, "epochs-and-batch-size.md: 'the smaller batches reached the lowest losses'"


