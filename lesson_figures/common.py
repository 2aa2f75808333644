"""Shared by the chapter's figures: colours with a meaning, axis labels, small drawing helpers.

Conventions: Okabe-Ito colours from `site_src.figures.style`, distinct marker shapes as well as
colours (so nothing depends on colour alone), a diverged run drawn as a vermillion cross, and
units in every axis label. Each page's figures live in their own module (one `FigureSpec` per
figure: `draw_*` into the given axes, never saving or touching rcParams; `caption_*`, Markdown
quoting the result's numbers; `alt_*`, what the figure shows in words and numbers), so editing
one page's figures redraws only those.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap

from lesson.data import pass_score
from site_src.figures.style import INK, OKABE_ITO, ROLE_COLOURS

PASS_COLOUR = OKABE_ITO["blue"]


FAIL_COLOUR = OKABE_ITO["orange"]


TRAIN_COLOUR = OKABE_ITO["blue"]


VAL_COLOUR = OKABE_ITO["vermillion"]


DIVERGED_COLOUR = OKABE_ITO["vermillion"]


MARK_COLOUR = OKABE_ITO["bluish_green"]


PASS_PROBABILITY_CMAP = LinearSegmentedColormap.from_list("pass_probability", [FAIL_COLOUR, "#ffffff", PASS_COLOUR])


LOSS_LABEL = "loss (binary cross-entropy)"


VAL_LOSS_LABEL = "validation loss (cross-entropy)"


STUDIED_LABEL = "hours studied (h)"


SLEPT_LABEL = "hours slept (h)"


def lr_text(learning_rate: float) -> str:
    """A learning rate as a reader writes it: 0.0001, 0.3, 30."""
    return f"{learning_rate:g}"


def training_setup(config: dict) -> str:
    """'learning rate 0.3, batch size 10, momentum 0.9': how a figure's runs were trained (momentum only if used)."""
    parts = [f"learning rate {lr_text(config['learning_rate'])}", f"batch size {config['batch_size']}"]
    if config.get("momentum"):
        parts.append(f"momentum {config['momentum']:g}")
    return ", ".join(parts)


def neurons(count: int) -> str:
    """'1 neuron', '8 neurons'."""
    return f"{count} neuron" + ("" if count == 1 else "s")


def percent(fraction: float) -> str:
    """0.944 -> '94 %' (the chapter's style: a thin space before the sign is not worth the risk)."""
    return f"{fraction:.0%}"


def finite_points(xs: list, ys: list) -> tuple[list, list]:
    """The (x, y) pairs whose y is a number (None marks a diverged or stopped run)."""
    kept = [(x, y) for x, y in zip(xs, ys) if y is not None]
    return [x for x, _ in kept], [y for _, y in kept]


def scatter_students(ax: Axes, studied: list, slept: list, passed: list, size: float = 14.0,
                     edge: str = "white") -> list:
    """Training students: passes as blue circles, fails as orange crosses (shape and colour).

    `edge` outlines each marker: white on a plain background, dark ink on a coloured map.
    """
    studied, slept, passed = np.asarray(studied), np.asarray(slept), np.asarray(passed).astype(bool)
    passes = ax.scatter(studied[passed], slept[passed], s=size, marker="o", color=PASS_COLOUR,
                        edgecolors=edge, linewidths=0.6, label="passed", zorder=3)
    fails = ax.scatter(studied[~passed], slept[~passed], s=size * 1.3, marker="X", color=FAIL_COLOUR,
                       edgecolors=edge, linewidths=0.6, label="failed", zorder=3)
    ax.set_xlabel(STUDIED_LABEL)
    ax.set_ylabel(SLEPT_LABEL)
    return [passes, fails]


def mark_diverged(ax: Axes, xs: list, y: float, label: str = "diverged") -> list:
    """Vermillion crosses at height `y` for runs that produced no usable loss."""
    if not xs:
        return []
    return [ax.scatter(xs, [y] * len(xs), marker="x", s=40, linewidths=1.8, color=DIVERGED_COLOUR,
                       label=label, zorder=4, clip_on=False)]

def draw_boundary_map(ax: Axes, studied: np.ndarray, slept: np.ndarray, probability: np.ndarray,
                      points: dict) -> list:
    """What a network learned: its pass probability over the grid (rows: slept, columns: studied),
    its 50 % border (solid), the true rule's border (dashed) and the training students on top."""
    # the map as the grid's own small image (the browser smooths it): filled vector contours,
    # or a rasterised copy of them, made the SVG several hundred KiB
    artists = [ax.imshow(probability, origin="lower", extent=(studied[0], studied[-1], slept[0], slept[-1]),
                         cmap=PASS_PROBABILITY_CMAP, vmin=0.0, vmax=1.0, alpha=0.75, interpolation="none",
                         aspect="auto"),
               ax.contour(studied, slept, probability, levels=[0.5], colors=INK, linewidths=1.6),
               ax.contour(studied, slept, true_rule_score(studied, slept), levels=[0.0], colors=INK,
                          linewidths=1.2, linestyles="dashed")]
    artists += scatter_students(ax, points["hours_studied"], points["hours_slept"], points["passed"], size=22, edge=INK)
    ax.grid(False)
    return artists


def true_rule_score(studied: np.ndarray, slept: np.ndarray) -> np.ndarray:
    """The data's hidden rule on the grid (rows: slept, columns: studied); its zero line is the true border."""
    grid_studied, grid_slept = np.meshgrid(studied, slept)
    return pass_score(np.column_stack([grid_studied.ravel(), grid_slept.ravel()])).reshape(grid_studied.shape)
