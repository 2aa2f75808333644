"""Search strategies: grid vs random under the same budget, and successive halving.

Every run is scored by its best checkpoint: the lowest validation loss over the epochs it trained
(what early stopping with restore-best would keep). A run that diverged scores None (failed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import check_fields, dataset, mean, require, train
from lesson.nn import NetworkConfig
from lesson.search import (LogUniform, best_so_far, grid_points, random_points,
                           halving_schedule, shifted_grid_points, successive_halving_many)
from lesson.stats import paired, rate_interval, sign_test, spread
from lesson.train import Run, TrainConfig


def _search_space(config) -> dict:
    """The learning rate matters a lot; the hidden width (in this range) barely matters."""
    return {"learning_rate": LogUniform(config.lr_low, config.lr_high),
            "hidden": LogUniform(config.width_low, config.width_high, integer=True)}


def _run(point: dict, epochs: int, batch_size: int, seed: int) -> Run:
    return Run(NetworkConfig(hidden=(point["hidden"],)),
               TrainConfig(learning_rate=point["learning_rate"], epochs=epochs,
                           batch_size=batch_size), seed)


def _best_checkpoint(history, epochs: int | None = None) -> float | None:
    """Lowest validation loss over epochs 1..``epochs`` (default: all); None if it diverged there.

    A run with a constant learning rate trained for e epochs is exactly the first e epochs of
    a longer run with the same seed (same initial weights, same shuffles), so this also scores a
    shorter run read off a longer one.
    """
    last = history.stopped_epoch if epochs is None else epochs
    if history.diverged and history.diverged_epoch <= last:
        return None
    values = [v for v in history.val_loss[1:last + 1] if v is not None]
    return min(values) if values else None


def _check_space(config) -> None:
    require(config, "lr_high", config.lr_high > config.lr_low, f"a number above lr_low={config.lr_low}")
    require(config, "width_high", config.width_high > config.width_low,
            f"an integer above width_low={config.width_low}")


def _difference_summary(differences: list[float]) -> dict:
    """{"mean", "sd", "se"} of per-repeat differences (``lesson.stats.spread``)."""
    summary = spread(differences)
    return {"mean": summary["mean"], "sd": summary["std"], "se": summary["sem"]}


def _beats(challenger: float | None, incumbent: float | None) -> bool:
    if challenger is None:
        return False
    return incumbent is None or challenger < incumbent


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


# ---------------------------------------------------------------- grid vs random

@dataclass(frozen=True)
class GridVsRandomConfig:
    """Same budget of trials for both strategies, over ``repeats`` repeats.

    Each repeat shifts the grid by a random fraction of its log-step on each axis (``shift_grid``),
    so the result describes grid search, not one placement of its points. A probe of
    ``probe_learning_rates`` x ``probe_widths`` configurations, each trained with ``probe_seeds``
    seeds, runs apart from the repeats and before them: it measures how much each hyperparameter
    matters and fixes what counts as good (a score and a band of learning rates), so the repeats'
    hits are counted against a yardstick they did not make.
    """

    grid_points_per_axis: int = 3
    lr_low: float = 1e-4
    lr_high: float = 3.0
    width_low: int = 4
    width_high: int = 32
    epochs: int = 20
    batch_size: int = 16
    repeats: int = 400
    shift_grid: bool = True
    probe_learning_rates: int = 19
    probe_widths: int = 3
    probe_seeds: int = 3
    good_margin: float = 0.02
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"grid_points_per_axis": ("int", 2, 10),
                            "lr_low": ("float", 1e-8, 1e3), "lr_high": ("float", 1e-8, 1e4),
                            "width_low": ("int", 1, 256), "width_high": ("int", 1, 512),
                            "epochs": ("int", 1, 1000), "batch_size": ("int", 1, 10_000),
                            "repeats": ("int", 1, 400), "probe_learning_rates": ("int", 2, 40),
                            "probe_widths": ("int", 2, 10), "probe_seeds": ("int", 1, 10),
                            "good_margin": ("float", 0.0, 1.0),
                            "n_train": ("int", 20, 5000)})
        require(self, "shift_grid", isinstance(self.shift_grid, bool), "True or False")
        _check_space(self)


def _probe_points(config: GridVsRandomConfig) -> tuple[list, list, list[dict]]:
    """The probe's learning rates, widths and every combination of them (rate-major)."""
    space = _search_space(config)
    rates = space["learning_rate"].grid(config.probe_learning_rates)
    widths = space["hidden"].grid(config.probe_widths)
    return rates, widths, [{"learning_rate": lr, "hidden": w} for lr in rates for w in widths]


def _probe(config: GridVsRandomConfig, trained: list) -> dict:
    """What matters, and what counts as good? ``trained``: the runs of ``_probe_points`` (every
    probe learning rate with every probe width), once per training seed 0..probe_seeds-1,
    seed-major.

    ``scores[i][j]`` is learning rate i with width j, averaged over the seeds. ``good_score``: the
    lowest of them plus ``good_margin``. ``good_learning_rates``: probe rates whose mean score over
    the widths is at most ``good_score``; ``good_band``: [low, high], those rates' range widened to
    where the mean score crosses ``good_score`` (log-linear between neighbouring probe rates; an
    end of the search range if the band reaches it). ``width_spread``: at each learning rate, the
    largest minus the smallest score over the widths; ``lr_spread``: at each width, over the
    learning rates. ``max_width_spread_at_good``: the largest width spread at the good rates;
    ``max_width_spread``: at any rate, and ``max_width_spread_learning_rate`` the rate where it
    occurs.
    """
    rates, widths, points = _probe_points(config)
    per_seed = [[_best_checkpoint(t.history) for t in trained[s * len(points):(s + 1) * len(points)]]
                for s in range(config.probe_seeds)]
    flat = [mean([seed[k] for seed in per_seed]) for k in range(len(points))]
    scores = [flat[i * len(widths):(i + 1) * len(widths)] for i in range(len(rates))]

    def width_range(values: list) -> float | None:
        kept = [v for v in values if v is not None]
        return max(kept) - min(kept) if len(kept) > 1 else None

    good_score = min(v for v in flat if v is not None) + config.good_margin
    row_means = [mean(row) for row in scores]
    good = [i for i, m in enumerate(row_means) if m is not None and m <= good_score]

    def crossing(outside: int, inside: int) -> float:
        """The learning rate between two probe rates where the mean score reaches good_score."""
        v_out, v_in = row_means[outside], row_means[inside]
        if v_out is None:
            return rates[inside]
        t = (v_out - good_score) / (v_out - v_in)
        return math.exp(math.log(rates[outside]) + t * (math.log(rates[inside]) - math.log(rates[outside])))

    low = crossing(good[0] - 1, good[0]) if good[0] > 0 else config.lr_low
    high = crossing(good[-1] + 1, good[-1]) if good[-1] < len(rates) - 1 else config.lr_high
    width_spread = [width_range(row) for row in scores]
    lr_spread = [width_range([row[j] for row in scores]) for j in range(len(widths))]
    return {"learning_rates": rates, "widths": widths, "seeds": config.probe_seeds, "scores": scores,
            "mean_over_widths": row_means, "good_score": good_score,
            "best_learning_rate": rates[min(good, key=row_means.__getitem__)],
            "good_learning_rates": [rates[i] for i in good], "good_band": [low, high],
            "width_spread": width_spread, "lr_spread": lr_spread,
            "max_width_spread_at_good": max(width_spread[i] for i in good),
            "max_width_spread": max(s for s in width_spread if s is not None),
            "max_width_spread_learning_rate": rates[max(
                (i for i, s in enumerate(width_spread) if s is not None), key=width_spread.__getitem__)],
            "min_lr_spread": min(s for s in lr_spread if s is not None)}


def _strategy(points: list[dict], trained: list, good_score: float, band: list[float]) -> dict:
    """One strategy's trials in one repeat: scores, best-so-far curve, whether its best is good,
    how many distinct learning rates it tried and how many of those lie in the good band."""
    scores = [_best_checkpoint(t.history) for t in trained]
    curve = best_so_far(scores)
    rates = {p["learning_rate"] for p in points}
    return {"points": points, "scores": scores, "best_so_far": curve, "best": curve[-1],
            "good": curve[-1] is not None and curve[-1] <= good_score,
            "distinct_learning_rates": len(rates),
            "in_band_learning_rates": sum(band[0] <= lr <= band[1] for lr in rates)}


def run_grid_vs_random(config: GridVsRandomConfig) -> dict:
    """Grid and random search with the same number of trials, over many repeats.

    The probe (see ``_probe``) trains first, with seeds 0..probe_seeds-1, and fixes ``good_score``
    and ``good_band``; repeat r then trains its grid (shifted by ``rng([r, 3])`` unless
    ``shift_grid`` is False) and its random draws (``rng([r, 1])``) with training seed r.

    Result: ``budget`` (trials per strategy); ``probe``; ``good_score``; ``good_band`` and
    ``good_band_decades`` (its width, log10); ``grid_step_decades``: the grid's spacing of
    learning rates (log10); ``band_hit_chance``: {"grid", "random"}, the chance that a strategy
    puts at least one learning rate in the band, from the geometry alone (a shifted grid: band
    width over grid step; random: 1 - (1 - band share of the range)^budget); ``repeats``: list of
    {"seed", "grid", "random"}, each strategy {"points", "scores", "best_so_far", "best", "good",
    "distinct_learning_rates", "in_band_learning_rates"}; ``grid_points`` (repeat 0's grid); the
    grid is trained in ``grid_points`` order, learning rate by learning rate from the smallest;
    ``shuffled_grid_best_so_far``: the mean best-so-far curve of the same grid runs taken in a
    random order (``rng([r, 4])``, no retraining); ``mean_best_so_far``, ``mean_best``,
    ``distinct_learning_rates``, ``mean_in_band_learning_rates``: {"grid", "random"} means over
    repeats; ``found_good``: {"grid", "random"} share of repeats whose best is good, and
    ``found_good_interval`` each share's 95 % Wilson interval (``lesson.stats.rate_interval``);
    ``found_good_paired``: {"random_only", "grid_only", "both", "neither", "sign_p"} (repeats in
    which only one strategy found a good configuration, and the exact sign test of those);
    ``lower_loss``: ``lesson.stats.paired`` of random's best against the grid's (``a_lower``:
    repeats random found the lower loss, ``b_lower``: the grid, ``sign_p``);
    ``lower_loss_both_good``: the same over only the repeats in which both strategies found a good
    configuration, and ``both_good_largest_gap`` the largest difference between their bests there
    (both None if there are no such repeats);
    ``random_win_fraction`` (a_lower / repeats); ``difference``: {"mean", "sd", "se"} of grid
    best minus random best (positive: random better).
    """
    data = dataset(config.n_train, 0)
    space = _search_space(config)
    grids, draws = [], []
    budget = config.grid_points_per_axis ** len(space)
    for seed in range(config.repeats):
        grid_rng = np.random.default_rng([seed, 3])
        grids.append(shifted_grid_points(space, config.grid_points_per_axis, grid_rng)
                     if config.shift_grid else grid_points(space, config.grid_points_per_axis))
        draws.append(random_points(space, budget, np.random.default_rng([seed, 1])))
    probe_points = _probe_points(config)[2]
    probe_runs = [_run(p, config.epochs, config.batch_size, seed)
                  for seed in range(config.probe_seeds) for p in probe_points]
    runs = probe_runs + [_run(p, config.epochs, config.batch_size, seed)
                         for seed in range(config.repeats) for p in grids[seed] + draws[seed]]
    trained_all = train(data, runs)  # the probe and every search in one batch
    probe = _probe(config, trained_all[:len(probe_runs)])
    trained = trained_all[len(probe_runs):]
    good_score, band = probe["good_score"], probe["good_band"]
    repeats = []
    for seed in range(config.repeats):
        chunk = trained[seed * 2 * budget:(seed + 1) * 2 * budget]
        repeats.append({"seed": seed,
                        "grid": _strategy(grids[seed], chunk[:budget], good_score, band),
                        "random": _strategy(draws[seed], chunk[budget:], good_score, band)})
    names = ("grid", "random")
    mean_curves = {name: [mean([r[name]["best_so_far"][i] for r in repeats])
                          for i in range(budget)] for name in names}
    shuffled = [best_so_far([r["grid"]["scores"][i]
                             for i in np.random.default_rng([r["seed"], 4]).permutation(budget)])
                for r in repeats]
    differences = [d for d in (_difference(r["grid"]["best"], r["random"]["best"]) for r in repeats)
                   if d is not None]
    band_decades = math.log10(band[1] / band[0])
    range_decades = math.log10(config.lr_high / config.lr_low)
    step_decades = range_decades / (config.grid_points_per_axis - (0 if config.shift_grid else 1))
    hits = {name: sum(r[name]["good"] for r in repeats) for name in names}
    random_only = sum(r["random"]["good"] and not r["grid"]["good"] for r in repeats)
    grid_only = sum(r["grid"]["good"] and not r["random"]["good"] for r in repeats)
    both = sum(r["grid"]["good"] and r["random"]["good"] for r in repeats)
    lower = paired([r["random"]["best"] for r in repeats], [r["grid"]["best"] for r in repeats])
    both_good = [r for r in repeats if r["grid"]["good"] and r["random"]["good"]]
    lower_both_good = (paired([r["random"]["best"] for r in both_good], [r["grid"]["best"] for r in both_good])
                       if both_good else None)
    return {"budget": budget, "probe": probe, "good_score": good_score, "good_band": band,
            "good_band_decades": band_decades,
            "grid_step_decades": step_decades,  # fixed grid: ends included
            "band_hit_chance": {"grid": min(1.0, band_decades / step_decades),
                                "random": 1 - (1 - band_decades / range_decades) ** budget},
            "grid_points": grids[0], "repeats": repeats,
            "mean_best_so_far": mean_curves,
            "shuffled_grid_best_so_far": [mean([c[i] for c in shuffled]) for i in range(budget)],
            "mean_best": {name: curve[-1] for name, curve in mean_curves.items()},
            "distinct_learning_rates": {
                name: mean([r[name]["distinct_learning_rates"] for r in repeats]) for name in names},
            "mean_in_band_learning_rates": {
                name: mean([r[name]["in_band_learning_rates"] for r in repeats]) for name in names},
            "found_good": {name: hits[name] / config.repeats for name in names},
            "found_good_interval": {name: rate_interval(hits[name], config.repeats) for name in names},
            "found_good_paired": {"random_only": random_only, "grid_only": grid_only, "both": both,
                                  "neither": config.repeats - random_only - grid_only - both,
                                  "sign_p": sign_test(random_only, grid_only)},
            "lower_loss": lower, "lower_loss_both_good": lower_both_good,
            "both_good_largest_gap": max((abs(r["grid"]["best"] - r["random"]["best"]) for r in both_good),
                                         default=None),
            "random_win_fraction": lower["a_lower"] / config.repeats,
            "difference": _difference_summary(differences)}


# ---------------------------------------------------------------- successive halving

@dataclass(frozen=True)
class SuccessiveHalvingConfig:
    """``n_configs`` random configurations; rounds of min_epochs * eta^k epochs.

    The baseline is random search with the same total epochs: the first
    (epochs successive halving spent) // max_epochs of the same configurations, each trained
    for max_epochs. Both pick their winner by the validation scores they report; afterwards each
    winner is trained again for max_epochs with ``rescore_seeds`` seeds no search used, to see
    how much of its score was the luck of its seed.
    """

    n_configs: int = 27
    eta: int = 3
    min_epochs: int = 1
    max_epochs: int = 27
    lr_low: float = 1e-4
    lr_high: float = 3.0
    width_low: int = 4
    width_high: int = 32
    batch_size: int = 16
    repeats: int = 120
    rescore_seeds: int = 3
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"n_configs": ("int", 2, 500), "eta": ("int", 2, 10),
                            "rescore_seeds": ("int", 1, 20),
                            "min_epochs": ("int", 1, 1000), "max_epochs": ("int", 1, 10_000),
                            "lr_low": ("float", 1e-8, 1e3), "lr_high": ("float", 1e-8, 1e4),
                            "width_low": ("int", 1, 256), "width_high": ("int", 1, 512),
                            "batch_size": ("int", 1, 10_000), "repeats": ("int", 1, 200),
                            "n_train": ("int", 20, 5000)})
        require(self, "max_epochs", self.max_epochs >= self.min_epochs,
                f"at least min_epochs={self.min_epochs}")
        _check_space(self)


def _median(values: list[float]) -> float:
    return float(np.median(values))


def _run_halving(config: SuccessiveHalvingConfig, data, pools: list[list[dict]],
                 baseline: list[Run]) -> tuple[list[dict], list]:
    """Successive halving on every pool at once, and the baseline's runs; (searches, baseline).

    Each round trains its survivors from scratch (repeat r with seed r), every repeat's round in
    one train_many call; the baseline's full-length runs join the round of max_epochs epochs.
    """
    trained_baseline = []

    def evaluate_many(alive: list[list[int]], epochs: int) -> list[list[float | None]]:
        runs = [_run(pools[r][i], epochs, config.batch_size, r) for r, ids in enumerate(alive) for i in ids]
        extra = baseline if epochs == config.max_epochs and not trained_baseline else []
        trained = train(data, runs + extra)
        trained_baseline.extend(trained[len(runs):])
        scores = iter([_best_checkpoint(t.history) for t in trained[:len(runs)]])
        return [[next(scores) for _ in ids] for ids in alive]

    searches = successive_halving_many(len(pools), config.n_configs, evaluate_many,
                                       config.min_epochs, config.eta, config.max_epochs)
    if not trained_baseline:  # no round reached max_epochs
        trained_baseline = train(data, baseline)
    return searches, trained_baseline


def _first_round_bias(pool: list[dict], first_rung: dict) -> float:
    """Share of the first round's survivors that are among as many largest learning rates."""
    kept = first_rung["kept"]
    by_rate = sorted(range(len(pool)), key=lambda i: pool[i]["learning_rate"], reverse=True)
    return len(set(kept) & set(by_rate[:len(kept)])) / len(kept)


def _top_decade_spread(config: SuccessiveHalvingConfig, repeats: list[dict]) -> dict:
    """Spread (max - min) of the scores of configurations in the range's top decade of learning
    rates (at least lr_high / 10), over all repeats: after the first round and at full length
    (the baseline's runs). A large spread after a short run and a small one at full length means
    the short run ranks by speed what full training ranks as a tie."""
    threshold = config.lr_high / 10

    def spread(pairs) -> float | None:
        kept = [s for lr, s in pairs if lr >= threshold and s is not None]
        return max(kept) - min(kept) if len(kept) > 1 else None

    first = [(r["points"][i]["learning_rate"], s) for r in repeats
             for i, s in zip(r["rungs"][0]["config_ids"], r["rungs"][0]["scores"])]
    full = [(r["points"][i]["learning_rate"], s) for r in repeats for i, s in enumerate(r["baseline_scores"])]
    return {"threshold": threshold, "first_round": spread(first), "full": spread(full)}


# Fresh seeds for rescoring the winners: above every search's training seed (repeat r uses r).
RESCORE_SEED_BASE = 10_000


def _rescore(config: SuccessiveHalvingConfig, data, repeats: list[dict]) -> dict:
    """Trains each repeat's two winners again with fresh seeds; adds ``winner_fresh`` and
    ``baseline_fresh`` to every repeat and returns the summary (see ``run_successive_halving``)."""
    k = config.rescore_seeds
    picks = [(r["points"][r["winner"]], r["points"][r["baseline_winner"]]
              if r["baseline_winner"] is not None else None) for r in repeats]
    runs = [_run(point, config.max_epochs, config.batch_size, RESCORE_SEED_BASE + r * k + s)
            for r, pair in enumerate(picks) for point in pair if point is not None for s in range(k)]
    scores = iter(_best_checkpoint(t.history) for t in train(data, runs))
    for repeat, pair in zip(repeats, picks):
        fresh = [mean([next(scores) for _ in range(k)]) if point is not None else None for point in pair]
        repeat["winner_fresh"], repeat["baseline_fresh"] = fresh

    def optimism(fresh_key: str, search_key: str) -> dict:
        return spread([r[fresh_key] - r[search_key] for r in repeats
                       if r[fresh_key] is not None and r[search_key] is not None])

    halving = [r["winner_fresh"] for r in repeats]
    baseline = [r["baseline_fresh"] for r in repeats]
    return {"seeds": k, "mean": {"halving": mean(halving), "baseline": mean(baseline)},
            "difference": paired(halving, baseline),
            "optimism": {"halving": optimism("winner_fresh", "winner_val_loss"),
                         "baseline": optimism("baseline_fresh", "baseline_best")}}


def run_successive_halving(config: SuccessiveHalvingConfig) -> dict:
    """Successive halving against random search with the same total epochs, over many repeats.

    Repeat r draws ``n_configs`` configurations (``rng([r, 2])``) and trains with seed r. Each
    round trains its survivors from scratch with the same seed (so their first epochs repeat
    exactly) and scores them by their best checkpoint. The
    baseline trains the first ``baseline_runs`` (= epochs halving spent // max_epochs) of the same
    configurations for max_epochs and keeps the best. Result: ``repeats``: list of {"seed",
    "points", "rungs": [{"epochs", "config_ids", "scores", "kept"}], "winner",
    "winner_val_loss", "winner_learning_rate", "epochs_spent", "baseline_scores",
    "baseline_best", "first_round_largest_rate_share" (share of first-round survivors among the
    same number of largest learning rates)}; ``full_search_epochs`` (every configuration for
    max_epochs); ``mean_epochs_spent``; ``baseline_runs``; ``mean_best``: {"halving",
    "baseline"}; ``difference``: {"mean", "sd", "se"} of halving's winner minus the baseline's
    best (negative: halving better); ``halving_win_fraction``; ``first_round_largest_rate_share``
    (mean over repeats); ``outcomes``: {"wins", "ties", "losses"} (counts of repeats whose winner
    scored strictly lower, exactly the same, higher than the baseline's best), "ties_in_baseline"
    (ties whose winner is one of the baseline's configurations, trained identically), "max_loss"
    (largest margin of a loss; 0 if none), "sign_p" (exact sign test of wins against losses);
    ``resume_epochs``: what the same schedule would cost if
    each round resumed its survivors instead of retraining them; ``top_decade_spread`` (see
    ``_top_decade_spread``); ``median_learning_rate``: {"all", "first_round_kept", "winner"}.

    Rescoring: each repeat's two winners (halving's, and the baseline's best configuration,
    ``baseline_winner``) are trained again for max_epochs with ``rescore_seeds`` fresh seeds
    (``RESCORE_SEED_BASE + r * rescore_seeds + k``, the same for both) and scored the same way;
    per repeat ``winner_fresh`` and ``baseline_fresh`` (means over those seeds). ``rescored``:
    {"seeds", "mean": {"halving", "baseline"}, "difference" (``lesson.stats.paired`` of halving's
    fresh scores against the baseline's: ``a_lower`` repeats halving lower, ``b_lower`` the
    baseline), "optimism": {"halving", "baseline"} (``lesson.stats.spread`` of fresh minus search
    score: how much the search score flattered its winner)}.
    """
    data = dataset(config.n_train, 0)
    space = _search_space(config)
    pools = [random_points(space, config.n_configs, np.random.default_rng([seed, 2]))
             for seed in range(config.repeats)]
    spent = sum(n * epochs for n, epochs in halving_schedule(
        config.n_configs, config.min_epochs, config.eta, config.max_epochs))
    baseline_runs = min(config.n_configs, max(1, spent // config.max_epochs))
    searches, baseline_trained = _run_halving(
        config, data, pools, [_run(pools[r][i], config.max_epochs, config.batch_size, r)
                              for r in range(config.repeats) for i in range(baseline_runs)])
    repeats = []
    for seed, (pool, search) in enumerate(zip(pools, searches)):
        last = search["rungs"][-1]
        baseline = [_best_checkpoint(t.history)
                    for t in baseline_trained[seed * baseline_runs:(seed + 1) * baseline_runs]]
        finite = [i for i, s in enumerate(baseline) if s is not None]
        repeats.append({"seed": seed, "points": pool, **search,
                        "winner_val_loss": last["scores"][last["config_ids"].index(search["winner"])],
                        "winner_learning_rate": pool[search["winner"]]["learning_rate"],
                        "baseline_scores": baseline,
                        "baseline_best": min((baseline[i] for i in finite), default=None),
                        "baseline_winner": min(finite, key=baseline.__getitem__) if finite else None,
                        "first_round_largest_rate_share": _first_round_bias(pool, search["rungs"][0])})
    rescored = _rescore(config, data, repeats)
    differences = [d for d in (_difference(r["winner_val_loss"], r["baseline_best"]) for r in repeats)
                   if d is not None]
    schedule = halving_schedule(config.n_configs, config.min_epochs, config.eta, config.max_epochs)
    resume_epochs = sum(n * (epochs - (schedule[k - 1][1] if k else 0))
                        for k, (n, epochs) in enumerate(schedule))
    ties = [r for r in repeats if r["winner_val_loss"] is not None
            and r["winner_val_loss"] == r["baseline_best"]]
    losses = [_beats(r["baseline_best"], r["winner_val_loss"]) for r in repeats]
    wins = sum(_beats(r["winner_val_loss"], r["baseline_best"]) for r in repeats)
    loss_margins = [d for r, lost in zip(repeats, losses) if lost
                    and (d := _difference(r["winner_val_loss"], r["baseline_best"])) is not None]
    return {"repeats": repeats, "full_search_epochs": config.n_configs * config.max_epochs,
            "resume_epochs": resume_epochs,
            "outcomes": {"wins": wins, "ties": len(ties),
                         "ties_in_baseline": sum(r["winner"] < baseline_runs for r in ties),
                         "losses": sum(losses), "max_loss": max(loss_margins, default=0.0),
                         "sign_p": sign_test(wins, sum(losses))},
            "mean_epochs_spent": mean([r["epochs_spent"] for r in repeats]),
            "baseline_runs": baseline_runs,
            "mean_best": {"halving": mean([r["winner_val_loss"] for r in repeats]),
                          "baseline": mean([r["baseline_best"] for r in repeats])},
            "difference": _difference_summary(differences),
            "halving_win_fraction": mean([float(_beats(r["winner_val_loss"], r["baseline_best"]))
                                          for r in repeats]),
            "first_round_largest_rate_share": mean([r["first_round_largest_rate_share"] for r in repeats]),
            "top_decade_spread": _top_decade_spread(config, repeats),
            "rescored": rescored,
            "median_learning_rate": {
                "all": _median([p["learning_rate"] for pool in pools for p in pool]),
                "first_round_kept": _median([pools[r["seed"]][i]["learning_rate"]
                                             for r in repeats for i in r["rungs"][0]["kept"]]),
                "winner": _median([r["winner_learning_rate"] for r in repeats])}}
