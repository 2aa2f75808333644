"""Every comparison or trend docs/learning-rate.md states in words holds in the published results.

Each test quotes its sentence with ``claim`` (which fails if the page no longer says it) and checks
the claim's direction and size against the results the site serves (computed in Pyodide).
"""

from __future__ import annotations

import math

from claims import claim

PAGE = "learning-rate.md"


def sweep_loss_near(sweep: dict, learning_rate: float) -> float | None:
    """The sweep's mean final validation loss at the swept rate closest to ``learning_rate`` (log)."""
    rates = sweep["learning_rates"]
    index = min(range(len(rates)), key=lambda i: abs(math.log(rates[i] / learning_rate)))
    return sweep["final_val_loss"][index]


def rises_in_last(curve: list, epochs: int) -> int:
    """Epoch-to-epoch rises of ``curve`` over its last ``epochs`` changes."""
    tail = [v for v in curve if v is not None][-(epochs + 1):]
    return sum(b > a for a, b in zip(tail, tail[1:]))


# --- Too low, just right, too high --------------------------------------------------------------

def test_too_low_barely_moves_but_learns(results):
    low = results("lr_curves")["runs"][0]
    msg = claim(PAGE, "the loss barely moves, ending at {{ value: lr_curves.runs.0.final_train_loss | .3f }}. "
                      "The network is learning, just far too slowly")
    drop = low["initial_train_loss"] - low["final_train_loss"]
    assert 0 < drop < 0.03 * low["initial_train_loss"], msg


def test_about_right_falls_quickly_and_smoothly(results):
    low, right, high, _ = results("lr_curves")["runs"]
    msg = claim(PAGE, "the loss falls quickly and smoothly, to {{ value: lr_curves.runs.1.final_train_loss | .3f }}; "
                      "it went up in only {{ value: lr_curves.runs.1.rising_epochs | d }} of the")
    assert right["final_train_loss"] < 0.3 * right["initial_train_loss"], msg
    assert right["rising_epochs"] <= 3 and 3 * right["rising_epochs"] <= high["rising_epochs"], msg


def test_too_high_falls_in_jumps_and_ends_higher(results):
    _, right, high, _ = results("lr_curves")["runs"]
    epochs = results("lr_curves")["config"]["epochs"]
    msg = claim(PAGE, "the loss falls, but in jumps: it went up in {{ value: lr_curves.runs.2.rising_epochs | d }} "
                      "of the {{ value: lr_curves.config.epochs | d }} epochs, and it ends at "
                      "{{ value: lr_curves.runs.2.final_train_loss | .2f }} instead of settling lower")
    assert high["rising_epochs"] >= epochs // 4, msg
    assert right["final_train_loss"] + 0.03 < high["final_train_loss"] < high["initial_train_loss"] / 2, msg


def test_diverging_run_ends_far_above_its_start(results):
    diverging = results("lr_curves")["runs"][3]
    start = diverging["initial_train_loss"]
    msg = claim(PAGE, "after the first epoch the loss is far *above* where it started; the mean of the "
                      "{{ value: lr_curves.config.seeds | d }} seeds climbs as high as\n  "
                      "{{ value: lr_curves.runs.3.peak_mean_train_loss | .1f }} (one seed reached "
                      "{{ value: lr_curves.runs.3.peak_train_loss | .1f }})\n  and ends at "
                      "{{ value: lr_curves.runs.3.final_train_loss | .1f }}. This network is not learning at all.")
    assert all(curve[1] > 5 * start for curve in diverging["train_loss_per_seed"]), msg
    assert diverging["peak_mean_train_loss"] > 10 * start and diverging["final_train_loss"] > 3 * start, msg
    assert diverging["peak_mean_train_loss"] < diverging["peak_train_loss"], msg + " (one seed peaked above the mean)"
    peaks = [max(v for v in c if v is not None) for c in diverging["train_loss_per_seed"]]
    assert sorted(peaks)[-2] < diverging["peak_train_loss"], msg + " (only one seed reached the quoted peak)"


# --- The axis plot ------------------------------------------------------------------------------

def test_axis_plot_left_side_has_not_finished_and_right_side_diverges(results):
    sweep = results("lr_sweep")
    msg = claim(PAGE, "On the left, small learning rates have not finished learning. On the right, large ones become "
                      "unstable, and from $\\eta \\approx$ {{ value: lr_sweep.smallest_diverging_learning_rate | .2g }} "
                      "up at least one seed diverges (the crosses; the line shows only rates where every seed finished).")
    assert sweep["final_val_loss"][0] > 3 * sweep["best_val_loss"], msg
    first = sweep["learning_rates"].index(sweep["smallest_diverging_learning_rate"])
    assert all(sweep["diverged"][first:]) and not any(sweep["diverged"][:first]), msg
    assert all((mean is None) == diverged for mean, diverged in zip(sweep["final_val_loss"], sweep["diverged"])), msg


def test_divergence_limit_is_far_above_any_useful_loss(results):
    sweep = results("lr_sweep")
    msg = claim(PAGE, "Every run starts near {{ value: lr_sweep.initial_train_loss | .2f }}, so a loss above "
                      "{{ value: lr_sweep.config.divergence_loss | g }} means the weights have been thrown far from "
                      "anything useful.")
    assert sweep["config"]["divergence_loss"] > 5 * sweep["initial_train_loss"], msg


def test_the_unstopped_diverging_run_does_not_recover(results):
    sweep, curves = results("lr_sweep"), results("lr_curves")
    diverging = curves["runs"][3]
    msg = claim(PAGE, "that run was allowed to go on (its limit was "
                      "{{ value: lr_curves.config.divergence_loss | g }}), climbed to "
                      "{{ value: lr_curves.runs.3.peak_mean_train_loss | .1f }}\non average over its seeds and ended at "
                      "{{ value: lr_curves.runs.3.final_train_loss | .1f }}, still far above where it started.")
    assert not any(diverging["diverged"]), msg + " (the run must not have been stopped)"
    assert diverging["peak_mean_train_loss"] > sweep["config"]["divergence_loss"], msg + " (the sweep's rule would stop it)"
    assert diverging["final_train_loss"] > 3 * diverging["initial_train_loss"], msg
    assert sweep_loss_near(sweep, diverging["learning_rate"]) is None, msg + " (the sweep's run at that rate diverged)"


def test_a_wide_band_around_the_best_works_almost_as_well(results):
    sweep = results("lr_sweep")
    msg = claim(PAGE, "and a wide band around it works almost as well.")
    close = [lr for lr, v in zip(sweep["learning_rates"], sweep["final_val_loss"])
             if v is not None and v <= 1.1 * sweep["best_val_loss"]]
    assert len(close) >= 4 and max(close) / min(close) >= 4, msg


def test_too_small_costs_more_than_too_large_but_the_right_side_is_a_cliff(results):
    sweep = results("lr_sweep")
    below, above = sweep["below_best"], sweep["above_best"]
    msg = claim(PAGE, "So on this problem a rate somewhat too large costs less than one somewhat too small, but the "
                      "right side ends in a cliff: a little further on, training breaks down and the run produces "
                      "nothing at all.")
    assert math.isclose(below["learning_rate"] * above["learning_rate"], sweep["best_learning_rate"] ** 2), msg
    assert below["val_loss"] > above["val_loss"] + 0.02, msg
    first = sweep["learning_rates"].index(sweep["smallest_diverging_learning_rate"])
    last_trained = sweep["final_val_loss"][first - 1]
    assert last_trained is not None and last_trained < 2 * sweep["best_val_loss"], msg + " (no gradual slope into it)"
    assert sweep["smallest_diverging_learning_rate"] / above["learning_rate"] < 12, msg


def test_the_best_value_is_not_at_the_edge_of_the_sweep(results):
    sweep = results("lr_sweep")
    msg = claim(PAGE, "If the best value sits at the edge of what you tried, you have not found the best value.")
    assert 0 < sweep["best_index"] < len(sweep["learning_rates"]) - 1, msg


# --- The range test -----------------------------------------------------------------------------

def test_range_test_shoots_up_soon_after_its_minimum(results):
    test = results("lr_range_test")
    msg = claim(PAGE, "is lowest at $\\eta \\approx$ {{ value: lr_range_test.min_learning_rate | .2g }}, and not much "
                      "further on it shoots up.")
    assert test["blow_up_learning_rate"] is not None, msg
    assert 1 < test["blow_up_learning_rate"] / test["min_learning_rate"] < 4, msg


def test_range_test_raw_losses_are_noisy_near_the_minimum(results):
    low, high = results("lr_range_test")["raw_loss_near_min"]
    msg = claim(PAGE, "single mini-batch losses range from {{ value: lr_range_test.raw_loss_near_min.0 | .2f }} to "
                      "{{ value: lr_range_test.raw_loss_near_min.1 | .2f }}; the minimum exists only after smoothing.")
    assert high > 3 * low, msg


def test_range_test_smoothed_curve_is_flat_at_its_minimum(results):
    test = results("lr_range_test")
    low, high = test["near_min_learning_rates"]
    msg = claim(PAGE, "**The smoothed curve is flat there.**")
    assert high / low >= 1.5, msg
    msg = claim(PAGE, "Points within {{ value: lr_range_test.config.near_min_tolerance | g }}\n  of its lowest value "
                      "lie as far apart as")
    tolerance, band = test["config"]["near_min_tolerance"], test["smoothed_loss_in_band"]
    inside = [v for lr, v in zip(test["learning_rates"], test["smoothed_loss"]) if v is not None and low <= lr <= high]
    assert any(v > test["min_smoothed_loss"] + tolerance for v in inside), msg + " (it leaves the band in between)"
    msg = claim(PAGE, "in between, the curve wanders\n  from")
    drop = test["smoothed_loss"][0] - band[0]
    assert band[1] - band[0] < 0.5 * drop, msg + " (flat compared with the fall before it)"


def test_range_test_minimum_moves_with_the_seed(results):
    test = results("lr_range_test")
    first, last = test["min_learning_rate_range"]
    msg = claim(PAGE, "**Another seed moves it.** Over the {{ value: lr_range_test.config.seeds | d }} seeds, the "
                      "minimum fell anywhere between")
    assert len(test["per_seed"]) == test["config"]["seeds"] >= 3, msg
    assert last / first >= 1.5, msg


def test_range_test_suggestions_land_on_the_bottom_and_fastai_closer(results):
    test, sweep = results("lr_range_test"), results("lr_sweep")
    msg = claim(PAGE, "Every one of these suggestions lands on the wide bottom of its U, and here the divide-by-10 "
                      "rule lands closer to the best.")
    ends = test["suggested_learning_rate_range"] + test["fastai_suggested_learning_rate_range"]
    for rate in ends:
        loss = sweep_loss_near(sweep, rate)
        assert loss is not None and loss <= 1.2 * sweep["best_val_loss"], f"{msg} (η = {rate:.3g}: {loss})"

    def distance(pair: list) -> float:
        return abs(math.log(math.sqrt(pair[0] * pair[1]) / sweep["best_learning_rate"]))

    assert distance(test["fastai_suggested_learning_rate_range"]) < distance(test["suggested_learning_rate_range"]), msg


def test_range_test_divisors_are_the_cited_conventions(results):
    config = results("lr_range_test")["config"]
    msg = claim(PAGE, "Older versions of fastai's\n`lr_find` suggested the minimum divided by 10")
    assert config["fastai_divisor"] == 10 and 3 <= config["divisor"] <= 4, msg


# --- Momentum -----------------------------------------------------------------------------------

def test_momentum_shifts_best_and_first_diverging_rate_tenfold(results):
    grid = results("momentum")
    msg = claim(PAGE, "ten times smaller, as $1/(1 - \\beta) = 10$ predicts.")
    assert grid["momenta"][0] == 0 and grid["momenta"][2] == 0.9, msg
    assert math.isclose(grid["best_learning_rate"][0] / grid["best_learning_rate"][2], 10), msg
    assert math.isclose(grid["smallest_diverging_learning_rate"][0] / grid["smallest_diverging_learning_rate"][2],
                        10), msg


def test_first_divergence_is_accurate_only_to_the_grid_step(results):
    grid, sweep = results("momentum"), results("lr_sweep")
    lrs = grid["learning_rates"]
    msg = claim(PAGE, "This grid steps by a factor of about 3, so\n\"first to diverge\" is accurate only to that factor")
    assert all(2.9 < b / a < 3.5 for a, b in zip(lrs, lrs[1:])), msg
    msg = claim(PAGE, "one seed already ended at a validation loss of\n"
                      "{{ value: momentum.val_loss_per_seed.0.8.0 | .2f }}, so the edge is nearer")
    assert grid["momenta"][0] == 0 and lrs[8] == 10 and lrs[9] == grid["smallest_diverging_learning_rate"][0], msg
    assert grid["val_loss_per_seed"][0][8][0] > 1.5 * sweep["initial_train_loss"], msg + " (far worse than untrained)"
    assert 10 / 3 < sweep["smallest_diverging_learning_rate"] <= 10, msg + " (in line with the sweep)"


def test_equal_effective_steps_give_nearly_equal_losses(results):
    grid = results("momentum")
    matched = grid["matched"]
    msg = claim(PAGE, "For\n$\\beta$ up to {{ value: momentum.matched.momentum | g }}, and away from the divergence edge, "
                      "the curves nearly lie\non top of each other.")
    assert max(grid["momenta"][:grid["momenta"].index(matched["momentum"]) + 1]) == matched["momentum"], msg
    msg = claim(PAGE, "validation losses differ by at most\n{{ value: momentum.matched.largest_gap | .3f }}. At equal "
                      "*learning rates* they differ by up to\n{{ value: momentum.matched.same_rate_gap | .2f }}")
    assert len(matched["effective_steps"]) >= 4, msg
    assert matched["effective_steps"][-1] / matched["effective_steps"][0] >= 100, msg
    assert matched["largest_gap"] < 0.1 * min(grid["best_val_loss"]), msg
    assert matched["same_rate_gap"] > 10 * matched["largest_gap"], msg


def test_very_high_momentum_shifts_the_best_rate_less_and_reaches_a_lower_loss(results):
    grid = results("momentum")
    best, seeds, lrs = grid["best_val_loss"], grid["best_val_loss_per_seed"], grid["best_learning_rate"]
    msg = claim(PAGE, "the best\nrate moved only ten-fold")
    assert grid["momenta"][3] == 0.97, msg
    assert math.isclose(lrs[0] / lrs[3], 10) and 1 / (1 - grid["momenta"][3]) > 30, msg
    msg = claim(PAGE, "not the roughly 33-fold that $1/(1 - \\beta)$ predicts, and the best loss was lower:")
    assert best[3] < min(best[0], best[2]) - 0.01, msg
    msg = claim(PAGE, "the seeds do not overlap.")
    assert max(seeds[3]) < min(seeds[0] + seeds[2]), msg


def test_very_high_momentum_is_lower_at_the_same_effective_step(results):
    grid = results("momentum")
    at = grid["at_effective_step"][0]
    msg = claim(PAGE, "At the same effective step of\n{{ value: momentum.at_effective_step.0.effective_step | g }}")
    losses = at["val_loss"]
    assert losses[3] < min(losses[0], losses[2]) - 0.02, msg
    assert abs(losses[0] - losses[2]) < losses[0] - losses[3], msg + " (β = 0 and 0.9 are closer to each other)"


def test_curves_separate_near_the_divergence_edge(results):
    grid = results("momentum")
    at = grid["at_effective_step"][1]
    msg = claim(PAGE, "Near the divergence edge the curves separate too")
    losses = [at["val_loss"][i] for i in (0, 2, 3)]
    assert all(v is not None for v in losses), msg
    assert max(losses) - min(losses) > 5 * grid["matched"]["largest_gap"], msg
    assert at["effective_step"] > grid["matched"]["effective_steps"][-1], msg + " (beyond the matched range)"
    edge = min(s for s in grid["smallest_diverging_effective_step"] if s is not None)
    assert edge / 3 < at["effective_step"] < edge, msg + " (one grid step from the first divergence)"


def test_figure_question_divergence_at_equal_effective_step(results):
    grid = results("momentum")
    msg = claim(PAGE, "The learning rates differ ten-fold, the effective steps not at all, at this grid's resolution\n"
                      "    (a factor of about 3 between neighbouring rates)")
    lrs = grid["learning_rates"]
    assert all(2.9 < b / a < 3.5 for a, b in zip(lrs, lrs[1:])), msg
    assert math.isclose(grid["smallest_diverging_learning_rate"][0], 10 * grid["smallest_diverging_learning_rate"][2]), msg
    assert math.isclose(grid["smallest_diverging_effective_step"][0], grid["smallest_diverging_effective_step"][2]), msg


# --- Schedules ----------------------------------------------------------------------------------

def test_cosine_decays_to_nearly_zero(results):
    factor = results("lr_schedule")["learning_rate_factor"][1][-1]
    msg = claim(PAGE, "the rate falls along half a cosine to nearly zero by the last epoch $E$")
    assert 0 < factor < 0.01, msg


def test_schedule_barely_matters_at_the_best_rate(results):
    schedule = results("lr_schedule")
    msg = claim(PAGE, "a smaller difference than the spread between seeds at either setting")
    gap = abs(schedule["best_final_val_loss"][0] - schedule["best_final_val_loss"][1])
    assert gap < min(schedule["best_seed_spread"]), msg


def test_schedule_helps_at_too_large_peaks(results):
    schedule = results("lr_schedule")
    final = schedule["final_val_loss"]
    msg = claim(PAGE, "the constant rate keeps bouncing to the end and finishes at "
                      "{{ value: lr_schedule.final_val_loss.0.3 | .3f }}, while the decayed rate lets the weights "
                      "settle, at {{ value: lr_schedule.final_val_loss.1.3 | .3f }}")
    assert schedule["peak_learning_rates"][3] == schedule["config"]["curves_learning_rate"], msg
    assert final[0][3] > final[1][3] + 0.02 and final[0][4] > final[1][4] + 0.02, msg
    last_third = len(schedule["epochs"]) // 3
    constant, cosine = (rises_in_last(curve["val_loss"], last_third) for curve in schedule["curves"])
    assert constant >= 3 and cosine < constant, msg + f" (rises in the last {last_third} epochs: {constant}, {cosine})"


def test_schedule_hurts_at_too_small_peaks(results):
    final = results("lr_schedule")["final_val_loss"]
    msg = claim(PAGE, "At a peak that is too small it hurts")
    assert final[1][0] > final[0][0] + 0.05, msg


def test_scheduled_best_peak_is_higher(results):
    peaks = results("lr_schedule")["best_peak_learning_rate"]
    msg = claim(PAGE, "and expect it to be higher than the best constant rate.")
    assert peaks[1] > peaks[0], msg


# --- Questions ----------------------------------------------------------------------------------

def test_predict_question_ten_times_too_small_is_worse_than_ten_times_too_large(results):
    sweep = results("lr_sweep")
    msg = claim(PAGE, "on this problem the U rises faster on the left.")
    small, large = sweep_loss_near(sweep, 0.03), sweep_loss_near(sweep, 3.0)
    assert large is not None and small > large + 0.1, msg
    assert sweep["smallest_diverging_learning_rate"] > 3.0, msg + " (3 must be below the cliff)"
    assert sweep_loss_near(sweep, 30.0) is None, msg + " (30 must fall off the cliff)"


def test_seed_question_spread_and_disagreeing_seeds(results):
    sweep = results("lr_sweep")
    best, spread = sweep["best_index"], sweep["best_seed_spread"]
    msg = claim(PAGE, "The neighbouring rate just above the best differs from it by less than that spread")
    assert abs(sweep["final_val_loss"][best + 1] - sweep["best_val_loss"]) < spread, msg
    assert sweep["below_best"]["val_loss"] - sweep["best_val_loss"] > 3 * spread, msg + " (the rise to the left)"
    msg = claim(PAGE, "Not all seeds agree.")
    assert len(set(sweep["best_learning_rate_per_seed"])) > 1, msg
