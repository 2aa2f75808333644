"""Search strategies: the grid, random and successive-halving machinery, and the published
grid_vs_random / successive_halving results' structure (the prose claims are checked in
tests/chapter/test_claims_search_strategies.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lesson.data import DataConfig, make_dataset
from lesson.experiments import run_experiment
from lesson.experiments.search_strategies import RESCORE_SEED_BASE
from lesson.nn import NetworkConfig
from lesson.search import (LogUniform, halving_schedule, shifted_grid_points, successive_halving,
                           successive_halving_many)
from lesson.stats import paired, rate_interval, sign_test
from lesson.train import Run, TrainConfig, train_many


def test_a_shifted_grid_keeps_its_step_and_stays_in_range():
    axis = LogUniform(1e-4, 3.0)
    step = math.log(3.0 / 1e-4) / 3
    for shift in (0.0, 0.3, 0.999):
        values = axis.shifted_grid(3, shift)
        assert all(1e-4 <= v < 3.0 for v in values)
        gaps = np.diff(np.log(values))
        assert np.allclose(gaps, step)
    assert math.isclose(axis.shifted_grid(3, 0.0)[0], 1e-4)
    with pytest.raises(ValueError, match="shift"):
        axis.shifted_grid(3, 1.0)


def test_shifted_grids_differ_between_draws_but_are_full_grids():
    space = {"learning_rate": LogUniform(1e-4, 3.0), "hidden": LogUniform(4, 32, integer=True)}
    first, second = (shifted_grid_points(space, 3, np.random.default_rng(seed)) for seed in (0, 1))
    assert len(first) == 9 and len({p["learning_rate"] for p in first}) == 3
    assert {p["learning_rate"] for p in first} != {p["learning_rate"] for p in second}


def test_lockstep_halving_equals_one_search_at_a_time():
    rng = np.random.default_rng(5)
    tables = [rng.uniform(size=(27, 4)) for _ in range(3)]  # a fake score per config and round

    def one(search):
        rounds = {1: 0, 3: 1, 9: 2, 27: 3}
        return lambda ids, epochs: [float(tables[search][i, rounds[epochs]]) for i in ids]

    alone = [successive_halving(27, one(s), 1, 3, 27) for s in range(3)]
    together = successive_halving_many(
        3, 27, lambda alive, epochs: [one(s)(ids, epochs) for s, ids in enumerate(alive)], 1, 3, 27)
    assert together == alone
    assert halving_schedule(27, 1, 3, 27) == [(27, 1), (9, 3), (3, 9), (1, 27)]


def test_a_short_run_is_the_start_of_a_long_one():
    """Why successive halving's rounds may be read off longer runs: same seed, same first epochs."""
    data = make_dataset(DataConfig(n_train=100, seed=0))
    network = NetworkConfig(hidden=(8,))
    short, long = train_many(data, [Run(network, TrainConfig(learning_rate=0.5, epochs=3), 4),
                                    Run(network, TrainConfig(learning_rate=0.5, epochs=9), 4)])
    assert short.history.val_loss == long.history.val_loss[:4]


def test_grid_vs_random_varies_the_grid_and_keeps_the_budget(results):
    search = results["grid_vs_random"]
    cfg = search["config"]
    assert search["budget"] == cfg["grid_points_per_axis"] ** 2
    grids = [tuple(sorted({p["learning_rate"] for p in r["grid"]["points"]})) for r in search["repeats"]]
    assert len(set(grids)) == cfg["repeats"]  # a different placement in every repeat
    for repeat in search["repeats"]:
        assert len(repeat["grid"]["points"]) == len(repeat["random"]["points"]) == search["budget"]
        assert repeat["grid"]["distinct_learning_rates"] == cfg["grid_points_per_axis"]
        assert repeat["random"]["distinct_learning_rates"] == search["budget"]
    # far from the edge of divergence: no run diverged, so no claim rests on a chaotic run
    assert all(s is not None for r in search["repeats"] for name in ("grid", "random") for s in r[name]["scores"])


def test_successive_halving_rounds_and_baseline_budget(results):
    halving = results["successive_halving"]
    cfg = halving["config"]
    for repeat in halving["repeats"]:
        assert [r["epochs"] for r in repeat["rungs"]] == [1, 3, 9, 27]
        assert [len(r["config_ids"]) for r in repeat["rungs"]] == [27, 9, 3, 1]
        assert repeat["epochs_spent"] == halving["baseline_runs"] * cfg["max_epochs"] == 108
        assert len(repeat["baseline_scores"]) == halving["baseline_runs"]
        assert all(s is not None for s in repeat["baseline_scores"])
    assert halving["full_search_epochs"] == 729


def test_halving_outcomes_and_resume_cost_add_up(results):
    halving = results["successive_halving"]
    outcomes = halving["outcomes"]
    assert outcomes["wins"] + outcomes["ties"] + outcomes["losses"] == halving["config"]["repeats"]
    assert outcomes["ties_in_baseline"] <= outcomes["ties"]
    assert outcomes["max_loss"] >= 0 and (outcomes["losses"] > 0 or outcomes["max_loss"] == 0)
    # 27 x 1 epoch, then 9 survivors resume for 2 more, 3 for 6 more, 1 for 18 more
    assert halving["resume_epochs"] == 27 + 9 * 2 + 3 * 6 + 18 == 81


def test_the_shuffled_grid_reorders_the_same_runs(results):
    search = results["grid_vs_random"]
    shuffled = search["shuffled_grid_best_so_far"]
    assert len(shuffled) == search["budget"]
    assert all(a >= b for a, b in zip(shuffled, shuffled[1:]))  # a best-so-far curve never rises
    assert shuffled[-1] == pytest.approx(search["mean_best"]["grid"])
    probe = search["probe"]
    assert probe["max_width_spread"] == max(s for s in probe["width_spread"] if s is not None)
    assert probe["max_width_spread"] >= probe["max_width_spread_at_good"]


def test_the_probe_fixes_good_and_the_band_before_the_repeats():
    """The yardstick comes from the probe's own runs: changing the repeats leaves it unchanged."""
    few, more = (run_experiment("grid_vs_random", repeats=n, probe_learning_rates=9) for n in (1, 3))
    assert few["probe"] == more["probe"] and few["good_band"] == more["good_band"]
    probe = few["probe"]
    assert few["good_score"] == pytest.approx(
        min(v for row in probe["scores"] for v in row) + few["config"]["good_margin"])
    low, high = few["good_band"]
    for rate, score in zip(probe["learning_rates"], probe["mean_over_widths"]):
        assert (low <= rate <= high) == (score <= few["good_score"])
    assert few["good_band_decades"] == pytest.approx(math.log10(high / low))


def test_hits_intervals_and_paired_counts_agree_with_the_repeats(results):
    search = results["grid_vs_random"]
    repeats, band, good = search["repeats"], search["good_band"], search["good_score"]
    for r in repeats:
        for name in ("grid", "random"):
            s = r[name]
            assert s["good"] == (s["best"] <= good)
            assert s["in_band_learning_rates"] == sum(band[0] <= lr <= band[1]
                                                      for lr in {p["learning_rate"] for p in s["points"]})
    n = len(repeats)
    for name in ("grid", "random"):
        hits = sum(r[name]["good"] for r in repeats)
        assert search["found_good_interval"][name] == rate_interval(hits, n)
    pair = search["found_good_paired"]
    assert pair["sign_p"] == sign_test(pair["random_only"], pair["grid_only"])
    lower = search["lower_loss"]
    assert lower == paired([r["random"]["best"] for r in repeats], [r["grid"]["best"] for r in repeats])
    assert search["random_win_fraction"] == lower["a_lower"] / n
    chance = search["band_hit_chance"]
    assert chance["grid"] == pytest.approx(search["good_band_decades"] / search["grid_step_decades"])
    span = math.log10(search["config"]["lr_high"] / search["config"]["lr_low"])
    assert chance["random"] == pytest.approx(1 - (1 - search["good_band_decades"] / span) ** search["budget"])


def test_winners_are_rescored_with_fresh_seeds_shared_by_both():
    halving = run_experiment("successive_halving", repeats=2, rescore_seeds=2)
    data = make_dataset(DataConfig(n_train=400, seed=0))
    for r in halving["repeats"]:
        winner = r["points"][r["winner"]]
        assert r["baseline_best"] == r["baseline_scores"][r["baseline_winner"]]
        seeds = [RESCORE_SEED_BASE + r["seed"] * 2 + k for k in range(2)]
        assert min(seeds) > max(x["seed"] for x in halving["repeats"])  # no search used them
        runs = [Run(NetworkConfig(hidden=(winner["hidden"],)),
                    TrainConfig(learning_rate=winner["learning_rate"], epochs=27, batch_size=16), s) for s in seeds]
        scores = [min(v for v in t.history.val_loss[1:] if v is not None) for t in train_many(data, runs)]
        assert r["winner_fresh"] == pytest.approx(sum(scores) / 2, abs=1e-12)
    rescored = halving["rescored"]
    assert rescored["difference"] == paired([r["winner_fresh"] for r in halving["repeats"]],
                                            [r["baseline_fresh"] for r in halving["repeats"]])
