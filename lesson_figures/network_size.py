"""Figures of docs/network-size.md: capacity and decision boundaries."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from lesson_figures.common import (
    TRAIN_COLOUR, VAL_COLOUR, MARK_COLOUR, LOSS_LABEL, training_setup, neurons,
    finite_points, draw_boundary_map,
)
from site_src.figures.registry import FigureSpec


def draw_capacity(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    widths = result["widths"]
    artists = []
    for name, colour, marker, label in (("train_loss", TRAIN_COLOUR, "o", "training loss"),
                                        ("val_loss", VAL_COLOUR, "s", "validation loss")):
        for width, per_seed in zip(widths, result[f"{name}_per_seed"]):
            kept = [v for v in per_seed if v is not None]
            artists.append(ax.scatter([width] * len(kept), kept, s=9, color=colour, alpha=0.35, zorder=2))
        xs, ys = finite_points(widths, result[name])
        artists += ax.plot(xs, ys, marker=marker, markersize=4.5, color=colour, label=label + " (mean)")
    # what early stopping keeps: each run's lowest validation loss, whatever the width
    xs, ys = finite_points(widths, result["min_val_loss"])
    artists += ax.plot(xs, ys, marker="^", markersize=5, color=MARK_COLOUR, linestyle="--",
                       label="validation loss at the best epoch (mean)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.minorticks_off()
    highest = max(v for name in ("train_loss", "val_loss") for seeds in result[f"{name}_per_seed"]
                  for v in seeds if v is not None)
    ax.set_ylim(0, highest * 1.3)  # headroom: the legend sits above the data
    ax.set_xlabel("hidden neurons (log scale)")
    ax.set_ylabel("final " + LOSS_LABEL)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"After {result['config']['epochs']} epochs on {result['config']['n_train']} students")
    return artists


def caption_capacity(result: dict) -> str:
    cfg = result["config"]
    widths, train, val, best = result["widths"], result["train_loss"], result["val_loss"], result["min_val_loss"]
    seeds = len(result["train_loss_per_seed"][0])
    lowest_train = min(range(len(widths)), key=train.__getitem__)
    widest_gap = max(range(len(widths)), key=result["gap"].__getitem__)
    return (
        f"Final training and validation loss for networks with {widths[0]} to {widths[-1]} hidden neurons, each trained "
        f"for {cfg['epochs']} epochs on only {cfg['n_train']} students ({training_setup(cfg)}; small dots: {seeds} seeds, "
        f"lines: their mean). "
        f"With {neurons(widths[0])} both losses are high ({train[0]:.2f} and {val[0]:.2f}); the wider networks fit the "
        f"training set almost perfectly (lowest: {train[lowest_train]:.4f} at width {widths[lowest_train]}). Validation "
        f"loss minus training loss is {result['gap'][0]:.2f} at width {widths[0]} and largest at width "
        f"{widths[widest_gap]}, where it is {result['gap'][widest_gap]:.2f} ({result['gap'][-1]:.2f} at width "
        f"{widths[-1]}). Dashed: the mean over seeds of each run's lowest validation "
        f"loss during training, the network early stopping would keep: between {min(best[1:]):.3f} and {max(best[1:]):.3f} for every width "
        f"from {widths[1]} to {widths[-1]}."
    )


def alt_capacity(result: dict) -> str:
    widths, train, val, best_loss = result["widths"], result["train_loss"], result["val_loss"], result["min_val_loss"]
    best = min(range(len(widths)), key=lambda i: val[i])
    return (
        f"Line chart of loss against hidden-layer width on a log axis from {widths[0]} to {widths[-1]}. Training loss "
        f"drops from {train[0]:.2f} at width {widths[0]} to between {min(train):.3f} and {max(train[1:]):.2f} for the "
        f"wider networks. Final validation loss drops from {val[0]:.2f} to its lowest, {val[best]:.2f}, at width "
        f"{widths[best]}, and is {val[-1]:.2f} at width {widths[-1]}, with a peak of {max(val[1:]):.2f}. A dashed line, "
        f"the lowest validation loss during training, is {best_loss[0]:.2f} at width {widths[0]} and flat between "
        f"{min(best_loss[1:]):.2f} and {max(best_loss[1:]):.2f} for all wider networks."
    )


def boundary_panels(result: dict) -> list[dict]:
    """The maps in drawing order: each boundary width after all epochs, with the widest one's
    network ended at its best epoch placed just before it (same network, fewer epochs)."""
    boundaries, epochs = result["boundaries"], result["config"]["epochs"]
    stopped = boundaries["stopped"]
    panels = []
    for i, width in enumerate(boundaries["widths"]):
        if width == stopped["width"]:
            panels.append({"width": width, "epoch": stopped["epoch"], "best": True,
                           "probability": stopped["probability"],
                           "rule_agreement": stopped["rule_agreement"],
                           "train_errors": stopped["train_errors"]})
        panels.append({"width": width, "epoch": epochs, "best": False,
                       "probability": boundaries["probability"][i],
                       "rule_agreement": boundaries["rule_agreement"][i],
                       "train_errors": boundaries["train_errors"][i]})
    return panels


def panel_title(panel: dict) -> str:
    """'8 neurons, best epoch (40)' or '8 neurons, 300 epochs': what the map shows, in words
    that say how long the network trained."""
    if panel["best"]:
        return f"{neurons(panel['width'])}, best epoch ({panel['epoch']})"
    return f"{neurons(panel['width'])}, {panel['epoch']} epochs"


def draw_capacity_boundaries(axes: list[Axes], result: dict) -> list:
    boundaries, points = result["boundaries"], result["train_points"]
    studied, slept = np.asarray(boundaries["studied"]), np.asarray(boundaries["slept"])
    panels = boundary_panels(result)
    artists = []
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes, panels):
        artists += draw_boundary_map(ax, studied, slept, np.asarray(panel["probability"]), points)
        ax.set_title(panel_title(panel))
    for ax in axes[1:]:
        ax.set_ylabel("")
    return artists


def caption_capacity_boundaries(result: dict) -> str:
    panels = boundary_panels(result)
    stopped = result["boundaries"]["stopped"]
    listed = "; ".join(f"{panel_title(p)}: {p['rule_agreement']:.0%}, {p['train_errors']} wrong" for p in panels)
    widths = [str(p["width"]) for p in panels if not p["best"]]
    return (
        f"What networks of {', '.join(widths[:-1])} and {widths[-1]} hidden neurons (seed 0) learned in all "
        f"{result['config']['epochs']} epochs from the same {result['config']['n_train']} training students (blue "
        f"circles passed, orange crosses failed), and what the {stopped['width']}-neuron network had learned at its best "
        f"epoch, {stopped['epoch']} (the network early stopping keeps). The colour is the predicted chance of passing "
        f"(blue high, orange low); the solid line is the network's 50 % border, the dashed line the true rule's border. "
        f"Share of the map where the two borders agree, and training students the network gets wrong: {listed}."
    )


def alt_capacity_boundaries(result: dict) -> str:
    panels = boundary_panels(result)
    return (
        f"{len(panels)} maps of hours studied against hours slept, coloured by predicted pass probability, with the "
        f"{result['config']['n_train']} training students on top. "
        + " ".join(f"{panel_title(p)}: its border agrees with the true rule's on {p['rule_agreement']:.0%} of the map."
                   for p in panels)
        + " The single-neuron border is a straight line; the others curve around the passing students, and the "
        "network trained for all epochs wraps its border around single training students."
    )


FIGURES: list[FigureSpec] = [
    FigureSpec("capacity", "capacity", draw_capacity, caption_capacity, alt_capacity),
    FigureSpec("capacity_boundaries", "capacity", draw_capacity_boundaries, caption_capacity_boundaries,
               alt_capacity_boundaries, panels=4, size=(12.4, 3.5)),
]
