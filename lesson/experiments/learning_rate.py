"""Learning rate: training curves, the axis sweep, and the range test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (check_fields, dataset, final, mean, mean_curve, require,
                                        runs_for, train)
from lesson.nn import MLP, NetworkConfig
from lesson.train import lr_range_test


@dataclass(frozen=True)
class LrCurvesConfig:
    """Four learning rates (too low, about right, too high, diverging) on the same network."""

    learning_rates: tuple = (1e-4, 0.3, 8.0, 30.0)
    labels: tuple = ("too low", "about right", "too high", "diverging")
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 3
    n_train: int = 400
    divergence_loss: float = 50.0

    def __post_init__(self) -> None:
        check_fields(self, {"learning_rates": ("floats", 1e-7, 1e4), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 1, 1000),
                            "seeds": ("int", 1, 20), "n_train": ("int", 20, 5000),
                            "divergence_loss": ("float", 1.0, 1e6)})
        require(self, "labels", isinstance(self.labels, tuple)
                and len(self.labels) == len(self.learning_rates)
                and all(isinstance(x, str) for x in self.labels),
                "a tuple of strings, one per learning rate")


def run_lr_curves(config: LrCurvesConfig) -> dict:
    """Training and validation loss per epoch for each learning rate, per seed and averaged.

    ``divergence_loss`` is set high here so that a diverging run's rising loss stays visible.
    Result: ``epochs`` (0..E), ``runs``: list of {"label", "learning_rate", "train_loss" /
    "val_loss": mean curves (None after any seed diverged), "train_loss_per_seed",
    "val_loss_per_seed", "diverged": [per seed], "diverged_epoch": [per seed, None if not],
    "initial_train_loss", "final_train_loss", "final_val_loss" (means over seeds that finished),
    "peak_train_loss" (the highest training loss any seed reached at the end of an epoch),
    "peak_mean_train_loss" (the highest value of the mean curve ``train_loss``),
    "rising_epochs" (epochs in which the mean training loss went up)}.
    """
    data = dataset(config.n_train, 0)
    runs, out = [], []
    for lr in config.learning_rates:
        runs += runs_for(config.seeds, hidden=(config.hidden,), learning_rate=lr,
                         epochs=config.epochs, batch_size=config.batch_size,
                         divergence_loss=config.divergence_loss)
    trained = train(data, runs)
    for i, (label, lr) in enumerate(zip(config.labels, config.learning_rates)):
        hs = [t.history for t in trained[i * config.seeds:(i + 1) * config.seeds]]
        out.append({
            "label": label, "learning_rate": lr,
            "train_loss": mean_curve([h.train_loss for h in hs]),
            "val_loss": mean_curve([h.val_loss for h in hs]),
            "train_loss_per_seed": [h.train_loss for h in hs],
            "val_loss_per_seed": [h.val_loss for h in hs],
            "diverged": [h.diverged for h in hs],
            "diverged_epoch": [h.diverged_epoch for h in hs],
            "initial_train_loss": mean([h.train_loss[0] for h in hs]),
            "final_train_loss": mean([final(h, "train_loss") for h in hs if not h.diverged]),
            "final_val_loss": mean([final(h, "val_loss") for h in hs if not h.diverged]),
            "peak_train_loss": max(v for h in hs for v in h.train_loss if v is not None),
            "peak_mean_train_loss": max(v for v in mean_curve([h.train_loss for h in hs])
                                        if v is not None),
            "rising_epochs": rising_epochs(mean_curve([h.train_loss for h in hs])),
        })
    return {"epochs": list(range(config.epochs + 1)), "runs": out}


def rising_epochs(curve: list) -> int:
    """How many epochs ended with a higher loss than the one before (None values skipped)."""
    kept = [v for v in curve if v is not None]
    return sum(b > a for a, b in zip(kept, kept[1:]))


@dataclass(frozen=True)
class LrSweepConfig:
    """Log-spaced learning rates between ``low`` and ``high``; fixed budget of epochs."""

    low: float = 1e-4
    high: float = 100.0
    count: int = 30
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 3
    n_train: int = 400
    divergence_loss: float = 5.0  # a run is stopped as diverged once its training loss exceeds it

    def __post_init__(self) -> None:
        check_fields(self, {"low": ("float", 1e-8, 1e4), "high": ("float", 1e-8, 1e4),
                            "count": ("int", 2, 200), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 1, 1000),
                            "seeds": ("int", 1, 20), "n_train": ("int", 20, 5000),
                            "divergence_loss": ("float", 1.0, 1e6)})
        require(self, "high", self.high > self.low, f"a number above low={self.low}")


def run_lr_sweep(config: LrSweepConfig) -> dict:
    """Final validation loss against learning rate (a hyperparameter axis plot).

    Result: ``learning_rates``; ``final_val_loss``: mean over seeds (None if any seed diverged);
    ``final_val_loss_per_seed``: [lr][seed] (None = diverged); ``diverged``: per lr, True if any
    seed diverged; ``final_val_acc``: mean; ``best_learning_rate``, ``best_val_loss``,
    ``best_index``: the lowest mean final validation loss among runs that never diverged;
    ``smallest_diverging_learning_rate`` (None if none diverged);
    ``smallest_all_diverging_learning_rate``: the smallest swept rate from which on every seed of
    every rate diverged (None if the largest rate has a seed that did not); ``initial_train_loss``: mean
    training loss before the first update; seed noise at the best rate: ``best_val_loss_per_seed``,
    ``best_seed_spread`` (largest minus smallest) and ``best_learning_rate_per_seed`` (each seed's
    own best rate among those where no seed diverged); ``below_best`` and ``above_best``: the
    {"learning_rate", "val_loss"} two sweep points below and above the best (None at an edge).
    """
    data = dataset(config.n_train, 0)
    lrs = [float(v) for v in np.geomspace(config.low, config.high, config.count)]
    runs = [r for lr in lrs for r in runs_for(config.seeds, hidden=(config.hidden,),
                                               learning_rate=lr, epochs=config.epochs,
                                               batch_size=config.batch_size,
                                               divergence_loss=config.divergence_loss)]
    trained = train(data, runs)
    per_lr = [trained[i * config.seeds:(i + 1) * config.seeds] for i in range(len(lrs))]
    losses = [[None if t.history.diverged else final(t.history, "val_loss") for t in ts]
              for ts in per_lr]
    diverged = [any(t.history.diverged for t in ts) for ts in per_lr]
    mean_loss = [None if d else mean(v) for v, d in zip(losses, diverged)]
    finite = [i for i, v in enumerate(mean_loss) if v is not None]
    best = min(finite, key=lambda i: mean_loss[i])
    first_diverged = next((lr for lr, d in zip(lrs, diverged) if d), None)
    all_diverged_from = None
    for index in range(len(lrs) - 1, -1, -1):
        if any(v is not None for v in losses[index]):
            break
        all_diverged_from = lrs[index]
    per_seed_best = [lrs[min(finite, key=lambda i: losses[i][seed])]
                     for seed in range(config.seeds)]
    return {
        "learning_rates": lrs, "final_val_loss": mean_loss, "final_val_loss_per_seed": losses,
        "diverged": diverged,
        "final_val_acc": [None if d else mean([final(t.history, "val_acc") for t in ts])
                          for ts, d in zip(per_lr, diverged)],
        "best_index": best, "best_learning_rate": lrs[best], "best_val_loss": mean_loss[best],
        "smallest_diverging_learning_rate": first_diverged,
        "smallest_all_diverging_learning_rate": all_diverged_from,
        "initial_train_loss": mean([t.history.train_loss[0] for t in trained]),
        "best_val_loss_per_seed": losses[best],
        "best_seed_spread": max(losses[best]) - min(losses[best]),
        "best_learning_rate_per_seed": per_seed_best,
        "below_best": _sweep_point(lrs, mean_loss, best - 2),
        "above_best": _sweep_point(lrs, mean_loss, best + 2),
    }


def _sweep_point(lrs: list, losses: list, index: int) -> dict | None:
    """{"learning_rate", "val_loss"} of sweep point ``index`` (None outside the sweep)."""
    if not 0 <= index < len(lrs):
        return None
    return {"learning_rate": lrs[index], "val_loss": losses[index]}


@dataclass(frozen=True)
class LrRangeTestConfig:
    """Smith's range test: ``steps`` updates, learning rate growing from ``start`` to ``stop``.

    Repeated for ``seeds`` seeds (``seed``, ``seed`` + 1, ...) to show how much the minimum moves;
    the figure's main curve is the first seed's. ``divisor`` = 3 follows Smith (2017), who sets
    the lower bound of a cyclical schedule at 1/3 to 1/4 of the upper one; ``fastai_divisor`` = 10
    is the older ``lr_min`` suggestion of fastai's ``lr_find`` (the minimum divided by 10; current
    fastai suggests ``valley`` by default). Smith (2017) raised the rate linearly over a few
    epochs; the exponential, per-mini-batch version used here is fastai's.
    """

    start: float = 1e-4
    stop: float = 100.0
    steps: int = 300
    smoothing: float = 0.9
    divisor: float = 3.0
    fastai_divisor: float = 10.0
    hidden: int = 8
    batch_size: int = 16
    seed: int = 0
    seeds: int = 5
    n_train: int = 400
    near_min_tolerance: float = 0.05  # "near the minimum": smoothed loss within this of it
    raw_window: int = 5  # updates either side of the minimum whose raw losses are reported

    def __post_init__(self) -> None:
        check_fields(self, {"start": ("float", 1e-8, 1e3), "stop": ("float", 1e-6, 1e4),
                            "steps": ("int", 10, 10_000), "smoothing": ("float", 0.0, 0.999),
                            "divisor": ("float", 1.0, 100.0),
                            "fastai_divisor": ("float", 1.0, 100.0), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "seed": ("int", 0, 2**31 - 1),
                            "seeds": ("int", 1, 20), "n_train": ("int", 20, 5000),
                            "near_min_tolerance": ("float", 0.0, 10.0),
                            "raw_window": ("int", 0, 1000)})
        require(self, "stop", self.stop > self.start, f"a number above start={self.start}")


def smooth(values: list, factor: float) -> list:
    """Bias-corrected exponential moving average (as in fast.ai's lr finder); None stays None."""
    out, average, count = [], 0.0, 0
    for value in values:
        if value is None:
            out.append(None)
            continue
        count += 1
        average = factor * average + (1 - factor) * value
        out.append(average / (1 - factor ** count))
    return out


def _range_test_once(config: LrRangeTestConfig, data, lrs: np.ndarray, seed: int) -> dict:
    """One range test from ``seed``: raw and smoothed losses, the minimum and the blow-up."""
    rng = np.random.default_rng(seed)
    net = MLP.initialize(NetworkConfig(hidden=(config.hidden,)), rng)
    loss = lr_range_test(net, data, lrs, config.batch_size, rng)
    smoothed = smooth(loss, config.smoothing)
    valid = [i for i, v in enumerate(smoothed) if v is not None]
    low = min(valid, key=lambda i: smoothed[i])
    ceiling = 4 * max(smoothed[low], 0.0) if smoothed[0] is None else max(4 * smoothed[low],
                                                                            smoothed[0])
    blow_up = next((float(lrs[i]) for i in range(low, len(lrs))
                    if smoothed[i] is None or smoothed[i] > ceiling), None)
    near = [i for i in valid if smoothed[i] <= smoothed[low] + config.near_min_tolerance]
    window = [v for v in loss[max(0, low - config.raw_window):low + config.raw_window + 1]
              if v is not None]
    return {"seed": seed, "loss": loss, "smoothed_loss": smoothed, "min_index": low,
            "min_learning_rate": float(lrs[low]), "min_smoothed_loss": smoothed[low],
            "blow_up_learning_rate": blow_up,
            "near_min_learning_rates": [float(lrs[near[0]]), float(lrs[near[-1]])],
            "smoothed_loss_in_band": [min(smoothed[i] for i in valid if near[0] <= i <= near[-1]),
                                      max(smoothed[i] for i in valid if near[0] <= i <= near[-1])],
            "raw_loss_near_min": [min(window), max(window)]}


def run_lr_range_test(config: LrRangeTestConfig) -> dict:
    """Short runs with an exponentially growing learning rate, one per seed.

    Result (the first seed's test): ``learning_rates`` (one per update), ``loss`` (raw mini-batch
    loss, None after it overflowed), ``smoothed_loss``, ``min_index``/``min_learning_rate``
    (lowest smoothed loss), ``blow_up_learning_rate`` (first lr whose smoothed loss exceeds 4x
    the minimum and the starting loss, None if it never does), ``near_min_learning_rates``
    ([lowest, highest] lr whose smoothed loss is within ``near_min_tolerance`` of the minimum;
    in between it may leave that band), ``smoothed_loss_in_band`` ([lowest, highest] smoothed
    loss between those two rates),
    ``raw_loss_near_min`` ([lowest, highest] raw loss within ``raw_window`` updates of the
    minimum), ``suggested_learning_rate`` = min lr / divisor, ``fastai_suggested_learning_rate``
    = min lr / fastai_divisor. ``per_seed``: the same keys (except ``learning_rates`` and the
    suggestions) plus ``seed`` for every seed; ``min_learning_rate_range``: [lowest, highest]
    minimum over the seeds; ``suggested_learning_rate_range`` and
    ``fastai_suggested_learning_rate_range``: that range divided by each divisor.
    """
    data = dataset(config.n_train, 0)
    lrs = np.geomspace(config.start, config.stop, config.steps)
    tests = [_range_test_once(config, data, lrs, config.seed + k) for k in range(config.seeds)]
    first, minima = tests[0], [t["min_learning_rate"] for t in tests]
    return {
        "learning_rates": lrs, **{k: v for k, v in first.items() if k != "seed"},
        "suggested_learning_rate": first["min_learning_rate"] / config.divisor,
        "fastai_suggested_learning_rate": first["min_learning_rate"] / config.fastai_divisor,
        "per_seed": tests, "min_learning_rate_range": [min(minima), max(minima)],
        "suggested_learning_rate_range": [min(minima) / config.divisor,
                                          max(minima) / config.divisor],
        "fastai_suggested_learning_rate_range": [min(minima) / config.fastai_divisor,
                                                 max(minima) / config.fastai_divisor],
    }
