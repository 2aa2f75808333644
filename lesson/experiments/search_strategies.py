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


def _sd(values: list[float]) -> float:
    """Sample standard deviation (0 for a single value)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def _fraction_summary(hits: list[bool]) -> dict:
    """{"fraction", "se"}: a share of repeats and its binomial standard error."""
    p = sum(hits) / len(hits)
    return {"fraction": p, "se": math.sqrt(p * (1 - p) / len(hits))}


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
    ``probe_learning_rates`` x ``probe_widths`` runs measures how much each hyperparameter matters.
    """

    grid_points_per_axis: int = 3
    lr_low: float = 1e-4
    lr_high: float = 3.0
    width_low: int = 4
    width_high: int = 32
    epochs: int = 20
    batch_size: int = 16
    repeats: int = 12
    shift_grid: bool = True
    probe_learning_rates: int = 9
    probe_widths: int = 3
    good_margin: float = 0.02
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"grid_points_per_axis": ("int", 2, 10),
                            "lr_low": ("float", 1e-8, 1e3), "lr_high": ("float", 1e-8, 1e4),
                            "width_low": ("int", 1, 256), "width_high": ("int", 1, 512),
                            "epochs": ("int", 1, 1000), "batch_size": ("int", 1, 10_000),
                            "repeats": ("int", 1, 200), "probe_learning_rates": ("int", 2, 30),
                            "probe_widths": ("int", 2, 10), "good_margin": ("float", 0.0, 1.0),
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
    """What matters? ``trained``: the runs of ``_probe_points`` (every probe learning rate with
    every probe width, training seed 0), in that order.

    ``scores[i][j]`` is learning rate i with width j. ``width_spread``: at each learning rate,
    the largest minus the smallest score over the widths; ``lr_spread``: at each width, over the
    learning rates. ``good_learning_rates``: probe rates whose mean score over the widths is
    within ``good_margin`` of the best probe rate's. ``max_width_spread_at_good``: the largest
    width spread at those rates; ``max_width_spread``: at any rate, and
    ``max_width_spread_learning_rate`` the rate where it occurs.
    """
    rates, widths, _ = _probe_points(config)
    flat = [_best_checkpoint(t.history) for t in trained]
    scores = [flat[i * len(widths):(i + 1) * len(widths)] for i in range(len(rates))]

    def spread(values: list) -> float | None:
        kept = [v for v in values if v is not None]
        return max(kept) - min(kept) if len(kept) > 1 else None

    row_means = [mean(row) for row in scores]
    best_index = min((i for i, m in enumerate(row_means) if m is not None), key=row_means.__getitem__)
    good = [i for i, m in enumerate(row_means)
            if m is not None and m <= row_means[best_index] + config.good_margin]
    width_spread = [spread(row) for row in scores]
    lr_spread = [spread([row[j] for row in scores]) for j in range(len(widths))]
    return {"learning_rates": rates, "widths": widths, "scores": scores,
            "best_learning_rate": rates[best_index],
            "good_learning_rates": [rates[i] for i in good],
            "width_spread": width_spread, "lr_spread": lr_spread,
            "max_width_spread_at_good": max(width_spread[i] for i in good),
            "max_width_spread": max(s for s in width_spread if s is not None),
            "max_width_spread_learning_rate": rates[max(
                (i for i, s in enumerate(width_spread) if s is not None), key=width_spread.__getitem__)],
            "min_lr_spread": min(s for s in lr_spread if s is not None)}


def _strategy(points: list[dict], trained: list, good_score: float) -> dict:
    """One strategy's trials in one repeat: scores, best-so-far curve, good learning rates."""
    scores = [_best_checkpoint(t.history) for t in trained]
    curve = best_so_far(scores)
    good_rates = {p["learning_rate"] for p, s in zip(points, scores)
                  if s is not None and s <= good_score}
    return {"points": points, "scores": scores, "best_so_far": curve, "best": curve[-1],
            "distinct_learning_rates": len({p["learning_rate"] for p in points}),
            "good_learning_rates": len(good_rates)}


def run_grid_vs_random(config: GridVsRandomConfig) -> dict:
    """Grid and random search with the same number of trials, over many repeats.

    Repeat r trains its grid (shifted by ``rng([r, 3])`` unless ``shift_grid`` is False) and its
    random draws (``rng([r, 1])``) with training seed r. Result: ``budget`` (trials per
    strategy); ``probe`` (see ``_probe``); ``good_score`` (the probe's best score plus
    ``good_margin``: a trial at or below it found a good configuration); ``good_band``: [lowest,
    highest] learning rate of any good trial (None if none) and ``good_band_decades`` its width
    (log10); ``grid_step_decades``: the shifted grid's spacing of learning rates (log10); ``repeats``: list of
    {"seed", "grid", "random"}, each strategy {"points", "scores", "best_so_far", "best",
    "distinct_learning_rates", "good_learning_rates" (distinct rates that scored good)};
    ``grid_points`` (repeat 0's grid); the grid is trained in ``grid_points`` order, learning
    rate by learning rate from the smallest; ``shuffled_grid_best_so_far``: the mean best-so-far
    curve of the same grid runs taken in a random order (``rng([r, 4])``, no retraining);
    ``mean_best_so_far``, ``mean_best``,
    ``distinct_learning_rates``, ``mean_good_learning_rates``: {"grid", "random"} means over
    repeats; ``found_good``: {"grid", "random"} share of repeats whose best is good;
    ``random_win_fraction`` (random's best strictly lower) and ``random_win_se`` (its binomial
    standard error); ``difference``: {"mean", "sd", "se"} of grid best minus random best
    (positive: random better).
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
    runs = ([_run(p, config.epochs, config.batch_size, 0) for p in probe_points]
            + [_run(p, config.epochs, config.batch_size, seed)
               for seed in range(config.repeats) for p in grids[seed] + draws[seed]])
    trained_all = train(data, runs)  # the probe and every search in one batch
    probe = _probe(config, trained_all[:len(probe_points)])
    trained = trained_all[len(probe_points):]
    good_score = min(min(v for v in row if v is not None) for row in probe["scores"]
                     if any(v is not None for v in row)) + config.good_margin
    repeats = []
    for seed in range(config.repeats):
        chunk = trained[seed * 2 * budget:(seed + 1) * 2 * budget]
        repeats.append({"seed": seed,
                        "grid": _strategy(grids[seed], chunk[:budget], good_score),
                        "random": _strategy(draws[seed], chunk[budget:], good_score)})
    names = ("grid", "random")
    good_rates = [p["learning_rate"] for r in repeats for name in names
                  for p, score in zip(r[name]["points"], r[name]["scores"])
                  if score is not None and score <= good_score]
    mean_curves = {name: [mean([r[name]["best_so_far"][i] for r in repeats])
                          for i in range(budget)] for name in names}
    shuffled = [best_so_far([r["grid"]["scores"][i]
                             for i in np.random.default_rng([r["seed"], 4]).permutation(budget)])
                for r in repeats]
    wins = _fraction_summary([_beats(r["random"]["best"], r["grid"]["best"]) for r in repeats])
    differences = [d for d in (_difference(r["grid"]["best"], r["random"]["best"]) for r in repeats)
                   if d is not None]
    return {"budget": budget, "probe": probe, "good_score": good_score,
            "good_band": [min(good_rates), max(good_rates)] if good_rates else None,
            "good_band_decades": math.log10(max(good_rates) / min(good_rates)) if good_rates else None,
            "grid_step_decades": math.log10(config.lr_high / config.lr_low)
            / (config.grid_points_per_axis - (0 if config.shift_grid else 1)),  # fixed grid: ends included
            "grid_points": grids[0], "repeats": repeats,
            "mean_best_so_far": mean_curves,
            "shuffled_grid_best_so_far": [mean([c[i] for c in shuffled]) for i in range(budget)],
            "mean_best": {name: curve[-1] for name, curve in mean_curves.items()},
            "distinct_learning_rates": {
                name: mean([r[name]["distinct_learning_rates"] for r in repeats]) for name in names},
            "mean_good_learning_rates": {
                name: mean([r[name]["good_learning_rates"] for r in repeats]) for name in names},
            "found_good": {name: mean([float(r[name]["best"] is not None
                                             and r[name]["best"] <= good_score) for r in repeats])
                           for name in names},
            "random_win_fraction": wins["fraction"], "random_win_se": wins["se"],
            "difference": {"mean": mean(differences), "sd": _sd(differences),
                           "se": _sd(differences) / math.sqrt(len(differences))}}


# ---------------------------------------------------------------- successive halving

@dataclass(frozen=True)
class SuccessiveHalvingConfig:
    """``n_configs`` random configurations; rounds of min_epochs * eta^k epochs.

    The baseline is random search with the same total epochs: the first
    (epochs successive halving spent) // max_epochs of the same configurations, each trained
    for max_epochs.
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
    repeats: int = 20
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"n_configs": ("int", 2, 500), "eta": ("int", 2, 10),
                            "min_epochs": ("int", 1, 1000), "max_epochs": ("int", 1, 10_000),
                            "lr_low": ("float", 1e-8, 1e3), "lr_high": ("float", 1e-8, 1e4),
                            "width_low": ("int", 1, 256), "width_high": ("int", 1, 512),
                            "batch_size": ("int", 1, 10_000), "repeats": ("int", 1, 100),
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
    (largest margin of a loss; 0 if none); ``resume_epochs``: what the same schedule would cost if
    each round resumed its survivors instead of retraining them; ``top_decade_spread`` (see
    ``_top_decade_spread``); ``median_learning_rate``: {"all", "first_round_kept", "winner"}.
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
        repeats.append({"seed": seed, "points": pool, **search,
                        "winner_val_loss": last["scores"][last["config_ids"].index(search["winner"])],
                        "winner_learning_rate": pool[search["winner"]]["learning_rate"],
                        "baseline_scores": baseline,
                        "baseline_best": min((s for s in baseline if s is not None), default=None),
                        "first_round_largest_rate_share": _first_round_bias(pool, search["rungs"][0])})
    differences = [d for d in (_difference(r["winner_val_loss"], r["baseline_best"]) for r in repeats)
                   if d is not None]
    schedule = halving_schedule(config.n_configs, config.min_epochs, config.eta, config.max_epochs)
    resume_epochs = sum(n * (epochs - (schedule[k - 1][1] if k else 0))
                        for k, (n, epochs) in enumerate(schedule))
    ties = [r for r in repeats if r["winner_val_loss"] is not None
            and r["winner_val_loss"] == r["baseline_best"]]
    losses = [_beats(r["baseline_best"], r["winner_val_loss"]) for r in repeats]
    loss_margins = [d for r, lost in zip(repeats, losses) if lost
                    and (d := _difference(r["winner_val_loss"], r["baseline_best"])) is not None]
    return {"repeats": repeats, "full_search_epochs": config.n_configs * config.max_epochs,
            "resume_epochs": resume_epochs,
            "outcomes": {"wins": sum(_beats(r["winner_val_loss"], r["baseline_best"]) for r in repeats),
                         "ties": len(ties),
                         "ties_in_baseline": sum(r["winner"] < baseline_runs for r in ties),
                         "losses": sum(losses), "max_loss": max(loss_margins, default=0.0)},
            "mean_epochs_spent": mean([r["epochs_spent"] for r in repeats]),
            "baseline_runs": baseline_runs,
            "mean_best": {"halving": mean([r["winner_val_loss"] for r in repeats]),
                          "baseline": mean([r["baseline_best"] for r in repeats])},
            "difference": {"mean": mean(differences), "sd": _sd(differences),
                           "se": _sd(differences) / math.sqrt(len(differences))},
            "halving_win_fraction": mean([float(_beats(r["winner_val_loss"], r["baseline_best"]))
                                          for r in repeats]),
            "first_round_largest_rate_share": mean([r["first_round_largest_rate_share"] for r in repeats]),
            "top_decade_spread": _top_decade_spread(config, repeats),
            "median_learning_rate": {
                "all": _median([p["learning_rate"] for pool in pools for p in pool]),
                "first_round_kept": _median([pools[r["seed"]][i]["learning_rate"]
                                             for r in repeats for i in r["rungs"][0]["kept"]]),
                "winner": _median([r["winner_learning_rate"] for r in repeats])}}
