"""The learning-rate, batch-size, momentum and schedule experiments: their results are consistent
with their definitions, and their default results (computed in Pyodide) support the chapter."""

import math

import pytest

from lesson.experiments import run_experiment
from lesson.experiments.epochs_batches import net_epoch_change, rise_fraction
from lesson.experiments.learning_rate import paired_or_none, rising_epochs, spread_or_none
from lesson.experiments.momentum_schedules import effective_step
from lesson.stats import paired, spread


# --- Pure helpers -------------------------------------------------------------------------------

def test_rising_epochs_counts_increases_and_skips_missing_values():
    assert rising_epochs([1.0, 0.5, 0.7, None, 0.6, 0.9]) == 2
    assert rising_epochs([3.0, 2.0, 1.0]) == 0


def test_late_epoch_metrics_use_the_second_half_only():
    curve = [9.0, 1.0, 0.9, 1.1, 1.0, 1.2]  # second half: 1.1, 1.0, 1.2
    assert rise_fraction(curve) == 0.5
    assert math.isclose(net_epoch_change(curve), 0.05)
    assert rise_fraction([1.0, 0.9, 0.8, 0.7]) == 0.0


def test_stats_of_all_diverged_seeds_are_none_not_an_error():
    assert spread_or_none([None, None]) is None and paired_or_none([None, 0.5], [0.4, None]) is None
    assert spread_or_none([None, 0.5, 0.7])["n"] == 2
    assert paired_or_none([0.2, None, 0.4], [0.3, 0.1, 0.1])["n"] == 2


def test_lr_curves_survives_a_rate_at_which_every_seed_diverges():
    result = run_experiment("lr_curves", learning_rates=(0.3, 1e4), labels=("fine", "broken"), seeds=2, epochs=3,
                            divergence_loss=2.0)
    fine, broken = result["runs"]
    assert all(broken["diverged"]) and broken["final_train_loss_spread"] is None
    assert broken["versus_previous"] is None and fine["versus_previous"] is None
    assert fine["final_train_loss_spread"]["n"] == 2


def test_effective_step_is_rate_over_one_minus_momentum():
    assert effective_step(0.3, 0.0) == 0.3
    assert math.isclose(effective_step(0.3, 0.9), 3.0)


# --- Learning rate ------------------------------------------------------------------------------

def test_lr_curves_too_low_stays_high_right_learns_high_worse_diverging_rises(results):
    low, right, high, diverging = results["lr_curves"]["runs"]
    assert low["final_train_loss"] > 0.6 > 0.3 > right["final_train_loss"]
    assert high["final_val_loss"] > right["final_val_loss"]
    assert high["rising_epochs"] > right["rising_epochs"]
    for seed, curve in enumerate(diverging["train_loss_per_seed"]):
        final = [v for v in curve if v is not None][-1]
        assert diverging["diverged"][seed] or final > curve[0]
    assert diverging["peak_train_loss"] == max(v for c in diverging["train_loss_per_seed"] for v in c if v is not None)
    assert diverging["peak_mean_train_loss"] == max(v for v in diverging["train_loss"] if v is not None)
    assert diverging["peak_mean_train_loss"] <= diverging["peak_train_loss"]


def test_lr_sweep_is_u_shaped_with_divergence_at_the_high_end(results):
    sweep = results["lr_sweep"]
    losses, best = sweep["final_val_loss"], sweep["best_index"]
    assert 0 < best < len(losses) - 1
    assert losses[0] > sweep["best_val_loss"] + 0.3
    assert sweep["diverged"][-1] and not any(sweep["diverged"][:best + 1])
    assert 0.03 <= sweep["best_learning_rate"] <= 3


def test_lr_sweep_seed_view_of_the_best_is_consistent(results):
    sweep = results["lr_sweep"]
    best = sweep["best_index"]
    per_seed = sweep["best_val_loss_per_seed"]
    assert per_seed == sweep["final_val_loss_per_seed"][best]
    assert math.isclose(sum(per_seed) / len(per_seed), sweep["best_val_loss"])
    assert math.isclose(sweep["best_seed_spread"], max(per_seed) - min(per_seed))
    assert sweep["best_val_loss_spread"] == spread(per_seed)
    assert set(sweep["best_learning_rate_per_seed"]) <= set(sweep["learning_rates"])
    per_seed_best = sweep["best_learning_rate_per_seed"]
    assert sweep["best_learning_rate_seed_range"] == [min(per_seed_best), max(per_seed_best)]
    losses = sweep["final_val_loss_per_seed"]
    assert sweep["best_versus_neighbours"] == [paired(losses[best], losses[best - 1]),
                                               paired(losses[best], losses[best + 1])]
    assert sweep["diverged_seeds"] == [sum(v is None for v in row) for row in losses]
    first = sweep["learning_rates"].index(sweep["smallest_diverging_learning_rate"])
    assert sweep["first_diverging_seeds"] == sweep["diverged_seeds"][first] > 0


def test_lr_sweep_near_best_band_and_ten_times_comparison(results):
    sweep = results["lr_sweep"]
    rates, means, best = sweep["learning_rates"], sweep["final_val_loss"], sweep["best_index"]
    near = sweep["near_best"]
    low, high = rates.index(near["learning_rates"][0]), rates.index(near["learning_rates"][1])
    limit = near["factor"] * sweep["best_val_loss"]
    assert low <= best <= high and near["count"] == high - low + 1
    assert all(v is not None and v <= limit for v in means[low:high + 1])
    assert all(i < 0 or i >= len(rates) or means[i] is None or means[i] > limit for i in (low - 1, high + 1))
    ten = sweep["ten_times"]
    for side, target in (("below", ten["reference"] / ten["factor"]), ("above", ten["reference"] * ten["factor"])):
        index = rates.index(ten[side]["learning_rate"])
        assert index == min(range(len(rates)), key=lambda i: abs(math.log(rates[i] / target)))
        assert ten[side]["spread"] == spread(sweep["final_val_loss_per_seed"][index])
    below = sweep["final_val_loss_per_seed"][rates.index(ten["below"]["learning_rate"])]
    above = sweep["final_val_loss_per_seed"][rates.index(ten["above"]["learning_rate"])]
    assert ten["above_minus_below"] == paired(above, below)


def test_lr_range_test_falls_then_suggests_a_working_rate(results):
    rt, sweep = results["lr_range_test"], results["lr_sweep"]
    smoothed = rt["smoothed_loss"]
    assert smoothed[rt["min_index"]] < smoothed[0] - 0.2
    suggested = rt["suggested_learning_rate"]
    nearest = min(range(len(sweep["learning_rates"])),
                  key=lambda i: abs(math.log(sweep["learning_rates"][i] / suggested)))
    assert sweep["final_val_loss"][nearest] is not None
    assert sweep["final_val_loss"][nearest] < sweep["best_val_loss"] + 0.1


def test_lr_range_test_reports_every_seed_and_both_suggestions(results):
    rt = results["lr_range_test"]
    config = rt["config"]
    assert [t["seed"] for t in rt["per_seed"]] == list(range(config["seed"], config["seed"] + config["seeds"]))
    assert rt["per_seed"][0]["min_learning_rate"] == rt["min_learning_rate"]
    spread = rt["spread"]
    assert spread["seeds"] == config["spread_seeds"] == len(spread["min_learning_rates"]) >= config["seeds"]
    assert spread["min_learning_rates"][:config["seeds"]] == [t["min_learning_rate"] for t in rt["per_seed"]]
    assert spread["min_learning_rate_range"] == [min(spread["min_learning_rates"]), max(spread["min_learning_rates"])]
    low, high = spread["min_learning_rate_quartiles"]
    assert spread["min_learning_rate_range"][0] <= low <= high <= spread["min_learning_rate_range"][1]
    assert spread["suggested_learning_rate_range"] == [m / config["divisor"] for m in spread["min_learning_rate_range"]]
    assert spread["fastai_suggested_learning_rate_range"] == [m / config["fastai_divisor"]
                                                             for m in spread["min_learning_rate_range"]]
    minima = [t["min_learning_rate"] for t in rt["per_seed"]]
    assert rt["min_learning_rate_range"] == [min(minima), max(minima)]
    assert math.isclose(rt["suggested_learning_rate"] * config["divisor"], rt["min_learning_rate"])
    assert math.isclose(rt["fastai_suggested_learning_rate"] * config["fastai_divisor"], rt["min_learning_rate"])
    low, high = rt["near_min_learning_rates"]
    assert low <= rt["min_learning_rate"] <= high
    band = [v for lr, v in zip(rt["learning_rates"], rt["smoothed_loss"]) if v is not None and low <= lr <= high]
    assert rt["smoothed_loss_in_band"] == [min(band), max(band)]
    assert math.isclose(rt["smoothed_loss_in_band"][0], rt["min_smoothed_loss"])
    assert rt["raw_loss_near_min"][0] <= rt["raw_loss_near_min"][1]
    updates = config["full_run_epochs"] * math.ceil(config["n_train"] / config["batch_size"])
    assert rt["full_run_updates"] == updates and math.isclose(rt["share_of_a_full_run"], config["steps"] / updates)


def test_lr_curves_seed_views_match_the_curves(results):
    runs = results["lr_curves"]["runs"]
    previous = None
    for run in runs:
        finals = [None if d else [v for v in c if v is not None][-1]
                  for c, d in zip(run["train_loss_per_seed"], run["diverged"])]
        assert run["rising_epochs_per_seed"] == [rising_epochs(c) for c in run["train_loss_per_seed"]]
        assert run["rising_epochs_range"] == [min(run["rising_epochs_per_seed"]), max(run["rising_epochs_per_seed"])]
        assert run["final_train_loss_spread"] == spread(finals)
        assert run["versus_previous"] == (None if previous is None else paired(finals, previous))
        previous = finals


# --- Momentum and schedules ---------------------------------------------------------------------

def test_momentum_grid_marks_divergence_and_effective_steps(results):
    grid = results["momentum"]
    for m, steps, row, div in zip(grid["momenta"], grid["effective_step"], grid["val_loss"], grid["diverged"]):
        assert all(math.isclose(s, lr / (1 - m)) for s, lr in zip(steps, grid["learning_rates"]))
        assert all((v is None) == d for v, d in zip(row, div))
    assert grid["diverged"][0][-1] and not grid["diverged"][0][0]


def test_momentum_matched_pairs_have_equal_effective_steps(results):
    grid = results["momentum"]
    matched = grid["matched"]
    k0, k1 = grid["momenta"].index(0.0), grid["momenta"].index(matched["momentum"])
    lrs = grid["learning_rates"]
    plain = grid["val_loss"][k0]
    gaps = []
    for step, without, test in zip(matched["effective_steps"], matched["without"], matched["paired"]):
        i = lrs.index(min(lrs, key=lambda lr: abs(lr - step)))
        j = lrs.index(min(lrs, key=lambda lr: abs(lr - step * (1 - matched["momentum"]))))
        assert without == plain[i]
        a, b = grid["val_loss_per_seed"][k0][i], grid["val_loss_per_seed"][k1][j]
        assert test == paired(a, b)
        gaps.append(max(abs(x - y) for x, y in zip(a, b)))
    assert math.isclose(matched["largest_gap"], max(abs(t["mean"]) for t in matched["paired"]))
    assert math.isclose(matched["largest_gap"], max(abs(a - b) for a, b in zip(matched["without"], matched["with"])))
    assert matched["largest_sem"] == max(t["sem"] for t in matched["paired"])
    assert matched["largest_seed_gap"] == max(gaps)
    for entry in matched["same_rate"]:
        j = lrs.index(entry["learning_rate"])
        assert {k: v for k, v in entry.items() if k != "learning_rate"} == paired(grid["val_loss_per_seed"][k0][j],
                                                                                  grid["val_loss_per_seed"][k1][j])


def test_momentum_divergence_counts_and_first_divergence_spread(results):
    grid = results["momentum"]
    for row, counts, first, k in zip(grid["val_loss_per_seed"], grid["diverged_seeds"],
                                     grid["smallest_diverging_learning_rate"], grid["first_diverging_seeds"]):
        assert counts == [sum(v is None for v in cell) for cell in row]
        assert k == (0 if first is None else counts[grid["learning_rates"].index(first)])
    lrs = [lr for lr in grid["smallest_diverging_learning_rate"] if lr is not None]
    steps = [s for s in grid["smallest_diverging_effective_step"] if s is not None]
    assert math.isclose(grid["first_divergence_spread"]["learning_rate"], max(lrs) / min(lrs))
    assert math.isclose(grid["first_divergence_spread"]["effective_step"], max(steps) / min(steps))
    for per_seed, (low, high) in zip(grid["best_learning_rate_per_seed"], grid["best_learning_rate_seed_range"]):
        assert (min(per_seed), max(per_seed)) == (low, high)


def test_momentum_best_seeds_and_losses_at_compared_effective_steps(results):
    grid = results["momentum"]
    for i, best_lr in enumerate(grid["best_learning_rate"]):
        j = grid["learning_rates"].index(best_lr)
        assert grid["best_val_loss_per_seed"][i] == grid["val_loss_per_seed"][i][j]
    for entry, step in zip(grid["at_effective_step"], grid["config"]["compared_steps"]):
        assert entry["effective_step"] == step
        plain = [j for j, s in enumerate(grid["effective_step"][0]) if math.isclose(s, step)]
        for i, value in enumerate(entry["val_loss"]):
            matches = [j for j, s in enumerate(grid["effective_step"][i]) if math.isclose(s, step)]
            assert value == (grid["val_loss"][i][matches[0]] if matches else None)
            versus = entry["versus_no_momentum"][i]
            if i == 0 or not matches or not plain:
                assert versus is None
            else:
                assert versus == paired(grid["val_loss_per_seed"][i][matches[0]], grid["val_loss_per_seed"][0][plain[0]])


def test_momentum_without_zero_momentum_has_no_matched_comparison():
    result = run_experiment("momentum", momenta=(0.5, 0.9), learning_rates=(0.1, 1.0), seeds=1, epochs=2)
    assert result["matched"] is None
    assert len(result["val_loss"]) == 2 and len(result["val_loss"][0]) == 2


def test_momentum_config_names_a_bad_matched_momentum():
    with pytest.raises(ValueError, match="matched_momentum"):
        run_experiment("momentum", momenta=(0.0, 0.5))


def test_schedule_factors_are_constant_or_warm_up_then_cosine(results):
    schedule = results["lr_schedule"]
    constant, cosine = schedule["learning_rate_factor"]
    warmup = schedule["config"]["warmup_epochs"]
    assert constant == [1.0] * schedule["config"]["epochs"]
    assert [round(f, 9) for f in cosine[:warmup]] == [round((e + 1) / warmup, 9) for e in range(warmup)]
    decay = cosine[warmup:]
    assert all(a >= b for a, b in zip(decay, decay[1:])) and decay[-1] < 0.01


def test_schedule_best_is_the_lowest_mean_without_diverged_seeds(results):
    schedule = results["lr_schedule"]
    for losses, diverged, best in zip(schedule["final_val_loss"], schedule["diverged_seeds"],
                                      schedule["best_final_val_loss"]):
        assert best == min(v for v, d in zip(losses, diverged) if d == 0)


def test_schedule_seed_by_seed_comparisons(results):
    schedule = results["lr_schedule"]
    constant, cosine = schedule["final_val_loss_per_seed"]
    assert schedule["versus"] == [paired(a, b) for a, b in zip(constant, cosine)]
    peaks = schedule["peak_learning_rates"]
    best = [peaks.index(lr) for lr in schedule["best_peak_learning_rate"]]
    assert schedule["best_versus"] == paired(constant[best[0]], cosine[best[1]])
    blocks = schedule["best_versus_blocks"]
    assert len(blocks) == schedule["config"]["seeds"] // 10
    assert blocks == [paired(constant[best[0]][i:i + 10], cosine[best[1]][i:i + 10])
                      for i in range(0, 10 * len(blocks), 10)]
    summary = schedule["best_versus_blocks_summary"]
    assert summary == {"blocks": len(blocks),
                       "scheduled_lower_range": [min(b["b_lower"] for b in blocks), max(b["b_lower"] for b in blocks)],
                       "settled": sum(b["sign_p"] < 0.05 for b in blocks)}
    for per_seed, row in zip(schedule["best_peak_per_seed"], schedule["final_val_loss_per_seed"]):
        for seed, peak in enumerate(per_seed):
            assert row[peaks.index(peak)][seed] == min(cell[seed] for cell in row)
    low, high = schedule["best_peak_per_seed"]
    counts = (schedule["higher_peak_seeds"], schedule["equal_peak_seeds"], schedule["lower_peak_seeds"])
    assert counts == (sum(b > a for a, b in zip(low, high)), sum(b == a for a, b in zip(low, high)),
                      sum(b < a for a, b in zip(low, high)))
    factors = schedule["learning_rate_factor"]
    assert schedule["mean_learning_rate_factor"] == [pytest.approx(sum(f) / len(f)) for f in factors]


def test_schedule_config_names_a_curves_rate_outside_the_peaks():
    with pytest.raises(ValueError, match="curves_learning_rate"):
        run_experiment("lr_schedule", curves_learning_rate=2.0)


# --- Epochs and batch size ----------------------------------------------------------------------

def test_epochs_too_few_and_too_many_are_both_worse_than_best(results):
    ep = results["epochs"]
    best, few, many = ep["best"], ep["too_few"], ep["too_many"]
    assert few["epoch"] < best["epoch"] < many["epoch"]
    assert few["val_loss"] > best["val_loss"] + 0.1
    assert many["val_loss"] > 1.5 * best["val_loss"]
    assert many["train_loss"] < best["train_loss"]


def test_epochs_summary_over_seeds_includes_the_figures_run(results):
    ep = results["epochs"]
    seeds, near = ep["seeds"], ep["near_best"]
    assert ep["config"]["seed"] == 0 and len(seeds["best_epoch"]) == ep["config"]["seeds"]
    assert (seeds["best_epoch"][0], seeds["best_val_loss"][0]) == (ep["best"]["epoch"], ep["best"]["val_loss"])
    assert (seeds["near_first"][0], seeds["near_last"][0]) == (near["first_epoch"], near["last_epoch"])
    limit = (1 + ep["config"]["near_best"]) * ep["best"]["val_loss"]
    close = [e for e, v in enumerate(ep["val_loss"]) if v is not None and v <= limit]
    assert (close[0], close[-1], len(close)) == (near["first_epoch"], near["last_epoch"], near["count"])
    assert seeds["overfit"]["min"] == min(f - b for f, b in zip(seeds["final_val_loss"], seeds["best_val_loss"]))


def test_batch_updates_are_counted_and_paired(results):
    noise = results["batch_noise"]
    for run in noise["runs"]:
        assert run["updates_per_epoch"] == math.ceil(noise["config"]["n_train"] / run["batch_size"])
        differences = [a - b for a, b in zip(run["final_val_loss_per_seed"], noise["runs"][-1]["final_val_loss_per_seed"])]
        assert math.isclose(run["versus_last"]["mean"], sum(differences) / len(differences), abs_tol=1e-15)
    grid = results["batch_lr"]
    for rates in grid["best_learning_rate_per_seed"]:
        assert len(rates) == grid["config"]["seeds"] and set(rates) <= set(grid["learning_rates"])
    seeds = grid["best_val_loss_per_seed"]
    assert grid["two_smallest"]["a_lower"] == sum(a < b for a, b in zip(seeds[0], seeds[1]))


def test_smaller_batches_are_noisier(results):
    runs = results["batch_noise"]["runs"]
    assert runs[0]["batch_size"] < runs[-1]["batch_size"]
    noise = [run["noise"] for run in runs]
    assert noise[0] == max(noise) and noise[0] > 5 * noise[-1]
    assert runs[0]["rise_fraction"] > runs[-1]["rise_fraction"]
    for run in runs:
        assert abs(run["net_epoch_change"]) <= run["mean_epoch_change"] + 1e-12


def test_best_learning_rate_grows_with_batch_size(results):
    grid = results["batch_lr"]
    best = grid["best_learning_rate"]
    assert all(a <= b for a, b in zip(best, best[1:]))
    assert best[-1] > best[0]
    n_train, epochs = grid["config"]["n_train"], grid["config"]["epochs"]
    assert grid["updates"] == [epochs * math.ceil(n_train / b) for b in grid["batch_sizes"]]
    for row, rates in zip(grid["val_loss"], grid["good_learning_rates"]):
        assert rates == [lr for lr, v in zip(grid["learning_rates"], row)
                         if v is not None and v < grid["config"]["good_loss"]]
