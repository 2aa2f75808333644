"""Figures of docs/learning-rate.md: curves per learning rate, the sweep, the range test."""

from __future__ import annotations

import statistics

from matplotlib.axes import Axes

from lesson_figures.common import (
    MARK_COLOUR, LOSS_LABEL, VAL_LOSS_LABEL, lr_text, finite_points,
    mark_diverged,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, PALETTE


def draw_lr_curves(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    artists = []
    for colour, run in zip(PALETTE, result["runs"]):
        epochs, loss = finite_points(result["epochs"], run["train_loss"])
        artists += ax.plot(epochs, loss, color=colour, label=f"η = {lr_text(run['learning_rate'])} ({run['label']})")
        stops = [e for e in run["diverged_epoch"] if e is not None]
        artists += mark_diverged(ax, stops, loss[-1] if loss else 1.0, label="_diverged")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training " + LOSS_LABEL + "\n(log scale)")
    ax.legend(loc="center right", fontsize=8.5)
    ax.set_title("Training loss for four learning rates")
    return artists


def caption_lr_curves(result: dict) -> str:
    runs = result["runs"]
    parts = [f"η = {lr_text(r['learning_rate'])} ends at {r['final_train_loss']:.3g}" for r in runs if r["final_train_loss"] is not None]
    seeds = len(runs[0]["diverged"])
    return (
        f"Training loss per epoch (mean of {seeds} seeds; log scale) for the same network with four learning rates. "
        f"All start at {runs[0]['initial_train_loss']:.3g}; " + "; ".join(parts) + "."
    )


def alt_lr_curves(result: dict) -> str:
    runs = result["runs"]
    described = [
        f"learning rate {lr_text(r['learning_rate'])} ({r['label']}) goes from {r['initial_train_loss']:.2f} to "
        + ("diverged" if r["final_train_loss"] is None else f"{r['final_train_loss']:.2f}")
        for r in runs
    ]
    return f"Line chart of training loss over {len(result['epochs']) - 1} epochs. " + "; ".join(described) + "."


def draw_lr_sweep(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    lrs = result["learning_rates"]
    artists = []
    for lr, per_seed in zip(lrs, result["final_val_loss_per_seed"]):
        kept = [v for v in per_seed if v is not None]
        artists.append(ax.scatter([lr] * len(kept), kept, s=10, color=PALETTE[5], alpha=0.7, zorder=2))
    xs, ys = finite_points(lrs, result["final_val_loss"])
    artists += ax.plot(xs, ys, marker="o", markersize=4, color=PALETTE[0], label="mean over seeds")
    top = max(ys) * 1.12
    rule = f"diverged (training loss > {result['config']['divergence_loss']:g}: stopped)"
    artists += mark_diverged(ax, [lr for lr, d in zip(lrs, result["diverged"]) if d], top, label=rule)
    artists.append(ax.scatter([result["best_learning_rate"]], [result["best_val_loss"]], marker="*", s=180,
                              color=MARK_COLOUR, edgecolors=INK, linewidths=0.6, zorder=5,
                              label=f"best: η ≈ {result['best_learning_rate']:.2g}"))
    ax.set_xscale("log")
    ax.set_ylim(0, top * 1.05)
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("final " + VAL_LOSS_LABEL)
    ax.legend(loc="lower left", fontsize=8.5)
    ax.set_title("Learning-rate axis plot")
    return artists


def _divergence_text(result: dict) -> str:
    """'From η ≈ a up at least one seed diverged; from η ≈ b up every seed did' (from the result)."""
    some, every = result["smallest_diverging_learning_rate"], result["smallest_all_diverging_learning_rate"]
    if some is None:
        return ""
    text = f"from η ≈ {some:.2g} up at least one seed diverged"
    if every is not None and every != some:
        text += f"; from η ≈ {every:.2g} up every seed did"
    elif every is not None:
        text += " and every seed did"
    return text


def caption_lr_sweep(result: dict) -> str:
    seeds = len(result["final_val_loss_per_seed"][0])
    cfg = result["config"]
    diverging = result["smallest_diverging_learning_rate"]
    text = _divergence_text(result)
    tail = (f" {text[0].upper()}{text[1:]} (crosses: a seed's training loss passed "
            f"{cfg['divergence_loss']:g} and the run was stopped)." if diverging is not None else "")
    return (
        f"Validation loss after {cfg['epochs']} epochs for {len(result['learning_rates'])} learning rates from "
        f"{lr_text(cfg['low'])} to {lr_text(cfg['high'])} (log-spaced; small dots: {seeds} seeds, line: their mean). "
        f"The best, η ≈ {result['best_learning_rate']:.2g}, reached {result['best_val_loss']:.3f}.{tail}"
    )


def alt_lr_sweep(result: dict) -> str:
    xs, ys = finite_points(result["learning_rates"], result["final_val_loss"])
    diverging = result["smallest_diverging_learning_rate"]
    return (
        f"U-shaped plot of final validation loss against learning rate on a log axis. At η = {xs[0]:.2g} the loss is "
        f"{ys[0]:.2f}; it falls to a minimum of {result['best_val_loss']:.2f} at η ≈ {result['best_learning_rate']:.2g}, "
        f"rises to {ys[-1]:.2f} at η = {xs[-1]:.2g}"
        + (f"; {_divergence_text(result)}." if diverging is not None else ".")
    )


def draw_lr_range_test(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    lrs = result["learning_rates"]
    artists = []
    for other in result["per_seed"][1:]:
        xs, smoothed = finite_points(lrs, other["smoothed_loss"])
        artists += ax.plot(xs, smoothed, color=PALETTE[1], linewidth=0.9, alpha=0.8,
                           label="smoothed, other seeds" if other is result["per_seed"][1] else "_other")
    xs, raw = finite_points(lrs, result["loss"])
    artists += ax.plot(xs, raw, color=PALETTE[5], linewidth=0.8, alpha=0.6, label="mini-batch loss (seed 0)")
    xs, smoothed = finite_points(lrs, result["smoothed_loss"])
    artists += ax.plot(xs, smoothed, color=PALETTE[0], linewidth=2.0, label="smoothed (seed 0)")
    low, high = result["near_min_learning_rates"]
    tolerance = result["config"]["near_min_tolerance"]
    artists.append(ax.axvspan(low, high, color=PALETTE[0], alpha=0.12,
                              label=f"seed 0 comes within {tolerance:g} of its minimum"))
    first, last = result["min_learning_rate_range"]
    artists.append(ax.axvspan(first, last, ymin=0, ymax=0.06, color=INK, alpha=0.6,
                              label=f"minima of {len(result['per_seed'])} seeds: η ≈ {first:.2g}–{last:.2g}"))
    artists.append(ax.axvline(result["suggested_learning_rate"], color=MARK_COLOUR, linewidth=2.0,
                              label=f"minimum / {result['config']['divisor']:g}: η ≈ {result['suggested_learning_rate']:.2g}"))
    artists.append(ax.axvline(result["fastai_suggested_learning_rate"], color=MARK_COLOUR, linewidth=2.0, linestyle="--",
                              label=f"minimum / {result['config']['fastai_divisor']:g}: "
                                    f"η ≈ {result['fastai_suggested_learning_rate']:.2g}"))
    ax.set_xscale("log")
    # Zoom on the useful part: the blow-up at the end would otherwise flatten the dip into a line.
    ax.set_ylim(0, 3.2 * smoothed[0])
    ax.set_xlabel("learning rate η at that update (log scale)")
    ax.set_ylabel("training " + LOSS_LABEL)
    ax.legend(loc="upper left", fontsize=7.5)
    ax.set_title(f"Learning-rate range test: {len(result['per_seed'])} seeds")
    return artists


def spread_text(result: dict) -> str:
    """'over 40 seeds, from η ≈ 1.4 to 9.5': the minima of the larger set of seeds."""
    spread = result["spread"]
    low, high = spread["min_learning_rate_range"]
    return f"over {spread['seeds']} seeds, from η ≈ {low:.2g} to {high:.2g}"


def caption_lr_range_test(result: dict) -> str:
    cfg = result["config"]
    first, last = result["min_learning_rate_range"]
    low, high = result["near_min_learning_rates"]
    return (
        f"Runs of {cfg['steps']} updates whose learning rate grows exponentially from {lr_text(cfg['start'])} to "
        f"{lr_text(cfg['stop'])}, one per seed (no momentum). Seed 0's smoothed loss (a running average of the "
        f"mini-batch losses) is lowest at η ≈ {result['min_learning_rate']:.2g}, but points within "
        f"{cfg['near_min_tolerance']:g} of that minimum lie as far apart as η ≈ {low:.2g} and {high:.2g} (shaded; in between "
        f"the curve wanders from {result['smoothed_loss_in_band'][0]:.2f} to {result['smoothed_loss_in_band'][1]:.2f}); the {cfg['seeds']} seeds' "
        f"minima range from η ≈ {first:.2g} to {last:.2g} ({spread_text(result)}). The two rules of thumb of the text: "
        f"seed 0's minimum divided by {cfg['divisor']:g} suggests η ≈ {result['suggested_learning_rate']:.2g}; "
        f"divided by {cfg['fastai_divisor']:g}, η ≈ {result['fastai_suggested_learning_rate']:.2g}."
    )


def alt_lr_range_test(result: dict) -> str:
    xs, smoothed = finite_points(result["learning_rates"], result["smoothed_loss"])
    low = result["min_index"]
    first, last = result["min_learning_rate_range"]
    raw_low, raw_high = result["raw_loss_near_min"]
    return (
        f"Line chart of training loss against a learning rate rising on a log axis from {xs[0]:.2g} to {xs[-1]:.2g}. "
        f"Seed 0's smoothed loss stays near {statistics.median(smoothed[:max(1, low // 3)]):.2f} for small rates, "
        f"falls to {smoothed[low]:.2f} at "
        f"η ≈ {result['min_learning_rate']:.2g}, then climbs to {smoothed[-1]:.2f}; its raw mini-batch losses near the "
        f"minimum jump between {raw_low:.2f} and {raw_high:.2f}. The other seeds' smoothed curves have their minima "
        f"between η ≈ {first:.2g} and {last:.2g}. Vertical lines mark the two suggestions, "
        f"η ≈ {result['suggested_learning_rate']:.2g} and η ≈ {result['fastai_suggested_learning_rate']:.2g}."
    )


FIGURES: list[FigureSpec] = [
    FigureSpec("lr_curves", "lr_curves", draw_lr_curves, caption_lr_curves, alt_lr_curves),
    FigureSpec("lr_sweep", "lr_sweep", draw_lr_sweep, caption_lr_sweep, alt_lr_sweep),
    FigureSpec("lr_range_test", "lr_range_test", draw_lr_range_test, caption_lr_range_test, alt_lr_range_test),
]
