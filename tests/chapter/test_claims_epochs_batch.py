"""Every comparison or trend docs/epochs-and-batch-size.md states in words holds in the published
results (computed in Pyodide): each test quotes its sentence with ``claim`` and checks direction
and size, and for comparisons the uncertainty the page states (seed counts, paired differences)."""

from __future__ import annotations

import math
import statistics
import time

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
    from lesson_figures.epochs_batches import draw_epochs
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = results("epochs")
    msg = claim(PAGE, "Mind the horizontal axis: it is evenly spaced up to the dotted line at epoch 10 and a "
                      "[log scale](key-concepts.md#log-scale) after it (where doubling the epoch always takes the same "
                      "width), so that the first few epochs and the last few hundred both fit.")
    assert 200 <= epochs["epochs"][-1] < 1000, msg
    # the figure draws what the sentence describes: linear to 10, log after, a dotted line at 10
    fig, ax = plt.subplots()
    try:
        draw_epochs([ax], epochs)
        assert ax.get_xscale() == "symlog", msg
        x = ax.transData.transform
        width = lambda a, b: x((b, 0))[0] - x((a, 0))[0]
        assert math.isclose(width(2, 4), width(6, 8), rel_tol=1e-6), msg  # evenly spaced below 10
        assert math.isclose(width(20, 40), width(100, 200), rel_tol=1e-6), msg  # doubling: same width after 10
        assert any(line.get_linestyle() == ":" and list(line.get_xdata()) == [10, 10] for line in ax.get_lines()), msg
    finally:
        plt.close(fig)


def test_too_few_epochs_underfit(results):
    epochs = results("epochs")
    few, best = epochs["too_few"], epochs["best"]
    msg = claim(PAGE, "After {{ value: epochs.too_few.epoch | d }} epochs the network has barely started")
    assert few["epoch"] < best["epoch"] and few["val_loss"] > best["val_loss"] + 0.1, msg
    assert few["val_acc"] < best["val_acc"] - 0.1, msg


def test_after_a_bump_and_a_plateau_both_losses_fall_to_the_floor(results):
    epochs, stopping = results("epochs"), results("early_stopping")
    transient, near = stopping["transient"], epochs["near_best"]
    msg = claim(PAGE, "After an early bump (the validation loss rises for a few epochs) and a "
                      "[plateau](key-concepts.md#plateau) (a stretch where it barely moves; the "
                      "[early-stopping page](early-stopping.md#patience) looks at both), both losses fall until about "
                      "epoch {{ value: epochs.near_best.first_epoch | d }}.")
    assert epochs["val_loss"] == stopping["val_loss"] and epochs["train_loss"] == stopping["train_loss"], \
        msg + " (the two pages must show the same run)"
    assert transient["peak_val_loss"] > transient["first_val_loss"] + 0.1, msg + " (a clear bump)"
    assert 1 < transient["peak_epoch"] <= 5, msg + " (rises for a few epochs)"
    assert transient["first_val_loss"] == epochs["val_loss"][1], msg
    end, first = transient["plateau_end"], near["first_epoch"]
    assert transient["peak_epoch"] < end < first, msg
    plateau = epochs["val_loss"][transient["peak_epoch"] + 1:end]
    assert max(plateau) - min(plateau) < 0.15 and min(plateau) > epochs["val_loss"][end], msg + " (a plateau)"
    assert epochs["val_loss"][first] < 0.6 * epochs["val_loss"][end], msg + " (validation falls)"
    assert epochs["train_loss"][first] < 0.7 * epochs["train_loss"][end], msg + " (training falls)"


def test_the_validation_loss_hovers_near_its_floor_while_training_keeps_falling(results):
    epochs = results("epochs")
    near, best, val = epochs["near_best"], epochs["best"], epochs["val_loss"]
    margin = epochs["config"]["near_best"]
    msg = claim(PAGE, "From there to epoch {{ value: epochs.near_best.last_epoch | d }} (shaded) the validation loss "
                      "hovers near its floor: it wobbles from epoch to epoch and keeps coming back to within "
                      "{{ value: epochs.config.near_best | .0% }} of its lowest value, but no longer trends down, while "
                      "the training loss keeps falling.")
    close = [e for e, v in enumerate(val) if v <= (1 + margin) * best["val_loss"]]
    first, last = near["first_epoch"], near["last_epoch"]
    assert (close[0], close[-1], len(close)) == (first, last, near["count"]), msg
    assert near["count"] >= 0.3 * near["span"] and near["span"] >= 100, msg + " (keeps coming back, for long)"
    stretch = val[first:last + 1]
    half = len(stretch) // 2
    trend = statistics.mean(stretch[:half]) - statistics.mean(stretch[half:])
    assert abs(trend) < statistics.stdev(stretch), msg + " (no trend beyond the wobble)"
    assert near["train_loss_last"] < 0.7 * near["train_loss_first"], msg + " (training keeps falling)"
    assert near["train_loss_first"] == epochs["train_loss"][first], msg
    msg = claim(PAGE, "Its lowest point, {{ value: epochs.best.val_loss | .3f }} at epoch {{ value: epochs.best.epoch | d }}, "
                      "is just the deepest of those wobbles, not the bottom of a sharp valley.")
    assert first < best["epoch"] < last, msg
    assert any(e < best["epoch"] - 20 for e in close) and any(e > best["epoch"] + 20 for e in close), msg


def test_too_many_epochs_overfit(results):
    epochs = results("epochs")
    best, many = epochs["best"], epochs["too_many"]
    msg = claim(PAGE, "After that the training loss keeps dropping")
    assert many["train_loss"] < 0.5 * best["train_loss"], msg
    assert many["val_loss"] > 1.5 * best["val_loss"] and many["val_acc"] < best["val_acc"], msg
    assert many["epoch"] > epochs["near_best"]["last_epoch"], msg


def test_every_seed_tells_the_same_story(results):
    epochs = results("epochs")
    seeds = epochs["seeds"]
    msg = claim(PAGE, "The same training from {{ value: epochs.config.seeds | d }} seeds tells the same story every "
                      "time: too few epochs underfit, too many overfit, and only the best epoch moves around")
    assert epochs["config"]["seeds"] == len(seeds["best_epoch"]) >= 5, msg
    assert seeds["too_few_excess"]["min"] > 0.2 and seeds["overfit"]["min"] > 0.15, msg
    spread_loss = seeds["best_val_loss_spread"]["max"] - seeds["best_val_loss_spread"]["min"]
    spread_epoch = seeds["best_epoch_spread"]["max"] - seeds["best_epoch_spread"]["min"]
    assert spread_loss < 0.02 and spread_epoch > 30, msg
    # seed 0 is the figure's run
    assert epochs["config"]["seed"] == 0 and seeds["best_epoch"][0] == epochs["best"]["epoch"], msg
    assert seeds["final_val_loss"][0] == epochs["too_many"]["val_loss"], msg


def test_the_seed_details(results):
    seeds = results("epochs")["seeds"]
    overfit = [f - b for f, b in zip(seeds["final_val_loss"], seeds["best_val_loss"])]
    msg = claim(PAGE, "Seed 0 is the figure's run, and the mildest of them: it ends "
                      "{{ value: epochs.seeds.overfit.min | .2f }} above its lowest point, the others up to "
                      "{{ value: epochs.seeds.overfit.max | .2f }}.")
    assert overfit[0] == min(overfit) == seeds["overfit"]["min"] and max(overfit) == seeds["overfit"]["max"], msg
    msg = claim(PAGE, "every run is still at least {{ value: epochs.seeds.too_few_excess.min | .2f }} above its lowest "
                      "point.")
    assert min(f - b for f, b in zip(seeds["too_few_val_loss"], seeds["best_val_loss"])) == seeds["too_few_excess"]["min"] > 0.2, msg
    msg = claim(PAGE, "the right number of epochs is not a property of the problem alone, but of the run.")
    assert max(seeds["best_epoch"]) > 1.5 * min(seeds["best_epoch"]), msg
    msg = claim(PAGE, "a long stretch near the floor in each run.")
    assert all(last - first >= 30 for first, last in zip(seeds["near_first"], seeds["near_last"])), msg


def test_validation_loss_wobbles_while_its_trend_is_clear(results):
    val = results("epochs")["val_loss"]
    msg = claim(PAGE, "Notice also how the validation loss wobbles from epoch to epoch, even while its trend is clear.")
    changes = [b - a for a, b in zip(val, val[1:]) if a is not None and b is not None]
    rises = sum(c > 0 for c in changes)
    assert 0.2 * len(changes) < rises < 0.8 * len(changes), msg


# --- Batch size: noise --------------------------------------------------------------------------

def test_every_batch_size_sees_every_student_once_per_epoch(results):
    noise = results("batch_noise")
    runs, n_train = noise["runs"], noise["config"]["n_train"]
    msg = claim(PAGE, "In one epoch every batch size works through all "
                      "{{ value: batch_noise.examples_per_epoch | d }} training students once.")
    assert noise["examples_per_epoch"] == n_train, msg
    msg = claim(PAGE, "What differs is how many updates it makes from them")
    for run in runs:  # counted from the run, checked against the formula
        assert run["updates_per_epoch"] == math.ceil(n_train / run["batch_size"]), msg
    assert runs[0]["batch_size"] == 1 and runs[0]["updates_per_epoch"] == n_train, msg
    assert runs[3]["batch_size"] == n_train and runs[3]["updates_per_epoch"] == 1, msg


def test_small_batches_learn_faster_per_epoch(results):
    runs = results("batch_noise")["runs"]
    msg = claim(PAGE, "The small batches learn much faster *per epoch*, because they make many more updates")
    assert runs[0]["updates_per_epoch"] > 100 * runs[3]["updates_per_epoch"], msg
    assert runs[1]["final_val_loss"] < 0.5 * runs[3]["final_val_loss"], msg
    msg = claim(PAGE, "the full batch only {{ value: batch_noise.runs.3.final_val_loss | .2f }}, and every one of the "
                      "seeds agrees.")
    versus = runs[1]["versus_last"]
    assert versus["n"] >= 5 and versus["a_lower"] == versus["n"], msg
    assert versus["mean"] < -0.2 and versus["max"] < -0.2, msg  # every seed, by a wide margin


def test_batch_one_jumps_around_without_progress(results):
    one = results("batch_noise")["runs"][0]
    msg = claim(PAGE, "so that its rises and falls nearly cancelled. It was no longer making progress, only jumping "
                      "around.")
    assert 0.3 <= one["rise_fraction"] <= 0.7, msg
    assert abs(one["net_epoch_change"]) < 0.1 * one["mean_epoch_change"], msg


def test_full_batch_moves_steadily_downhill(results):
    runs = results("batch_noise")["runs"]
    full = runs[3]
    msg = claim(PAGE, "With the full batch it never went up: every move was steady progress downhill.")
    assert full["rise_fraction"] == 0, msg
    assert math.isclose(-full["net_epoch_change"], full["mean_epoch_change"]), msg
    assert full["mean_epoch_change"] < 0.5 * runs[0]["mean_epoch_change"], msg


def test_full_batch_is_too_slow_at_the_same_rate(results):
    runs = results("batch_noise")["runs"]
    msg = claim(PAGE, "with the same learning rate, it is simply too slow.")
    assert runs[3]["final_val_loss"] > 2 * runs[1]["final_val_loss"], msg


def test_the_eight_against_full_batch_detail(results):
    runs = results("batch_noise")["runs"]
    msg = claim(PAGE, "the seed-by-seed difference (batch size {{ value: batch_noise.runs.1.batch_size | d }} minus the "
                      "full batch) is {{ value: batch_noise.runs.1.versus_last.mean | +.3f }} ±")
    per_seed = [a - b for a, b in zip(runs[1]["final_val_loss_per_seed"], runs[3]["final_val_loss_per_seed"])]
    assert math.isclose(runs[1]["versus_last"]["mean"], sum(per_seed) / len(per_seed)), msg
    assert abs(runs[1]["versus_last"]["mean"]) > 10 * runs[1]["versus_last"]["sem"], msg


def test_an_epoch_of_batch_size_one_takes_far_longer_on_the_clock(results):
    """Measured here, never published: wall-clock time differs between machines (the page gives
    no number for it)."""
    from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset

    config = results("batch_noise")["config"]
    msg = claim(PAGE, "So on the clock an epoch of batch size {{ value: batch_noise.runs.0.batch_size | d }} takes far "
                      "longer than an epoch of the full batch")
    data = make_dataset(DataConfig(n_train=config["n_train"], seed=0))

    def seconds_per_epoch(batch_size: int, epochs: int = 3) -> float:
        training = TrainConfig(learning_rate=config["learning_rate"], batch_size=batch_size, epochs=epochs)
        start = time.perf_counter()
        fit(data, NetworkConfig(hidden=(config["hidden"],)), training, seed=0)
        return (time.perf_counter() - start) / epochs

    small, full = min(seconds_per_epoch(1) for _ in range(2)), min(seconds_per_epoch(config["n_train"]) for _ in range(2))
    assert small > 5 * full, f"{msg} (batch 1: {small:.4f} s, full batch: {full:.4f} s per epoch)"


# --- Batch size and learning rate ---------------------------------------------------------------

def test_best_learning_rate_grows_with_batch_size(results):
    grid = results("batch_lr")
    best = grid["best_learning_rate"]
    msg = claim(PAGE, "the best learning rate grows with the batch size, from "
                      "{{ value: batch_lr.best_learning_rate.0 | g }} for the smallest batch to "
                      "{{ value: batch_lr.best_learning_rate.3 | g }} for the full batch.")
    assert all(a < b for a, b in zip(best, best[1:])), msg
    assert best[3] / best[0] >= 10, msg
    msg = claim(PAGE, "In every one of the {{ value: batch_lr.config.seeds | d }} seeds on its own, too, the best rate "
                      "never falls as the batch grows.")
    per_seed = list(zip(*grid["best_learning_rate_per_seed"]))  # [seed][batch]
    assert len(per_seed) == grid["config"]["seeds"] >= 5, msg
    for rates in per_seed:
        assert all(a <= b for a, b in zip(rates, rates[1:])) and rates[-1] >= 10 * rates[0], f"{msg} ({rates})"


def test_the_small_batch_rate_is_far_too_slow_for_the_full_batch(results):
    grid = results("batch_lr")
    msg = claim(PAGE, "A learning rate that is perfect for one batch size can be far too slow, or unstable, for another")
    assert grid["learning_rates"][3] == grid["best_learning_rate"][0], msg + " (val_loss.3.3 must be that rate)"
    assert grid["val_loss"][3][3] > 2 * grid["best_val_loss"][3], msg
    assert grid["diverged"][0][-1], msg + " (and some rate is unstable)"


def test_the_two_smallest_batches_are_too_close_to_call(results):
    grid = results("batch_lr")
    pair, spread = grid["two_smallest"], grid["best_val_loss_range"]
    msg = claim(PAGE, "The two smallest are too close to call")
    assert pair["n"] >= 5 and pair["sign_p"] > 0.05, msg
    assert abs(pair["mean"]) < 0.01 and abs(pair["mean"]) < (spread[0][1] - spread[0][0]) / 2, msg


def test_the_larger_batches_ended_behind(results):
    grid = results("batch_lr")
    best, seeds = grid["best_val_loss"], grid["best_val_loss_per_seed"]
    msg = claim(PAGE, "and the larger batches ended behind")
    assert best[2] > max(best[:2]) + 0.01 and best[3] > best[2] + 0.01, msg
    assert all(c > a for a, c in zip(seeds[0], seeds[2])), msg + " (in every seed)"
    assert min(seeds[3]) > max(seeds[2]), msg


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


def test_is_batch_size_four_better_answer(results):
    grid = results("batch_lr")
    pair = grid["two_smallest"]
    msg = claim(PAGE, "A split like that happens by chance more than a third of the time (sign test: p = "
                      "{{ value: batch_lr.two_smallest.sign_p | .2f }}).")
    assert pair["a_lower"] + pair["b_lower"] == pair["n"] and pair["sign_p"] > 1 / 3, msg
    seeds = grid["best_val_loss_per_seed"]
    assert pair["a_lower"] == sum(a < b for a, b in zip(seeds[0], seeds[1])), msg
    msg = claim(PAGE, "A difference this small and this uncertain is a tie.")
    assert abs(pair["mean"]) < 2 * pair["sem"] and abs(pair["mean"]) < 0.01, msg
    assert grid["best_val_loss_range"][0] == [min(seeds[0]), max(seeds[0])], msg
    assert abs(pair["mean"]) < grid["best_val_loss_range"][0][1] - grid["best_val_loss_range"][0][0], msg


def test_the_shaded_stretch_is_the_exercise_margin(results):
    epochs = results("epochs")
    msg = claim(PAGE, "The figure's shaded stretch shows where the curve comes that close.")
    assert math.isclose(1 + epochs["config"]["near_best"], 1.1), msg  # the exercise's 1.1 times the lowest


def test_in_short(results):
    epochs, noise, grid = results("epochs"), results("batch_noise"), results("batch_lr")
    msg = claim(PAGE, "Too few epochs leave the network underfitted; too many let it memorise the training set, and its "
                      "validation loss climbs again.")
    seeds = epochs["seeds"]
    assert seeds["too_few_excess"]["min"] > 0.2 and seeds["overfit"]["min"] > 0.15, msg
    msg = claim(PAGE, "In between, the validation loss hovers near its lowest for a long stretch, so you do not need the "
                      "exact best epoch")
    assert all(last - first >= 30 for first, last in zip(seeds["near_first"], seeds["near_last"])), msg
    msg = claim(PAGE, "A small batch makes many cheap, noisy updates per epoch and gets further per epoch; a large batch "
                      "makes few, smooth ones.")
    runs = noise["runs"]
    assert runs[0]["noise"] > 5 * runs[-1]["noise"] and runs[1]["versus_last"]["a_lower"] == runs[1]["versus_last"]["n"], msg
    msg = claim(PAGE, "Whenever you change the batch size, re-tune the learning rate: the best one grows with the batch.")
    assert all(a < b for a, b in zip(grid["best_learning_rate"], grid["best_learning_rate"][1:])), msg
