"""The chapter's figures: one `FigureSpec` per figure, drawn from one experiment's result.

Each figure has three small functions: `draw_*` (into the given axes; returns its artists; never
saves and never touches rcParams: the build step applies the house style), `caption_*` (Markdown,
quoting the result's numbers) and `alt_*` (what the figure shows, in words and numbers). The key
paths used here are documented in each experiment's docstring in `lesson/experiments/`.

Conventions shared by all figures: Okabe-Ito colours from `site_src.figures.style`, distinct
marker shapes as well as colours (so nothing depends on colour alone), a diverged run drawn as a
vermillion cross, and units in every axis label.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap

from lesson.data import SLEPT_RANGE, STUDIED_RANGE, pass_score
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, OKABE_ITO, PALETTE

PASS_COLOUR = OKABE_ITO["blue"]
FAIL_COLOUR = OKABE_ITO["orange"]
TRAIN_COLOUR = OKABE_ITO["blue"]
VAL_COLOUR = OKABE_ITO["vermillion"]
DIVERGED_COLOUR = OKABE_ITO["vermillion"]
MARK_COLOUR = OKABE_ITO["bluish_green"]
#: Fail (orange) -> undecided (white) -> pass (blue): a diverging map in the figures' two class colours.
PASS_PROBABILITY_CMAP = LinearSegmentedColormap.from_list("pass_probability", [FAIL_COLOUR, "#ffffff", PASS_COLOUR])

LOSS_LABEL = "loss (binary cross-entropy)"
VAL_LOSS_LABEL = "validation loss (cross-entropy)"
STUDIED_LABEL = "hours studied (h)"
SLEPT_LABEL = "hours slept (h)"


# --- small shared helpers ----------------------------------------------------------------------


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


# --- overview: the data and the headline claim ---------------------------------------------------


def draw_dataset(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    points = result["points"]
    artists = scatter_students(ax, points["hours_studied"], points["hours_slept"], points["passed"])
    studied, slept = np.linspace(*STUDIED_RANGE, 101), np.linspace(*SLEPT_RANGE, 101)
    artists.append(ax.contour(studied, slept, true_rule_score(studied, slept), levels=[0.0], colors=INK,
                              linewidths=1.2, linestyles="dashed"))
    ax.plot([], [], color=INK, linewidth=1.2, linestyle="dashed", label="true rule's border")  # legend entry only
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    return artists


def caption_dataset(result: dict) -> str:
    return (
        f"The {result['n_train']} training students. Passing depends on both inputs: more study helps, "
        f"while sleeping much less *or* much more than about 7.5 hours goes with failing, so the border is "
        f"curved (dashed: the border of the rule that generated the labels). {percent(result['base_rate'])} of them passed; a few labels were flipped at random, so even "
        f"the true rule is right about only {percent(result['rule_val_accuracy'])} of the validation students."
    )


def alt_dataset(result: dict) -> str:
    points = result["points"]
    passes = int(sum(points["passed"]))
    return (
        f"Scatter plot of {result['n_train']} students, hours studied (0 to 10) against hours slept (3 to 11). "
        f"{passes} passed and {result['n_train'] - passes} failed. Passes cluster at the right (much study) "
        "and around 7 to 8 hours of sleep; fails fill the left side and the top and bottom edges. A dashed curve, "
        "open to the right, marks the true rule's border."
    )


def draw_bad_vs_good(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    artists = []
    rng = np.random.default_rng(0)  # fixed jitter: same bytes every build
    for position, (label, colour, marker) in enumerate((("bad", VAL_COLOUR, "X"), ("good", MARK_COLOUR, "o"))):
        setting = result[label]
        accuracies = np.asarray(setting["test_acc"]) * 100
        jitter = rng.uniform(-0.12, 0.12, size=len(accuracies))
        artists.append(ax.scatter(position + jitter, accuracies, s=28, marker=marker, color=colour, zorder=3))
        artists.append(ax.hlines(setting["mean_test_acc"] * 100, position - 0.28, position + 0.28,
                                 color=INK, linewidth=2.2, zorder=4))
        artists.append(ax.annotate(f"mean {percent(setting['mean_test_acc'])}", (position + 0.3, setting["mean_test_acc"] * 100),
                                   va="center", fontsize=9))
    majority = (1 - result["base_rate"]) * 100
    artists.append(ax.axhline(majority, color=INK, linestyle=":", linewidth=1.2))
    ax.annotate("always predict 'fail'", (1.5, majority), xytext=(0, 3), textcoords="offset points",
                ha="right", va="bottom", fontsize=8.5)
    bad, good = result["bad"], result["good"]
    ax.set_xticks([0, 1], [f"bad: η = {lr_text(bad['learning_rate'])},\n{bad['epochs']} epochs",
                           f"good: η = {lr_text(good['learning_rate'])},\n{good['epochs']} epochs"])
    ax.set_xlim(-0.5, 1.6)
    lowest = min(min(result["bad"]["test_acc"]), 1 - result["base_rate"]) * 100
    ax.set_ylim(math.floor(lowest / 10) * 10, 100)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Same network, {len(result['seeds'])} seeds each")
    return artists


def caption_bad_vs_good(result: dict) -> str:
    bad, good = result["bad"], result["good"]
    return (
        f"Test accuracy of the same 2-{result['config']['hidden']}-1 network trained {len(result['seeds'])} times (one dot per random seed) "
        f"with poor hyperparameters (learning rate {lr_text(bad['learning_rate'])}, {bad['epochs']} epochs) and "
        f"with good ones (learning rate {lr_text(good['learning_rate'])}, {good['epochs']} epochs). "
        f"Means: {percent(bad['mean_test_acc'])} against {percent(good['mean_test_acc'])}. The dotted line is the "
        f"accuracy of predicting 'fail' for every student."
    )


def alt_bad_vs_good(result: dict) -> str:
    bad, good = result["bad"], result["good"]
    return (
        f"Dot plot of test accuracy for two hyperparameter settings. Bad settings: every seed between "
        f"{percent(min(bad['test_acc']))} and {percent(max(bad['test_acc']))}, mean {percent(bad['mean_test_acc'])}, "
        f"close to the {percent(1 - result['base_rate'])} of always predicting fail. Good settings: between "
        f"{percent(min(good['test_acc']))} and {percent(max(good['test_acc']))}, mean {percent(good['mean_test_acc'])}."
    )


# --- learning rate --------------------------------------------------------------------------------


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
    artists += mark_diverged(ax, [lr for lr, d in zip(lrs, result["diverged"]) if d], top, label="diverged (no loss)")
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


def caption_lr_sweep(result: dict) -> str:
    seeds = len(result["final_val_loss_per_seed"][0])
    cfg = result["config"]
    diverging = result["smallest_diverging_learning_rate"]
    tail = f" Every rate from {diverging:.2g} up diverged (crosses)." if diverging is not None else ""
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
        + (f", and every run from η = {diverging:.2g} up diverged." if diverging is not None else ".")
    )


def draw_lr_range_test(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    lrs = result["learning_rates"]
    artists = []
    xs, raw = finite_points(lrs, result["loss"])
    artists += ax.plot(xs, raw, color=PALETTE[5], linewidth=0.8, alpha=0.6, label="mini-batch loss")
    xs, smoothed = finite_points(lrs, result["smoothed_loss"])
    artists += ax.plot(xs, smoothed, color=PALETTE[0], linewidth=2.0, label="smoothed")
    artists.append(ax.axvline(result["min_learning_rate"], color=INK, linestyle="--", linewidth=1.1,
                              label=f"lowest smoothed loss: η ≈ {result['min_learning_rate']:.2g}"))
    artists.append(ax.axvline(result["suggested_learning_rate"], color=MARK_COLOUR, linewidth=2.0,
                              label=f"suggestion: η ≈ {result['suggested_learning_rate']:.2g}"))
    if result["blow_up_learning_rate"] is not None:
        artists.append(ax.axvline(result["blow_up_learning_rate"], color=DIVERGED_COLOUR, linestyle=":",
                                  linewidth=1.5, label=f"blows up: η ≈ {result['blow_up_learning_rate']:.2g}"))
    ax.set_xscale("log")
    # Zoom on the useful part: the blow-up at the end would otherwise flatten the dip into a line.
    ax.set_ylim(0, 2.5 * smoothed[0])
    ax.set_xlabel("learning rate η at that update (log scale)")
    ax.set_ylabel("training " + LOSS_LABEL)
    ax.legend(loc="lower left", fontsize=8.5)
    ax.set_title("Learning-rate range test: one run")
    return artists


def caption_lr_range_test(result: dict) -> str:
    cfg = result["config"]
    return (
        f"One run of {cfg['steps']} updates whose learning rate grows exponentially from {lr_text(cfg['start'])} to "
        f"{lr_text(cfg['stop'])}. The smoothed loss is lowest at η ≈ {result['min_learning_rate']:.2g}; dividing by "
        f"{cfg['divisor']:g} suggests η ≈ {result['suggested_learning_rate']:.2g}."
    )


def alt_lr_range_test(result: dict) -> str:
    xs, smoothed = finite_points(result["learning_rates"], result["smoothed_loss"])
    low = result["min_index"]
    return (
        f"Line chart of training loss against a learning rate rising on a log axis from {xs[0]:.2g} to {xs[-1]:.2g}. "
        f"The smoothed loss stays near {smoothed[0]:.2f} for small rates, falls to {smoothed[low]:.2f} at "
        f"η ≈ {result['min_learning_rate']:.2g}, then climbs to {smoothed[-1]:.2f}. A marker shows the suggested "
        f"rate, η ≈ {result['suggested_learning_rate']:.2g}."
    )


# --- network size ----------------------------------------------------------------------------------


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
        # The filled bands as a picture, not paths: as vectors they were ~180 KB of the SVG. Without
        # antialiasing the bands are flat colours, which PNG packs small; the lines stay vectors.
        artists.append(ax.contourf(studied, slept, grid, levels=np.linspace(0, 1, 11), cmap=PASS_PROBABILITY_CMAP,
                                   alpha=0.75, antialiased=False, rasterized=True))
        artists.append(ax.contour(studied, slept, grid, levels=[0.5], colors=INK, linewidths=1.6))
        artists.append(ax.contour(studied, slept, true_rule_score(studied, slept), levels=[0.0], colors=INK,
                                  linewidths=1.2, linestyles="dashed"))
        artists += scatter_students(ax, points["hours_studied"], points["hours_slept"], points["passed"], size=22, edge=INK)
        ax.set_title(f"{name}: {neurons(width)}")
        ax.grid(False)
    for ax in axes[1:]:
        ax.set_ylabel("")
    return artists


def true_rule_score(studied: np.ndarray, slept: np.ndarray) -> np.ndarray:
    """The data's hidden rule on the grid (rows: slept, columns: studied); its zero line is the true border."""
    grid_studied, grid_slept = np.meshgrid(studied, slept)
    return pass_score(np.column_stack([grid_studied.ravel(), grid_slept.ravel()])).reshape(grid_studied.shape)


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


# --- epochs and batch size ------------------------------------------------------------------------------


def draw_epochs(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    artists = []
    epochs_x, train = finite_points(result["epochs"], result["train_loss"])
    artists += ax.plot(epochs_x, train, color=TRAIN_COLOUR, label="training loss")
    epochs_x, val = finite_points(result["epochs"], result["val_loss"])
    artists += ax.plot(epochs_x, val, color=VAL_COLOUR, label="validation loss")
    for key, text, marker in (("too_few", "too few", "v"), ("best", "best", "*"), ("too_many", "too many", "X")):
        point = result[key]
        artists.append(ax.scatter([point["epoch"]], [point["val_loss"]], marker=marker, s=90 if marker == "*" else 55,
                                  color=MARK_COLOUR if key == "best" else INK, zorder=5, edgecolors="white"))
        # The best point sits in the valley of the noisy curve: label it from the empty space above.
        offset = {"best": (0, 60), "too_many": (-6, 26)}.get(key, (0, 12))
        artists.append(ax.annotate(f"{text}: epoch {point['epoch']}", (point["epoch"], point["val_loss"]),
                                   xytext=offset, textcoords="offset points", fontsize=8.5,
                                   ha="right" if key == "too_many" else "center",
                                   arrowprops={"arrowstyle": "->", "color": INK, "linewidth": 0.8}))
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, result["epochs"][-1])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("epoch (linear to 10, then log scale)")
    ax.set_ylabel(LOSS_LABEL)
    ax.legend(loc="lower left")
    ax.set_title(f"{result['config']['hidden']} hidden neurons, {result['config']['n_train']} training students")
    return artists


def caption_epochs(result: dict) -> str:
    few, best, many = result["too_few"], result["best"], result["too_many"]
    return (
        f"One long training run ({training_setup(result['config'])}). After {few['epoch']} epochs the network is still underfitted (validation loss "
        f"{few['val_loss']:.3f}, accuracy {percent(few['val_acc'])}); the validation loss is lowest at epoch "
        f"{best['epoch']} ({best['val_loss']:.3f}, {percent(best['val_acc'])}); by epoch {many['epoch']} the training "
        f"loss has fallen to {many['train_loss']:.3f} but the validation loss is back up to {many['val_loss']:.3f} "
        f"({percent(many['val_acc'])}): overfitting."
    )


def alt_epochs(result: dict) -> str:
    few, best, many = result["too_few"], result["best"], result["too_many"]
    return (
        f"Training and validation loss over {result['epochs'][-1]} epochs. Both fall together at first; the validation "
        f"loss reaches its minimum of {best['val_loss']:.2f} at epoch {best['epoch']} and then climbs to "
        f"{many['val_loss']:.2f}, while the training loss keeps falling to {many['train_loss']:.2f}. At epoch "
        f"{few['epoch']} the validation loss was still {few['val_loss']:.2f}."
    )


def draw_batch_noise(axes: list[Axes], result: dict) -> list:
    steps_ax, epochs_ax = axes
    artists = []
    for order, (colour, run) in enumerate(zip(PALETTE, result["runs"])):
        label = f"batch {run['batch_size']} ({run['updates_per_epoch']} update{'s' if run['updates_per_epoch'] > 1 else ''}/epoch)"
        steps = run["step_loss"]
        # Larger batches on top and thicker: their few, smooth updates would hide under the noisy ones.
        artists += steps_ax.plot(range(1, len(steps) + 1), steps, color=colour, linewidth=0.7 + 0.5 * order,
                                 zorder=2 + order, label=label)
        epochs_x, loss = finite_points(result["epochs"], run["train_loss"])
        artists += epochs_ax.plot(epochs_x, loss, color=colour, label=label)
    steps_ax.set_xlabel("update (mini-batch) number")
    steps_ax.set_ylabel("loss on that mini-batch")
    steps_ax.set_title("Each update, as the network saw it")
    epochs_ax.set_xlabel("epoch")
    epochs_ax.set_ylabel("training " + LOSS_LABEL)
    epochs_ax.set_title("Whole training set, after each epoch")
    epochs_ax.set_ylim(bottom=0)
    epochs_ax.legend(loc="upper right", fontsize=8)
    return artists


def caption_batch_noise(result: dict) -> str:
    runs = result["runs"]
    cfg = result["config"]
    shown = len(runs[0]["step_loss"])
    return (
        f"Left: the loss of each mini-batch over the first {shown} updates; right: the training loss on all "
        f"{cfg['n_train']} students after each epoch (learning rate {lr_text(cfg['learning_rate'])}, mean of "
        f"{cfg['seeds']} seeds). Batch size {runs[0]['batch_size']} makes {runs[0]['updates_per_epoch']} noisy updates per "
        f"epoch; batch size {runs[-1]['batch_size']} makes {runs[-1]['updates_per_epoch']} smooth one. Final validation loss: "
        + ", ".join(f"batch {r['batch_size']}: {r['final_val_loss']:.3f}" for r in runs) + "."
    )


def alt_batch_noise(result: dict) -> str:
    runs = result["runs"]
    spans = "; ".join(
        f"batch {r['batch_size']}: mini-batch losses between {min(v for v in r['step_loss'] if v is not None):.2f} and "
        f"{max(v for v in r['step_loss'] if v is not None):.2f}, final validation loss {r['final_val_loss']:.2f}"
        for r in runs
    )
    return (
        "Two line charts. Left, the loss of each mini-batch: the smaller the batch, the more it jumps. Right, the "
        f"training loss per epoch: small batches fall fast but wobble, the full batch falls smoothly and slowly. {spans}."
    )


def draw_batch_lr(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    lrs, batches = result["learning_rates"], result["batch_sizes"]
    grid = np.array([[np.nan if v is None else v for v in row] for row in result["val_loss"]], dtype=float)
    masked = np.ma.masked_invalid(grid)
    image = ax.imshow(masked, cmap="viridis_r", aspect="auto", vmin=np.nanmin(grid), vmax=min(np.nanmax(grid), 0.7))
    artists = [image]
    for row, (batch, best_lr) in enumerate(zip(batches, result["best_learning_rate"])):
        for column, value in enumerate(result["val_loss"][row]):
            if value is None:
                artists.append(ax.text(column, row, "×", ha="center", va="center", color=DIVERGED_COLOUR,
                                       fontsize=14, fontweight="bold"))
            else:
                bright_cell = value < (np.nanmin(grid) + min(np.nanmax(grid), 0.7)) / 2  # viridis_r: low = yellow
                artists.append(ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7.5,
                                       color=INK if bright_cell else "white"))
        column = lrs.index(best_lr)
        artists.append(ax.add_patch(_cell_outline(column, row)))
    ax.set_xticks(range(len(lrs)), [lr_text(v) for v in lrs])
    ax.set_yticks(range(len(batches)), [str(b) for b in batches])
    ax.set_xlabel("learning rate η")
    ax.set_ylabel("batch size (examples)")
    ax.grid(False)
    colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    colorbar.set_label(VAL_LOSS_LABEL)
    ax.set_title(f"Validation loss after {result['config']['epochs']} epochs (× = diverged, box = best per row)")
    return artists


def _cell_outline(column: int, row: int):
    from matplotlib.patches import Rectangle

    return Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=MARK_COLOUR, linewidth=2.5)


def caption_batch_lr(result: dict) -> str:
    pairs = ", ".join(f"batch {b}: η = {lr_text(lr)}" for b, lr in zip(result["batch_sizes"], result["best_learning_rate"]))
    return (
        f"Validation loss after {result['config']['epochs']} epochs for every pair of batch size and learning rate "
        f"(mean of {result['config']['seeds']} seeds; brighter is better; crosses diverged). The best learning rate in each row "
        f"(boxed) grows with the batch size — {pairs}."
    )


def alt_batch_lr(result: dict) -> str:
    rows = "; ".join(
        f"batch {b}: best learning rate {lr_text(lr)} with loss {loss:.2f}"
        for b, lr, loss in zip(result["batch_sizes"], result["best_learning_rate"], result["best_val_loss"])
    )
    diverged = sum(d for row in result["diverged"] for d in row)
    return (
        f"Heat map of validation loss, batch sizes {', '.join(map(str, result['batch_sizes']))} (rows) against learning "
        f"rates {lr_text(result['learning_rates'][0])} to {lr_text(result['learning_rates'][-1])} (columns). {rows}. "
        f"{diverged} of the {len(result['batch_sizes']) * len(result['learning_rates'])} combinations diverged, all at the largest learning rates."
    )


# --- learning curves and early stopping -------------------------------------------------------------


def case_setting(case: dict) -> str:
    """'8 neurons, η = 0.3, 400 students': what makes a diagnosis case what it is."""
    return f"{neurons(case['hidden'])}, η = {lr_text(case['learning_rate'])}, {case['n_train']} students"


def case_short(case: dict) -> str:
    """'h 8 · η 0.3 · n 400': the same, short enough for a small panel title."""
    return f"h {case['hidden']} · η {lr_text(case['learning_rate'])} · n {case['n_train']}"


#: The diagnosis experiment's cases, split over two figures so that each panel stays readable:
#: the capacity shapes (too small, right, too big) and the learning-rate shapes.
DIAGNOSIS_FIT_CASES = ("underfit", "good fit", "overfit")
DIAGNOSIS_RATE_CASES = ("diverging", "too slow")


def cases_named(result: dict, labels: tuple[str, ...]) -> list[dict]:
    """The diagnosis cases with these labels, in this order; a missing label names the ones there are."""
    by_label = {case["label"]: case for case in result["cases"]}
    missing = [label for label in labels if label not in by_label]
    if missing:
        raise KeyError(f"diagnosis result has no case {missing}; its cases are {sorted(by_label)}")
    return [by_label[label] for label in labels]


def draw_cases(axes: list[Axes], epochs: list, cases: list[dict]) -> list:
    """One learning-curve panel per case: training and validation loss against epoch."""
    artists = []
    for ax, case in zip(axes, cases):
        epochs_x, train = finite_points(epochs, case["train_loss"])
        artists += ax.plot(epochs_x, train, color=TRAIN_COLOUR, label="training")
        epochs_x, val = finite_points(epochs, case["val_loss"])
        artists += ax.plot(epochs_x, val, color=VAL_COLOUR, label="validation", linewidth=1.2)
        if case["diverged"]:
            artists += mark_diverged(ax, [case["diverged_epoch"]], train[-1] if train else 1.0)
        if max(train + val) > 3:  # an exploding run: only a log axis shows both its start and its peak
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, max(0.8, max(train + val) * 1.05))
        ax.set_title(f"{case['label'].capitalize()}: {case_short(case)}")
        ax.set_xlabel("epoch")
    axes[0].set_ylabel(LOSS_LABEL)
    axes[0].legend(loc="upper right")
    return artists


def caption_cases(result: dict, cases: list[dict]) -> str:
    parts = [
        f"**{c['label']}** ({case_setting(c)}): final training / validation loss "
        + (f"{c['final_train_loss']:.2f} / {c['final_val_loss']:.2f}" if c["final_train_loss"] is not None else "diverged")
        for c in cases
    ]
    return (
        f"Learning curves over {result['epochs'][-1]} epochs (panel titles: h hidden neurons, learning rate η, "
        f"n training students). " + "; ".join(parts) + "."
    )


def alt_cases(result: dict, cases: list[dict]) -> str:
    parts = []
    for c in cases:
        if c["final_train_loss"] is None:
            parts.append(f"{c['label']}: the loss explodes and the run diverges at epoch {c['diverged_epoch']}")
        else:
            parts.append(
                f"{c['label']}: training loss from {c['initial_train_loss']:.2f} to {c['final_train_loss']:.2f}, "
                f"validation loss lowest {c['min_val_loss']:.2f} at epoch {c['best_epoch']}, final {c['final_val_loss']:.2f}"
            )
    return f"{len(cases)} line charts of training and validation loss against epoch. " + "; ".join(parts) + "."


def draw_diagnosis_fit(axes: list[Axes], result: dict) -> list:
    return draw_cases(axes, result["epochs"], cases_named(result, DIAGNOSIS_FIT_CASES))


def caption_diagnosis_fit(result: dict) -> str:
    return caption_cases(result, cases_named(result, DIAGNOSIS_FIT_CASES))


def alt_diagnosis_fit(result: dict) -> str:
    return alt_cases(result, cases_named(result, DIAGNOSIS_FIT_CASES))


def draw_diagnosis_rate(axes: list[Axes], result: dict) -> list:
    return draw_cases(axes, result["epochs"], cases_named(result, DIAGNOSIS_RATE_CASES))


def caption_diagnosis_rate(result: dict) -> str:
    return caption_cases(result, cases_named(result, DIAGNOSIS_RATE_CASES))


def alt_diagnosis_rate(result: dict) -> str:
    return alt_cases(result, cases_named(result, DIAGNOSIS_RATE_CASES))


def draw_early_stopping(axes: list[Axes], result: dict) -> list:
    curve_ax, bars_ax = axes
    artists = []
    epochs_x, train = finite_points(result["epochs"], result["train_loss"])
    artists += curve_ax.plot(epochs_x, train, color=TRAIN_COLOUR, label="training loss")
    epochs_x, val = finite_points(result["epochs"], result["val_loss"])
    artists += curve_ax.plot(epochs_x, val, color=VAL_COLOUR, label="validation loss")
    shown = (result["stops"][0], result["stops"][-1])
    for colour, stop in zip((OKABE_ITO["reddish_purple"], MARK_COLOUR), shown):
        artists.append(curve_ax.axvline(stop["stop_epoch"], color=colour, linestyle="--", linewidth=1.2,
                                        label=f"patience {stop['patience']}: stops at {stop['stop_epoch']}"))
        artists.append(curve_ax.scatter([stop["best_epoch"]], [stop["restored_val_loss"]], marker="*", s=110,
                                        color=colour, edgecolors=INK, linewidths=0.5, zorder=5))
    curve_ax.set_xscale("symlog", linthresh=10)
    curve_ax.set_xlim(0, result["epochs"][-1])
    curve_ax.set_ylim(bottom=0)
    curve_ax.set_xlabel("epoch (linear to 10, then log scale)")
    curve_ax.set_ylabel(LOSS_LABEL)
    curve_ax.legend(loc="lower left", fontsize=8)
    curve_ax.set_title("Stops (dashed) and restored best epochs (stars)")

    labels = [str(stop["patience"]) for stop in result["stops"]]
    restored = [stop["restored_val_loss"] for stop in result["stops"]]
    bars = bars_ax.bar(labels, restored, color=PALETTE[0])
    artists.append(bars)
    for bar, stop in zip(bars, result["stops"]):
        artists.append(bars_ax.annotate(f"{stop['stop_epoch']} ep.", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                        xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8))
    artists.append(bars_ax.axhline(result["full_run"]["final_val_loss"], color=VAL_COLOUR, linestyle=":",
                                   label=f"no early stopping ({result['epochs'][-1]} epochs)"))
    bars_ax.set_ylim(0, max(restored + [result["full_run"]["final_val_loss"]]) * 1.2)
    bars_ax.set_xlabel("patience (epochs without improvement)")
    bars_ax.set_ylabel("validation loss of the weights kept")
    bars_ax.legend(loc="upper right", fontsize=8)
    bars_ax.set_title("What each patience keeps (label: epochs trained)")
    return artists


def caption_early_stopping(result: dict) -> str:
    first, last = result["stops"][0], result["stops"][-1]
    full = result["full_run"]
    return (
        f"The overfitting run of the epochs page, with early stopping at patience "
        f"{', '.join(str(s['patience']) for s in result['stops'])}. With patience {first['patience']} training stops at "
        f"epoch {first['stop_epoch']} and keeps epoch {first['best_epoch']} (validation loss "
        f"{first['restored_val_loss']:.3f}); with patience {last['patience']} it stops at epoch {last['stop_epoch']} and "
        f"keeps epoch {last['best_epoch']} ({last['restored_val_loss']:.3f}). Training all {result['epochs'][-1]} epochs "
        f"ends at {full['final_val_loss']:.3f}."
    )


def alt_early_stopping(result: dict) -> str:
    stops = "; ".join(
        f"patience {s['patience']}: stops at epoch {s['stop_epoch']}, keeps epoch {s['best_epoch']} with validation loss "
        f"{s['restored_val_loss']:.2f}"
        for s in result["stops"]
    )
    return (
        f"Left: training and validation loss over {result['epochs'][-1]} epochs; the validation loss has its minimum of "
        f"{result['full_run']['min_val_loss']:.2f} at epoch {result['full_run']['best_epoch']} and ends at "
        f"{result['full_run']['final_val_loss']:.2f}. Right: bar chart by patience. {stops}."
    )


# --- search strategies ------------------------------------------------------------------------------------


def draw_grid_vs_random(axes: list[Axes], result: dict) -> list:
    space_ax, curve_ax = axes
    artists = []
    cfg = result["config"]
    grid = result["grid_points"]
    example = result["repeats"][0]["random"]["points"]
    artists.append(space_ax.scatter([p["learning_rate"] for p in grid], [p["hidden"] for p in grid], marker="s", s=60,
                                    color=PALETTE[1], edgecolors=INK, linewidths=0.5, label=f"grid ({len(grid)} runs)", zorder=3))
    artists.append(space_ax.scatter([p["learning_rate"] for p in example], [p["hidden"] for p in example], marker="o", s=40,
                                    color=PALETTE[0], edgecolors="white", linewidths=0.5,
                                    label=f"random ({len(example)} runs)", zorder=3))
    # Rug marks under the plot: the distinct learning rates each strategy actually tried.
    low = cfg["width_low"] * 0.72
    for points, colour, offset in ((grid, PALETTE[1], 0.0), (example, PALETTE[0], 0.08)):
        xs = sorted({p["learning_rate"] for p in points})
        artists.append(space_ax.scatter(xs, [low * (1 + offset)] * len(xs), marker="|", s=160, color=colour,
                                        linewidths=2, clip_on=False))
    space_ax.set_xscale("log")
    space_ax.set_yscale("log", base=2)
    ticks = [w for w in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if cfg["width_low"] <= w <= cfg["width_high"]]
    space_ax.set_yticks(ticks, [str(w) for w in ticks])
    space_ax.minorticks_off()
    space_ax.set_ylim(low * 0.9, cfg["width_high"] * 1.4)
    space_ax.set_xlabel("learning rate η (log scale): matters a lot")
    space_ax.set_ylabel("hidden neurons (log scale):\nmatters little")
    space_ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncols=2)

    trials = range(1, result["budget"] + 1)
    for repeat in result["repeats"]:
        xs, ys = finite_points(list(trials), repeat["random"]["best_so_far"])
        artists += curve_ax.plot(xs, ys, color=PALETTE[0], alpha=0.15, linewidth=0.8)
    for name, colour, marker in (("grid", PALETTE[1], "s"), ("random", PALETTE[0], "o")):
        xs, ys = finite_points(list(trials), result["mean_best_so_far"][name])
        artists += curve_ax.plot(xs, ys, color=colour, marker=marker, markersize=5, linewidth=2,
                                 label=f"{name} (mean of {len(result['repeats'])})")
    curve_ax.set_ylim(bottom=0)
    curve_ax.set_xlabel("runs spent")
    curve_ax.set_ylabel("best " + VAL_LOSS_LABEL + "\nfound so far")
    curve_ax.legend(loc="upper right", fontsize=8)
    curve_ax.set_title("Best-so-far (faint: each random search)")
    return artists


def caption_grid_vs_random(result: dict) -> str:
    cfg = result["config"]
    return (
        f"Left: a {cfg['grid_points_per_axis']} × {cfg['grid_points_per_axis']} grid and one random search, both with "
        f"{result['budget']} runs of {cfg['epochs']} epochs, over learning rates {lr_text(cfg['lr_low'])} to "
        f"{lr_text(cfg['lr_high'])} and {cfg['width_low']} to {cfg['width_high']} hidden neurons; the ticks under the plot "
        f"are the learning rates each one tried ({result['distinct_learning_rates']['grid']:g} against "
        f"{result['distinct_learning_rates']['random']:g}). Right: best validation loss found so far, averaged over "
        f"{len(result['repeats'])} repeats: grid {result['mean_best']['grid']:.3f}, random {result['mean_best']['random']:.3f}. "
        f"Random search won {percent(result['random_win_fraction'])} of the repeats."
    )


def alt_grid_vs_random(result: dict) -> str:
    return (
        f"Left: scatter of the search space, learning rate against hidden neurons, both on log axes. The {result['budget']} grid "
        f"points sit on {result['distinct_learning_rates']['grid']:g} learning rates only; the {result['budget']} random "
        f"points are spread over {result['distinct_learning_rates']['random']:g} different learning rates. Right: best validation "
        f"loss so far against runs spent; after {result['budget']} runs the grid's mean is {result['mean_best']['grid']:.2f} and "
        f"random search's {result['mean_best']['random']:.2f}."
    )


def draw_successive_halving(axes: list[Axes], result: dict) -> list:
    rungs_ax, cost_ax = axes
    repeat = result["repeats"][0]
    artists = []
    history: dict[int, list[tuple[int, float]]] = {}
    for rung in repeat["rungs"]:
        for config_id, score in zip(rung["config_ids"], rung["scores"]):
            if score is not None:
                history.setdefault(config_id, []).append((rung["epochs"], score))
    for config_id, points in history.items():
        is_winner = config_id == repeat["winner"]
        xs, ys = zip(*points)
        artists += rungs_ax.plot(xs, ys, marker="o", markersize=6 if is_winner else 3,
                                 color=MARK_COLOUR if is_winner else PALETTE[0], alpha=1.0 if is_winner else 0.45,
                                 linewidth=2.2 if is_winner else 0.9, zorder=4 if is_winner else 2,
                                 label="winner" if is_winner else None)
    artists.append(rungs_ax.axhline(repeat["full_best"], color=INK, linestyle=":",
                                    label=f"best of all, trained fully: {repeat['full_best']:.3f}"))
    epochs = [rung["epochs"] for rung in repeat["rungs"]]
    rungs_ax.set_xscale("log", base=result["config"]["eta"])
    rungs_ax.set_xticks(epochs, [str(e) for e in epochs])
    rungs_ax.minorticks_off()
    rungs_ax.set_ylim(bottom=0)
    rungs_ax.set_xlabel("epochs trained in this round (log scale)")
    rungs_ax.set_ylabel(VAL_LOSS_LABEL)
    rungs_ax.legend(loc="upper right", fontsize=8)
    rungs_ax.set_title(f"{result['config']['n_configs']} configurations, one round at a time")

    spent, full = result["mean_epochs_spent"], result["full_search_epochs"]
    bars = cost_ax.bar(["successive\nhalving", "train every\nconfiguration"], [spent, full],
                       color=[MARK_COLOUR, PALETTE[1]])
    artists.append(bars)
    for bar in bars:
        artists.append(cost_ax.annotate(f"{bar.get_height():.0f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                        xytext=(0, 3), textcoords="offset points", ha="center"))
    cost_ax.set_ylim(0, full * 1.15)
    cost_ax.set_ylabel("epochs of training (total)")
    cost_ax.set_title("Cost")
    return artists


def caption_successive_halving(result: dict) -> str:
    cfg = result["config"]
    repeat = result["repeats"][0]
    epochs = [rung["epochs"] for rung in repeat["rungs"]]
    return (
        f"Left: successive halving on {cfg['n_configs']} random configurations (one of {len(result['repeats'])} repeats). Every "
        f"configuration trains for {epochs[0]} epoch; the best third continue with {cfg['eta']} times as many, through rounds of "
        f"{', '.join(map(str, epochs))} epochs. Right: that costs {result['mean_epochs_spent']:.0f} epochs in total against "
        f"{result['full_search_epochs']} to train every configuration fully. Averaged over the repeats, the winner's "
        f"validation loss was {result['mean_regret']:.3f} above the best configuration's."
    )


def alt_successive_halving(result: dict) -> str:
    repeat = result["repeats"][0]
    counts = ", ".join(f"{len(r['config_ids'])} at {r['epochs']} epochs" for r in repeat["rungs"])
    return (
        f"Left: validation loss of each configuration after each round it survived: {counts}. The winner ends at "
        f"{repeat['winner_val_loss']:.2f}; the best configuration, trained fully, reaches {repeat['full_best']:.2f}. Right: bar "
        f"chart of cost, {result['mean_epochs_spent']:.0f} epochs for successive halving against {result['full_search_epochs']} "
        "for training every configuration fully."
    )


# --- the registry -----------------------------------------------------------------------------------

CHAPTER_FIGURES: list[FigureSpec] = [
    FigureSpec("dataset", "dataset", draw_dataset, caption_dataset, alt_dataset, size=(5.2, 4.0)),
    FigureSpec("bad_vs_good", "bad_vs_good", draw_bad_vs_good, caption_bad_vs_good, alt_bad_vs_good, size=(5.2, 3.6)),
    FigureSpec("lr_curves", "lr_curves", draw_lr_curves, caption_lr_curves, alt_lr_curves),
    FigureSpec("lr_sweep", "lr_sweep", draw_lr_sweep, caption_lr_sweep, alt_lr_sweep),
    FigureSpec("lr_range_test", "lr_range_test", draw_lr_range_test, caption_lr_range_test, alt_lr_range_test),
    FigureSpec("capacity", "capacity", draw_capacity, caption_capacity, alt_capacity),
    FigureSpec("capacity_boundaries", "capacity", draw_capacity_boundaries, caption_capacity_boundaries,
               alt_capacity_boundaries, panels=3, size=(10.0, 3.5)),
    FigureSpec("epochs", "epochs", draw_epochs, caption_epochs, alt_epochs),
    FigureSpec("batch_noise", "batch_noise", draw_batch_noise, caption_batch_noise, alt_batch_noise, panels=2,
               size=(10.0, 3.6)),
    FigureSpec("batch_lr", "batch_lr", draw_batch_lr, caption_batch_lr, alt_batch_lr, size=(7.4, 3.4)),
    FigureSpec("diagnosis_fit", "diagnosis", draw_diagnosis_fit, caption_diagnosis_fit, alt_diagnosis_fit, panels=3,
               size=(9.6, 3.3)),
    FigureSpec("diagnosis_rate", "diagnosis", draw_diagnosis_rate, caption_diagnosis_rate, alt_diagnosis_rate, panels=2,
               size=(7.2, 3.3)),
    FigureSpec("early_stopping", "early_stopping", draw_early_stopping, caption_early_stopping, alt_early_stopping,
               panels=2, size=(10.0, 3.8)),
    FigureSpec("grid_vs_random", "grid_vs_random", draw_grid_vs_random, caption_grid_vs_random, alt_grid_vs_random,
               panels=2, size=(10.0, 3.9)),
    FigureSpec("successive_halving", "successive_halving", draw_successive_halving, caption_successive_halving,
               alt_successive_halving, panels=2, size=(10.0, 3.8)),
]
