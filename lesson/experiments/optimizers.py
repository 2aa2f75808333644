"""Optimizers and regularisation: Adam against SGD with momentum over a learning-rate sweep, a
weight-decay sweep on the overfitting setup, and the best weight decay at several learning rates.

Every comparison is over several seeds (the figures' maps show the first); "good" is defined
before looking: a mean final validation loss at most ``good_factor`` times the optimizer's own
best, the same rule the learning-rate page uses for "near the best".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from lesson.data import grid_hours, hour_grid, pass_score
from lesson.checks import require_sequence
from lesson.experiments._common import (band_around, check_fields, dataset, final, final_unless_diverged,
                                        mean, require, train, updates_per_epoch)
from lesson.nn import MLP, NetworkConfig
from lesson.optimizers import OPTIMIZER_NAMES
from lesson.stats import paired, spread, spread_or_none
from lesson.train import Run, TrainConfig


def _optimizer_fields(optimizer: str, momentum: float) -> dict:
    """The TrainConfig fields that pick ``optimizer``: SGD's momentum, or Adam (whose momentum is
    beta1, left at its default 0.9)."""
    return {"momentum": momentum} if optimizer == "sgd" else {"optimizer": "adam"}


def _decades(low: float, high: float) -> float:
    return math.log10(high / low)


# --- Adam against SGD with momentum, over a learning-rate sweep ----------------------------------


@dataclass(frozen=True)
class OptimizerSweepConfig:
    """Log-spaced learning rates from ``low`` to ``high`` for SGD with ``momentum`` and for Adam
    (default betas), on the learning-rate sweep's network and data; plus Adam at
    ``safe_learning_rate`` (Karpathy's "3e-4 is safe") for ``epochs`` and ``long_epochs``."""

    low: float = 1e-5
    high: float = 10 ** 1.5
    count: int = 27  # four rates per decade
    momentum: float = 0.9
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 10
    n_train: int = 400
    divergence_loss: float = 5.0
    # "Good": a mean final validation loss at most this many times the optimizer's own best.
    good_factor: float = 1.25
    safe_learning_rate: float = 3e-4
    long_epochs: int = 300

    def __post_init__(self) -> None:
        check_fields(self, {"low": ("float", 1e-8, 1e4), "high": ("float", 1e-8, 1e4),
                            "count": ("int", 2, 200), "momentum": ("float", 0.0, 0.99),
                            "hidden": ("int", 1, 256), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 1, 1000), "seeds": ("int", 1, 20),
                            "n_train": ("int", 20, 5000), "divergence_loss": ("float", 1.0, 1e6),
                            "good_factor": ("float", 1.0, 100.0),
                            "safe_learning_rate": ("float", 1e-8, 1e4),
                            "long_epochs": ("int", 1, 10_000)})
        require(self, "high", self.high > self.low, f"a number above low={self.low}")
        require(self, "long_epochs", self.long_epochs >= self.epochs,
                f"at least epochs={self.epochs}")


def _sweep_summary(config: OptimizerSweepConfig, lrs: list, per_lr: list) -> dict:
    """One optimizer's sweep: means, the best rate, its good band, each seed's own band."""
    losses = [[final_unless_diverged(t.history, "val_loss") for t in ts]
              for ts in per_lr]
    diverged_seeds = [sum(t.history.diverged for t in ts) for ts in per_lr]
    means = [None if count else mean(v) for v, count in zip(losses, diverged_seeds)]
    finite = [i for i, v in enumerate(means) if v is not None]
    require(config, "high", bool(finite), "a range in which some rate does not diverge in any seed")
    best = min(finite, key=lambda i: means[i])
    low, high = band_around(means, best, config.good_factor)
    seed_bands = []
    for seed in range(config.seeds):
        own = [v[seed] for v in losses]
        kept = [i for i, v in enumerate(own) if v is not None]
        if not kept:  # this seed diverged at every rate
            seed_bands.append({"best_learning_rate": None, "learning_rates": None, "decades": None})
            continue
        seed_best = min(kept, key=lambda i: own[i])
        seed_low, seed_high = band_around(own, seed_best, config.good_factor)
        seed_bands.append({"best_learning_rate": lrs[seed_best],
                           "learning_rates": [lrs[seed_low], lrs[seed_high]],
                           "decades": _decades(lrs[seed_low], lrs[seed_high])})
    first = next((i for i, count in enumerate(diverged_seeds) if count), None)
    every = None
    for index in range(len(lrs) - 1, -1, -1):
        if diverged_seeds[index] < config.seeds:
            break
        every = lrs[index]
    return {
        "final_val_loss": means, "final_val_loss_per_seed": losses,
        "diverged_seeds": diverged_seeds,
        "best_index": best, "best_learning_rate": lrs[best], "best_val_loss": means[best],
        "best_spread": spread(losses[best]),
        "good": {"factor": config.good_factor, "threshold": config.good_factor * means[best],
                 "learning_rates": [lrs[low], lrs[high]], "indices": [low, high],
                 "count": high - low + 1, "decades": _decades(lrs[low], lrs[high])},
        "seed_bands": seed_bands,
        "seed_band_decades": spread_or_none([band["decades"] for band in seed_bands]),
        "smallest_diverging_learning_rate": None if first is None else lrs[first],
        "first_diverging_seeds": 0 if first is None else diverged_seeds[first],
        "smallest_all_diverging_learning_rate": every,
    }


def _largest_move(runs: list[Run], trained: list) -> float:
    """The largest change of any weight or bias from its initial value, over the runs."""
    largest = 0.0
    for run, t in zip(runs, trained):
        start = MLP.initialize(run.network, np.random.default_rng(run.seed))
        for before, after in zip(start.layers, t.network.layers):
            largest = max(largest, float(np.max(np.abs(after.weights - before.weights))),
                          float(np.max(np.abs(after.bias - before.bias))))
    return largest


def run_adam_vs_sgd(config: OptimizerSweepConfig) -> dict:
    """Final validation loss against learning rate for SGD with momentum and for Adam, and
    Adam at Karpathy's safe start for the chapter's epochs and for ``long_epochs``.

    Result: ``learning_rates``; ``optimizers``: {"sgd" | "adam": {"final_val_loss" (mean over
    seeds per rate, None if a seed diverged), "final_val_loss_per_seed" ([rate][seed], None =
    diverged), "diverged_seeds" (per rate), "best_index", "best_learning_rate", "best_val_loss",
    "best_spread" (``lesson.stats.spread`` at the best rate), "good": {"factor", "threshold"
    (factor x best_val_loss), "learning_rates" ([lowest, highest]: the unbroken run of swept
    rates around the best whose mean is at most the threshold), "indices", "count", "decades"
    (log10 of highest / lowest)}, "seed_bands": per seed {"best_learning_rate",
    "learning_rates", "decades"} (the same rule on that seed's own curve), "seed_band_decades"
    (``spread`` of those widths), "smallest_diverging_learning_rate" (None if none diverged),
    "first_diverging_seeds", "smallest_all_diverging_learning_rate" (from it on every seed
    diverged; None if the highest rate has a seed that did not)}}; ``band_width``: ``paired``
    (SGD's seed band widths, Adam's) in decades (``a_lower``: seeds whose SGD band is narrower,
    ``b_lower``: seeds whose Adam band is narrower); ``best_rate_ratio``: Adam's best rate /
    SGD's; ``safe``: Adam at ``safe_learning_rate`` (not on the grid), {"learning_rate",
    "epochs", "val_loss" (``spread`` of the final validation loss after ``epochs``),
    "long_epochs", "long_val_loss" (the same after ``long_epochs``), "diverged" (seeds, of both
    runs), "good_seeds" and "long_good_seeds" (seeds at or below Adam's good threshold),
    "below_best" (Adam's best rate / the safe rate), "updates" (mini-batch updates in
    ``epochs``), "step_budget" (learning_rate x updates: how far a weight moving by about the
    learning rate per update could travel), "largest_move" (the largest change of any weight or bias after ``epochs``,
    over the seeds), "val_loss_curve" (the mean validation loss per epoch of the long runs),
    "initial_val_loss" (its epoch-0 value)}.
    """
    data = dataset(config.n_train, 0)
    lrs = [float(v) for v in np.geomspace(config.low, config.high, config.count)]
    network = NetworkConfig(hidden=(config.hidden,))

    def runs(optimizer: str, learning_rate: float, epochs: int) -> list[Run]:
        training = TrainConfig(learning_rate=learning_rate, batch_size=config.batch_size,
                               epochs=epochs, divergence_loss=config.divergence_loss,
                               **_optimizer_fields(optimizer, config.momentum))
        return [Run(network, training, seed) for seed in range(config.seeds)]

    sweep = [r for optimizer in OPTIMIZER_NAMES for lr in lrs for r in runs(optimizer, lr, config.epochs)]
    short = runs("adam", config.safe_learning_rate, config.epochs)
    long = runs("adam", config.safe_learning_rate, config.long_epochs)
    trained = train(data, sweep + short + long)
    n = config.seeds
    summaries = {}
    for k, optimizer in enumerate(OPTIMIZER_NAMES):
        offset = k * len(lrs) * n
        per_lr = [trained[offset + i * n:offset + (i + 1) * n] for i in range(len(lrs))]
        summaries[optimizer] = _sweep_summary(config, lrs, per_lr)
    short_trained = trained[len(sweep):len(sweep) + n]
    long_trained = trained[len(sweep) + n:]
    threshold = summaries["adam"]["good"]["threshold"]
    short_loss = [final_unless_diverged(t.history, "val_loss") for t in short_trained]
    long_loss = [final_unless_diverged(t.history, "val_loss") for t in long_trained]
    curves = [t.history.val_loss for t in long_trained]
    mean_curve = [None if any(c[e] is None for c in curves) else mean([c[e] for c in curves])
                  for e in range(config.long_epochs + 1)]
    steps_per_epoch = updates_per_epoch(config.n_train, config.batch_size)
    return {
        "learning_rates": lrs, "optimizers": summaries,
        "band_width": paired([b["decades"] for b in summaries["sgd"]["seed_bands"]],
                             [b["decades"] for b in summaries["adam"]["seed_bands"]]),
        "best_rate_ratio": summaries["adam"]["best_learning_rate"] / summaries["sgd"]["best_learning_rate"],
        "safe": {
            "learning_rate": config.safe_learning_rate, "epochs": config.epochs,
            "val_loss": spread_or_none(short_loss), "long_epochs": config.long_epochs,
            "long_val_loss": spread_or_none(long_loss),
            "diverged": sum(t.history.diverged for t in short_trained + long_trained),
            "good_seeds": sum(v is not None and v <= threshold for v in short_loss),
            "long_good_seeds": sum(v is not None and v <= threshold for v in long_loss),
            "below_best": summaries["adam"]["best_learning_rate"] / config.safe_learning_rate,
            "updates": steps_per_epoch * config.epochs,
            "step_budget": config.safe_learning_rate * steps_per_epoch * config.epochs,
            "largest_move": _largest_move(short, short_trained),
            "val_loss_curve": mean_curve, "initial_val_loss": mean_curve[0],
        },
    }


# --- Weight decay on the overfitting setup ----------------------------------------------------


def _check_overfit_fields(config) -> None:
    """The fields the weight-decay experiments share."""
    check_fields(config, {"decays": ("floats", 0.0, 10.0), "n_train": ("int", 10, 5000),
                          "hidden": ("int", 1, 512), "momentum": ("float", 0.0, 0.99),
                          "batch_size": ("int", 1, 10_000), "epochs": ("int", 1, 20_000),
                          "seeds": ("int", 1, 20)})
    require(config, "decays", list(config.decays) == sorted(set(config.decays)),
            "strictly increasing weight decays")
    require(config, "optimizer", config.optimizer in OPTIMIZER_NAMES,
            f"one of {', '.join(repr(o) for o in OPTIMIZER_NAMES)}")


def _decay_runs(config, learning_rate: float) -> list[Run]:
    """One run per (decay, seed), decay-major, on the overfitting setup."""
    network = NetworkConfig(hidden=(config.hidden,))
    return [Run(network, TrainConfig(learning_rate=learning_rate, batch_size=config.batch_size,
                                     epochs=config.epochs, weight_decay=decay,
                                     **_optimizer_fields(config.optimizer, config.momentum)),
                seed)
            for decay in config.decays for seed in range(config.seeds)]


def _best_decay(decays: list, per_seed: list) -> dict:
    """The decay with the lowest mean of ``per_seed`` ([decay][seed]), each seed's own best,
    and the best against no decay (the first), seed by seed."""
    def lowest(values: list) -> int:  # None (a diverged run) counts as worst
        return min(range(len(values)), key=lambda i: math.inf if values[i] is None else values[i])

    best = lowest([mean(v) for v in per_seed])
    seeds = len(per_seed[0])
    own = [lowest([v[seed] for v in per_seed]) for seed in range(seeds)]
    return {"index": best, "decay": decays[best], "val_loss": spread_or_none(per_seed[best]),
            "per_seed_index": own, "per_seed_decay": [decays[i] for i in own],
            "per_seed_range": [decays[min(own)], decays[max(own)]],
            "seeds_at_best": sum(i == best for i in own),
            "versus_none": paired(per_seed[best], per_seed[0])}


def _decay_sweep(config, decays: list, trained: list) -> dict:
    """Final and best-epoch validation loss per decay, and the best decay with and without
    early stopping (see run_weight_decay)."""
    n = config.seeds
    per_decay = [trained[i * n:(i + 1) * n] for i in range(len(decays))]
    final_loss = [[final(t.history, "val_loss") for t in ts] for ts in per_decay]
    best_loss = [[t.history.best_val_loss for t in ts] for ts in per_decay]
    return {
        "final_val_loss": [mean(v) for v in final_loss], "final_val_loss_per_seed": final_loss,
        "final_val_loss_spread": [spread_or_none(v) for v in final_loss],
        "min_val_loss": [mean(v) for v in best_loss], "min_val_loss_per_seed": best_loss,
        "min_val_loss_spread": [spread(v) for v in best_loss],
        "final_train_loss": [mean([final(t.history, "train_loss") for t in ts]) for ts in per_decay],
        "best_epoch": [spread([t.history.best_epoch for t in ts]) for ts in per_decay],
        "diverged": [sum(t.history.diverged for t in ts) for ts in per_decay],
        "best_without_early_stopping": _best_decay(decays, final_loss),
        "best_with_early_stopping": _best_decay(decays, best_loss),
    }


@dataclass(frozen=True)
class WeightDecayConfig:
    """The overfitting setup of the network-size and early-stopping pages (``hidden`` neurons,
    ``n_train`` students, momentum, ``epochs``), trained with each weight decay in ``decays``
    (0 first: no decay); decision boundaries of the first seed for ``boundary_decays``.
    ``optimizer`` "sgd" decays as L2 in the gradient; "adam" (AdamW, ``momentum`` unused) decays
    decoupled; biases are not decayed."""

    decays: tuple = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
    boundary_decays: tuple = (0.0, 3e-3, 3e-2)
    optimizer: str = "sgd"
    learning_rate: float = 0.3
    momentum: float = 0.9
    n_train: int = 40
    hidden: int = 64
    batch_size: int = 10
    epochs: int = 300
    seeds: int = 8
    grid_size: int = 41
    # The same comparison on other draws of the students (DataConfig seeds; () for none): each
    # draw trained with ``other_decays`` (0 first) and ``other_seeds`` seeds.
    other_draws: tuple = (1, 2, 3)
    other_decays: tuple = (0.0, 3e-3, 1e-2)
    other_seeds: int = 6

    def __post_init__(self) -> None:
        _check_overfit_fields(self)
        check_fields(self, {"boundary_decays": ("floats", 0.0, 10.0),
                            "learning_rate": ("float", 1e-6, 100), "grid_size": ("int", 5, 201),
                            "other_decays": ("floats", 0.0, 10.0), "other_seeds": ("int", 1, 20)})
        require_sequence(self, "other_draws", 0, 10_000, integer=True, min_len=0)
        require(self, "decays", len(self.decays) >= 2 and self.decays[0] == 0.0,
                "at least two weight decays, the first 0.0 (no decay)")
        require(self, "boundary_decays", set(self.boundary_decays) <= set(self.decays),
                f"decays that are also in decays={self.decays}")
        require(self, "other_draws", len(set(self.other_draws)) == len(self.other_draws),
                "distinct data seeds")
        require(self, "other_decays", list(self.other_decays) == sorted(set(self.other_decays))
                and len(self.other_decays) >= 2 and self.other_decays[0] == 0.0,
                "at least two strictly increasing weight decays, the first 0.0 (no decay)")


def _weights(network: MLP) -> np.ndarray:
    """Every weight of the network (no biases: they are not decayed), flattened."""
    return np.concatenate([layer.weights.ravel() for layer in network.layers])


def _decay_boundaries(config: WeightDecayConfig, data, trained: list) -> dict:
    """Seed 0's pass-probability maps for the boundary decays, and every run's agreement with
    the true rule's border."""
    studied, slept = hour_grid(config.grid_size)
    hours = grid_hours(studied, slept)
    x = data.standardize(hours)
    rule = pass_score(hours) > 0
    n = config.seeds
    agreement, maps, errors = [], [], []
    for i, decay in enumerate(config.decays):
        networks = [t.network for t in trained[i * n:(i + 1) * n]]
        grids = [net.predict_proba(x) for net in networks]
        agreement.append([float(np.mean((g > 0.5) == rule)) for g in grids])
        if decay in config.boundary_decays:
            maps.append(grids[0].reshape(len(slept), len(studied)))
            wrong = (networks[0].predict_proba(data.x_train) > 0.5) != (data.y_train > 0.5)
            errors.append(int(wrong.sum()))
    return {"studied": studied, "slept": slept, "decays": list(config.boundary_decays),
            "probability": maps, "train_errors": errors,
            "rule_agreement": [agreement[config.decays.index(d)][0] for d in config.boundary_decays],
            "rule_agreement_per_seed": agreement,
            "rule_agreement_range": [[min(a), max(a)] for a in agreement],
            "rule_agreement_mean": [mean(a) for a in agreement]}


def _other_draw(config: WeightDecayConfig, draw: int) -> dict:
    """The weight-decay comparison on another draw of ``n_train`` students (data seed ``draw``):
    ``other_decays`` x ``other_seeds`` runs, the best decay with and without early stopping
    against no decay, and decay alone against early stopping alone."""
    decays = list(config.other_decays)
    sweep_config = replace(config, decays=config.other_decays, boundary_decays=(0.0,),
                           seeds=config.other_seeds)
    trained = train(dataset(config.n_train, draw), _decay_runs(sweep_config, config.learning_rate))
    sweep = _decay_sweep(sweep_config, decays, trained)
    without = sweep["best_without_early_stopping"]
    return {"draw": draw, "decays": decays,
            **{key: sweep[key] for key in ("final_val_loss", "min_val_loss", "final_val_loss_per_seed",
                                           "min_val_loss_per_seed", "best_without_early_stopping",
                                           "best_with_early_stopping")},
            "decay_versus_stopping": paired(sweep["final_val_loss_per_seed"][without["index"]],
                                            sweep["min_val_loss_per_seed"][0])}


def _other_draws_summary(draws: list) -> dict | None:
    """What the other draws say together (None without other draws): with early stopping, the
    smallest and largest gain of the best decay (no decay minus it, per draw), the seeds and
    draws in which it was lower; decay alone against early stopping alone, draws by draw."""
    if not draws:
        return None
    versus = [d["best_with_early_stopping"]["versus_none"] for d in draws]
    alone = [d["decay_versus_stopping"] for d in draws]
    gains = [-v["mean"] for v in versus]
    return {"with_early_stopping": {"gain_range": [min(gains), max(gains)],
                                    "seeds_lower": sum(v["a_lower"] for v in versus),
                                    "seeds": sum(v["n"] for v in versus),
                                    "draws_lower_every_seed": sum(v["a_lower"] == v["n"] for v in versus),
                                    "largest_sign_p": max(v["sign_p"] for v in versus)},
            "decay_versus_stopping": {
                "stopping_lower_draws": sum(a["mean"] > 0 for a in alone),
                "decay_lower_draws": sum(a["mean"] < 0 for a in alone),
                "stopping_lower_seeds": sum(a["b_lower"] for a in alone),
                "decay_lower_seeds": sum(a["a_lower"] for a in alone),
                "seeds": sum(a["n"] for a in alone)},
            "draws": len(draws)}


def run_weight_decay(config: WeightDecayConfig) -> dict:
    """Validation loss against weight decay on the overfitting setup, with and without early
    stopping, the weights' size and the decision boundaries.

    "Without early stopping" is the validation loss after all ``epochs``; "with" is each run's
    lowest validation loss (at its best epoch: what early stopping with restore-best and enough
    patience keeps).

    Result: ``decays``; ``final_val_loss`` and ``min_val_loss`` (means over seeds, one per
    decay), ``final_val_loss_per_seed`` and ``min_val_loss_per_seed`` ([decay][seed]),
    ``final_val_loss_spread`` and ``min_val_loss_spread`` (per decay, ``lesson.stats.spread``),
    ``final_train_loss`` (mean), ``best_epoch`` (per decay, ``spread``), ``diverged`` (seeds per
    decay); ``best_without_early_stopping`` and ``best_with_early_stopping``: {"index", "decay"
    (lowest mean), "val_loss" (``spread`` there), "per_seed_index" / "per_seed_decay" (each
    seed's own best), "per_seed_range" ([smallest, largest] of those), "seeds_at_best" (seeds
    whose own best is the same decay), "versus_none" (``paired``: the best decay minus no decay,
    seed by seed; ``a_lower``: seeds where the decay is lower)};
    ``decay_versus_stopping``: ``paired`` (final loss at the best decay without early stopping,
    best-epoch loss without decay): weight decay alone against early stopping alone
    (``b_lower``: seeds where early stopping is lower); ``both_versus_stopping``: ``paired``
    (best-epoch loss at the best decay with early stopping, best-epoch loss without decay);
    ``weight_rms``: per decay, the mean over seeds of the root mean square of the final weights
    (biases left out); ``boundaries``: {"studied", "slept", "decays" (the boundary decays),
    "probability" ([boundary decay][slept][studied], seed 0), "train_errors" (seed 0's
    misclassified training students), "rule_agreement" (seed 0: fraction of the map on the same
    side of its 50 % border as of the true rule's), "rule_agreement_per_seed" ([decay][seed],
    every decay), "rule_agreement_range" ([decay] -> [lowest, highest]), "rule_agreement_mean"};
    ``train_points``: {"hours_studied", "hours_slept", "passed"}; ``other_draws``: per data seed
    in ``other_draws`` (other draws of the ``n_train`` students, the same validation size), with
    ``other_decays`` and ``other_seeds``: {"draw", "decays", "final_val_loss", "min_val_loss",
    their ``_per_seed``, "best_without_early_stopping", "best_with_early_stopping" (as above: the
    best of that draw's grid, chosen on the same runs), "decay_versus_stopping" (as above)};
    ``other_draws_summary`` (None without other draws): {"draws", "with_early_stopping":
    {"gain_range" ([smallest, largest] over the draws of no decay's best-epoch loss minus the best
    decay's, seed-mean), "seeds_lower" / "seeds" (seeds, summed over the draws, where the best decay
    is lower), "draws_lower_every_seed", "largest_sign_p" (the least sure draw's sign test)},
    "decay_versus_stopping": {"stopping_lower_draws" / "decay_lower_draws" (draws whose seed-mean
    difference favours early stopping alone / decay alone), "stopping_lower_seeds",
    "decay_lower_seeds", "seeds"}}.
    """
    data = dataset(config.n_train, 0)
    trained = train(data, _decay_runs(config, config.learning_rate))
    decays = list(config.decays)
    result = {"decays": decays, **_decay_sweep(config, decays, trained)}
    without = result["best_without_early_stopping"]
    with_stopping = result["best_with_early_stopping"]
    result["decay_versus_stopping"] = paired(result["final_val_loss_per_seed"][without["index"]],
                                             result["min_val_loss_per_seed"][0])
    result["both_versus_stopping"] = paired(result["min_val_loss_per_seed"][with_stopping["index"]],
                                            result["min_val_loss_per_seed"][0])
    n = config.seeds
    result["weight_rms"] = [mean([float(np.sqrt(np.mean(_weights(t.network) ** 2)))
                                  for t in trained[i * n:(i + 1) * n]])
                            for i in range(len(decays))]
    result["boundaries"] = _decay_boundaries(config, data, trained)
    result["train_points"] = {"hours_studied": data.raw_train[:, 0],
                              "hours_slept": data.raw_train[:, 1], "passed": data.y_train}
    result["other_draws"] = [_other_draw(config, draw) for draw in config.other_draws]
    result["other_draws_summary"] = _other_draws_summary(result["other_draws"])
    return result


# --- The best weight decay at several learning rates -------------------------------------------


@dataclass(frozen=True)
class DecayRateConfig:
    """The weight-decay sweep of ``WeightDecayConfig`` (fewer decays and seeds) at each of
    ``learning_rates``."""

    learning_rates: tuple = (0.03, 0.1, 0.3)
    decays: tuple = (0.0, 3e-4, 1e-3, 3e-3, 1e-2)
    optimizer: str = "sgd"
    momentum: float = 0.9
    n_train: int = 40
    hidden: int = 64
    batch_size: int = 10
    epochs: int = 300
    seeds: int = 5

    def __post_init__(self) -> None:
        _check_overfit_fields(self)
        check_fields(self, {"learning_rates": ("floats", 1e-6, 100)})
        require(self, "learning_rates",
                list(self.learning_rates) == sorted(set(self.learning_rates))
                and len(self.learning_rates) >= 2, "at least two increasing learning rates")
        require(self, "decays", len(self.decays) >= 2 and self.decays[0] == 0.0,
                "at least two weight decays, the first 0.0 (no decay)")


def run_decay_and_rate(config: DecayRateConfig) -> dict:
    """The best weight decay at each learning rate, with and without early stopping.

    Result: ``learning_rates``; ``decays``; ``rates``: per learning rate the keys of
    ``run_weight_decay``'s sweep ({"final_val_loss", "min_val_loss", their ``_per_seed`` and
    ``_spread``, "final_train_loss", "best_epoch", "diverged", "best_without_early_stopping",
    "best_with_early_stopping"}) plus "learning_rate"; ``best_decays``: {"without_early_stopping"
    | "with_early_stopping": the best decay (lowest mean) per learning rate}; ``moves``:
    {"without_early_stopping" | "with_early_stopping": per pair of neighbouring learning rates
    (lower, higher), ``paired`` (the lower rate's per-seed best-decay index, the higher rate's):
    ``a_lower`` counts the seeds whose best decay is smaller at the lower rate, ``b_lower`` those
    whose best decay is smaller at the higher rate}; ``best_pair``: {"without_early_stopping" |
    "with_early_stopping": {"learning_rate", "decay", "val_loss"}: the lowest mean over every
    (learning rate, decay)}.
    """
    data = dataset(config.n_train, 0)
    runs = [r for lr in config.learning_rates for r in _decay_runs(config, lr)]
    trained = train(data, runs)
    decays = list(config.decays)
    size = len(decays) * config.seeds
    rates = [{"learning_rate": lr, **_decay_sweep(config, decays, trained[i * size:(i + 1) * size])}
             for i, lr in enumerate(config.learning_rates)]
    result = {"learning_rates": list(config.learning_rates), "decays": decays, "rates": rates,
              "best_decays": {}, "moves": {}, "best_pair": {}}
    for label, curve in (("without_early_stopping", "final_val_loss"),
                         ("with_early_stopping", "min_val_loss")):
        key = f"best_{label}"
        result["best_decays"][label] = [rate[key]["decay"] for rate in rates]
        result["moves"][label] = [paired(lower[key]["per_seed_index"], higher[key]["per_seed_index"])
                                  for lower, higher in zip(rates, rates[1:])]
        pairs = [(rate[curve][i], rate["learning_rate"], decays[i])
                 for rate in rates for i in range(len(decays)) if rate[curve][i] is not None]
        loss, lr, decay = min(pairs)
        result["best_pair"][label] = {"learning_rate": lr, "decay": decay, "val_loss": loss}
    return result
