"""Figures of docs/network-size.md: capacity and decision boundaries."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from site_src.figures.common import (
    true_rule_score,
    TRAIN_COLOUR, VAL_COLOUR, PASS_PROBABILITY_CMAP, LOSS_LABEL, training_setup, neurons,
    finite_points, scatter_students,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK


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
    ax.set_xscale("log", base=2)
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.set_xlabel("hidden neurons (log scale)")
    ax.set_ylabel("final " + LOSS_LABEL)
    ax.legend(loc="upper right")
    ax.set_title(f"After {result['config']['epochs']} epochs on {result['config']['n_train']} students")
    return artists


def caption_capacity(result: dict) -> str:
    cfg = result["config"]
    widths, train, val = result["widths"], result["train_loss"], result["val_loss"]
    seeds = len(result["train_loss_per_seed"][0])
    return (
        f"Final training and validation loss for networks with {widths[0]} to {widths[-1]} hidden neurons, each trained "
        f"for {cfg['epochs']} epochs on only {cfg['n_train']} students ({training_setup(cfg)}; small dots: {seeds} seeds, "
        f"lines: their mean). "
        f"With {neurons(widths[0])} both losses are high ({train[0]:.2f} and {val[0]:.2f}); the widest networks fit the "
        f"training set better ({train[-1]:.2f}) but the gap to validation grows from {result['gap'][0]:.2f} to "
        f"{max(result['gap']):.2f}."
    )


def alt_capacity(result: dict) -> str:
    widths, train, val = result["widths"], result["train_loss"], result["val_loss"]
    best = min(range(len(widths)), key=lambda i: val[i])
    return (
        f"Line chart of loss against hidden-layer width on a log axis from {widths[0]} to {widths[-1]}. Training loss "
        f"drops from {train[0]:.2f} at width {widths[0]} to between {min(train):.2f} and {max(train[1:]):.2f} for the "
        f"wider networks. Validation loss drops from {val[0]:.2f} to its lowest, {val[best]:.2f}, at width "
        f"{widths[best]}, and is {val[-1]:.2f} at width {widths[-1]}, with a peak of {max(val[1:]):.2f}."
    )


def draw_capacity_boundaries(axes: list[Axes], result: dict) -> list:
    boundaries, points = result["boundaries"], result["train_points"]
    studied, slept = np.asarray(boundaries["studied"]), np.asarray(boundaries["slept"])
    names = boundary_names(boundaries["widths"])
    artists = []
    for ax, width, probability, name in zip(axes, boundaries["widths"], boundaries["probability"], names):
        grid = np.asarray(probability)  # rows: slept, columns: studied
        artists.append(ax.contourf(studied, slept, grid, levels=np.linspace(0, 1, 11), cmap=PASS_PROBABILITY_CMAP,
                                   alpha=0.75, antialiased=True))
        artists.append(ax.contour(studied, slept, grid, levels=[0.5], colors=INK, linewidths=1.6))
        artists.append(ax.contour(studied, slept, true_rule_score(studied, slept), levels=[0.0], colors=INK,
                                  linewidths=1.2, linestyles="dashed"))
        artists += scatter_students(ax, points["hours_studied"], points["hours_slept"], points["passed"], size=22, edge=INK)
        ax.set_title(f"{name}: {neurons(width)}")
        ax.grid(False)
    for ax in axes[1:]:
        ax.set_ylabel("")
    return artists




def boundary_names(widths: list[int]) -> list[str]:
    """'Narrow', 'Medium', 'Wide' for three widths; plain 'Width k' otherwise.

    Deliberately not 'right-sized': which width is best is what the reader should judge from the data.
    """
    if len(widths) == 3:
        return ["Narrow", "Medium", "Wide"]
    return [f"Width {w}" for w in widths]


def caption_capacity_boundaries(result: dict) -> str:
    widths = result["boundaries"]["widths"]
    val = dict(zip(result["widths"], result["val_loss"]))
    listed = ", ".join(f"{neurons(w)}: {val[w]:.2f}" for w in widths)
    return (
        f"What networks of {', '.join(map(str, widths[:-1]))} and {widths[-1]} hidden neurons learned from the same "
        f"{result['config']['n_train']} training students (blue circles passed, orange crosses failed). The colour is the "
        f"predicted chance of passing (blue high, orange low); the solid line is the network's 50 % border, the dashed line the true rule's border. Validation loss "
        f"(mean over seeds) — {listed}."
    )


def alt_capacity_boundaries(result: dict) -> str:
    widths = result["boundaries"]["widths"]
    val = dict(zip(result["widths"], result["val_loss"]))
    names = boundary_names(widths)
    return (
        f"{len(widths)} maps of hours studied against hours slept, coloured by predicted pass probability, with the "
        f"{result['config']['n_train']} training students on top. "
        + " ".join(f"{name} network ({neurons(w)}, validation loss {val[w]:.2f})." for name, w in zip(names, widths))
        + " The single-neuron border is a straight line; the wider networks draw curved borders around the passing "
        "students, which a dashed line compares with the true rule's border."
    )


FIGURES: list[FigureSpec] = [
    FigureSpec("capacity", "capacity", draw_capacity, caption_capacity, alt_capacity),
    FigureSpec("capacity_boundaries", "capacity", draw_capacity_boundaries, caption_capacity_boundaries,
               alt_capacity_boundaries, panels=3, size=(10.0, 3.5)),
]
