"""Figures of docs/epochs-and-batch-size.md: epochs, batch noise, batch size x learning rate."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import NullLocator

from lesson_figures.common import (
    TRAIN_COLOUR, VAL_COLOUR, DIVERGED_COLOUR, MARK_COLOUR, LOSS_LABEL, VAL_LOSS_LABEL,
    lr_text, training_setup, neurons, percent, finite_points,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, PALETTE


def draw_epochs(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    artists = []
    near = result["near_best"]
    margin = result["config"]["near_best"]
    artists.append(ax.axvspan(near["first_epoch"], near["last_epoch"], color=MARK_COLOUR, alpha=0.1, linewidth=0,
                              label=f"validation loss keeps coming back within {margin:.0%} of its lowest"))
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
    # plain epoch numbers (not 10¹, 10²), and a faint line where the even spacing ends
    last = result["epochs"][-1]
    ticks = [t for t in (0, 2, 4, 6, 8, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if t < last] + [last]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    artists.append(ax.axvline(10, color=INK, linestyle=":", linewidth=0.8, alpha=0.6))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("epoch (evenly spaced up to 10, log scale after)")
    ax.set_ylabel(LOSS_LABEL)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"{result['config']['hidden']} hidden neurons, {result['config']['n_train']} training students")
    return artists


def caption_epochs(result: dict) -> str:
    few, best, many, near = result["too_few"], result["best"], result["too_many"], result["near_best"]
    return (
        f"One long training run ({training_setup(result['config'])}). After {few['epoch']} epochs the network is still underfitted (validation loss "
        f"{few['val_loss']:.3f}, accuracy {percent(few['val_acc'])}). Shaded: epochs {near['first_epoch']} to "
        f"{near['last_epoch']}, where the validation loss keeps coming back to within "
        f"{result['config']['near_best']:.0%} of its lowest value, {best['val_loss']:.3f} at epoch {best['epoch']} "
        f"({percent(best['val_acc'])}); by epoch {many['epoch']} the training "
        f"loss has fallen to {many['train_loss']:.3f} but the validation loss is back up to {many['val_loss']:.3f} "
        f"({percent(many['val_acc'])}): overfitting."
    )


def alt_epochs(result: dict) -> str:
    few, best, many = result["too_few"], result["best"], result["too_many"]
    val = result["val_loss"]
    early = min(10, len(val) - 1)
    peak = max(range(1, early + 1), key=lambda e: val[e] if val[e] is not None else float("-inf"))
    near = result["near_best"]
    return (
        f"Training and validation loss over {result['epochs'][-1]} epochs. The validation loss first bumps up from "
        f"{val[1]:.2f} at epoch 1 to {val[peak]:.2f} at epoch {peak} and stays on a plateau; "
        f"then both losses fall until about epoch {near['first_epoch']}. From there to epoch {near['last_epoch']} "
        f"(shaded) the validation loss wobbles near its floor, at its lowest {best['val_loss']:.2f} at epoch "
        f"{best['epoch']}, while the training loss keeps falling; then the validation loss climbs to "
        f"{many['val_loss']:.2f}, while the training loss falls to {many['train_loss']:.2f}. At epoch "
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
        f"{cfg['n_train']} students after each epoch (learning rate {lr_text(cfg['learning_rate'])}; left: seed 0, "
        f"right: mean of {cfg['seeds']} seeds). Batch size {runs[0]['batch_size']} makes {runs[0]['updates_per_epoch']} noisy updates per "
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
    rises = ", ".join(f"batch {r['batch_size']} rose in {r['rise_fraction']:.0%} of epochs" for r in runs)
    return (
        "Two line charts. Left, the loss of each mini-batch (seed 0): the smaller the batch, the more it jumps. Right, the "
        f"training loss per epoch: {rises}. {spans}."
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


FIGURES: list[FigureSpec] = [
    FigureSpec("epochs", "epochs", draw_epochs, caption_epochs, alt_epochs),
    FigureSpec("batch_noise", "batch_noise", draw_batch_noise, caption_batch_noise, alt_batch_noise, panels=2,
               size=(10.0, 3.6)),
    FigureSpec("batch_lr", "batch_lr", draw_batch_lr, caption_batch_lr, alt_batch_lr, size=(7.4, 3.4)),
]
