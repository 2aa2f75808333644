"""Figures of docs/optimizers.md: Adam against SGD with momentum, weight decay, and the best
weight decay at several learning rates."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes

from lesson_figures.common import (
    MARK_COLOUR, VAL_LOSS_LABEL, draw_boundary_map, finite_points, lr_text,
    mark_diverged, neurons, training_setup,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, OKABE_ITO

#: Each optimizer's colour, marker and name (shape as well as colour tells them apart).
OPTIMIZER_STYLE = {
    "sgd": (OKABE_ITO["blue"], "o", "SGD with momentum"),
    "adam": (OKABE_ITO["reddish_purple"], "s", "Adam"),
}
#: Without early stopping (final epoch) and with it (best epoch): colour, marker, linestyle, label.
STOPPING_STYLE = {
    "final": (OKABE_ITO["vermillion"], "s", "-", "without early stopping (after the last epoch)"),
    "best": (MARK_COLOUR, "^", "--", "with early stopping (best epoch)"),
}
#: One colour and marker per learning rate in the interaction figure.
RATE_STYLES = ((OKABE_ITO["sky_blue"], "o"), (OKABE_ITO["orange"], "D"), (OKABE_ITO["blue"], "s"),
               (OKABE_ITO["black"], "v"))


def band_text(band: dict) -> str:
    """'0.018 to 0.32 (1.25 decades)', '0.01 to 0.1 (1 decade)'."""
    low, high = band["learning_rates"]
    return f"{low:.2g} to {high:.2g} ({band['decades']:.3g} decade{'' if band['decades'] == 1 else 's'})"


def decay_text(decay: float) -> str:
    """A weight decay as a reader writes it: 0, 0.0003, 0.003."""
    return f"{decay:g}"


# --- Adam against SGD --------------------------------------------------------------------------


def draw_adam_vs_sgd(axes: list[Axes], result: dict) -> list:
    sweep_ax, safe_ax = axes
    lrs, cfg = result["learning_rates"], result["config"]
    artists = []
    ceiling = 0.8  # the y range shown: the rates near divergence go higher (the caption says so)
    for k, (name, summary) in enumerate(result["optimizers"].items()):
        colour, marker, label = OPTIMIZER_STYLE[name]
        for lr, per_seed in zip(lrs, summary["final_val_loss_per_seed"]):
            kept = [min(v, ceiling) for v in per_seed if v is not None]
            artists.append(sweep_ax.scatter([lr] * len(kept), kept, s=8, color=colour, alpha=0.3,
                                            marker=marker, zorder=2))
        xs, ys = finite_points(lrs, summary["final_val_loss"])
        shown = [(x, y) for x, y in zip(xs, ys) if y <= ceiling]
        artists += sweep_ax.plot([x for x, _ in shown], [y for _, y in shown], marker=marker, markersize=4,
                                 color=colour, label=f"{label} (mean)")
        low, high = summary["good"]["learning_rates"]
        level = 0.03 + 0.035 * k  # the good bands as bars near the bottom, one above the other
        artists += sweep_ax.plot([low, high], [level, level], color=colour, linewidth=5, solid_capstyle="butt",
                                 label="_nolegend_")
        artists.append(sweep_ax.text(high * 1.4, level, "good band", ha="left", va="center", fontsize=7,
                                     color=INK))
        crossed = [lr for lr, count in zip(lrs, summary["diverged_seeds"]) if count == cfg["seeds"]]
        row = ceiling - 0.03 - 0.045 * k
        artists += mark_diverged(sweep_ax, crossed, row, label="every seed diverged" if k == 0 else "_nolegend_")
        if crossed:
            artists.append(sweep_ax.text(crossed[0] / 1.4, row, label.split()[0], ha="right", va="center",
                                         fontsize=7.5, color=INK))
    safe = result["safe"]
    artists.append(sweep_ax.scatter([safe["learning_rate"]], [safe["val_loss"]["mean"]], marker="*", s=170,
                                    color=MARK_COLOUR, edgecolors=INK, linewidths=0.6, zorder=5,
                                    label=f"Adam at {lr_text(safe['learning_rate'])} (\"safe\")"))
    sweep_ax.set_xscale("log")
    sweep_ax.set_ylim(0, ceiling)
    sweep_ax.set_xlabel("learning rate (log scale)")
    sweep_ax.set_ylabel(f"final {VAL_LOSS_LABEL}")
    sweep_ax.legend(loc="upper center", fontsize=7.5)
    sweep_ax.set_title(f"After {cfg['epochs']} epochs ({cfg['seeds']} seeds per rate)")

    curve = safe["val_loss_curve"]
    epochs = list(range(len(curve)))
    xs, ys = finite_points(epochs, curve)
    colour, _, _ = OPTIMIZER_STYLE["adam"]
    artists += safe_ax.plot(xs, ys, color=colour, label=f"Adam at {lr_text(safe['learning_rate'])} (mean)")
    threshold = result["optimizers"]["adam"]["good"]["threshold"]
    artists.append(safe_ax.axhline(threshold, color=MARK_COLOUR, linestyle="--", linewidth=1.2,
                                   label=f"Adam's good level ({threshold:.3f})"))
    artists.append(safe_ax.axvline(safe["epochs"], color=INK, linestyle=":", linewidth=1.2,
                                   label=f"the chapter's {safe['epochs']} epochs"))
    safe_ax.set_ylim(0, max(ys) * 1.1)
    safe_ax.set_xlim(0, epochs[-1])
    safe_ax.set_xlabel("epoch")
    safe_ax.set_ylabel(VAL_LOSS_LABEL)
    safe_ax.legend(loc="lower left", fontsize=7.5)
    safe_ax.set_title(f"Adam at {lr_text(safe['learning_rate'])}, {safe['long_epochs']} epochs")
    return artists


def caption_adam_vs_sgd(result: dict) -> str:
    cfg, sgd, adam, safe = (result["config"], result["optimizers"]["sgd"], result["optimizers"]["adam"],
                            result["safe"])
    return (
        f"Left: validation loss after {cfg['epochs']} epochs for {len(result['learning_rates'])} learning rates from "
        f"{lr_text(cfg['low'])} to {cfg['high']:.3g} (log-spaced; {neurons(cfg['hidden'])}, {cfg['n_train']} "
        f"students, batch size {cfg['batch_size']}; small marks: {cfg['seeds']} seeds, lines: their mean, cut at 0.8). "
        f"SGD with momentum {cfg['momentum']:g} is best at {sgd['best_learning_rate']:.2g} "
        f"({sgd['best_val_loss']:.3f}), Adam at {adam['best_learning_rate']:.2g} ({adam['best_val_loss']:.3f}). The bars "
        f"are the good bands (mean within {cfg['good_factor']:g} times the optimizer's own best): SGD "
        f"{band_text(sgd['good'])}, Adam {band_text(adam['good'])}. Crosses: every seed diverged (from "
        f"{sgd['smallest_all_diverging_learning_rate']:.2g} for SGD, {adam['smallest_all_diverging_learning_rate']:.2g} "
        f"for Adam). Star: Adam at {lr_text(safe['learning_rate'])}, {safe['val_loss']['mean']:.3f}. Right: Adam at "
        f"{lr_text(safe['learning_rate'])} over {safe['long_epochs']} epochs (mean of {cfg['seeds']} seeds): "
        f"{safe['long_val_loss']['mean']:.3f} at the end, still above Adam's good level "
        f"({adam['good']['threshold']:.3f})."
    )


def alt_adam_vs_sgd(result: dict) -> str:
    sgd, adam, safe = result["optimizers"]["sgd"], result["optimizers"]["adam"], result["safe"]
    return (
        f"Two panels. Left: two U-shaped curves of final validation loss against learning rate on a log axis, both "
        f"near {sgd['final_val_loss'][0]:.2f} at the smallest rates. SGD with momentum falls to "
        f"{sgd['best_val_loss']:.3f} at {sgd['best_learning_rate']:.2g} and is within its good level from "
        f"{band_text(sgd['good'])}; Adam falls to {adam['best_val_loss']:.3f} at {adam['best_learning_rate']:.2g} and "
        f"is within its good level from {band_text(adam['good'])}. Both rise and then diverge at the largest rates. A "
        f"star marks Adam at {lr_text(safe['learning_rate'])}: {safe['val_loss']['mean']:.3f}. Right: Adam's "
        f"validation loss at {lr_text(safe['learning_rate'])} falls slowly from {safe['initial_val_loss']:.3f} to "
        f"{safe['val_loss']['mean']:.3f} at epoch {safe['epochs']} and {safe['long_val_loss']['mean']:.3f} at epoch "
        f"{safe['long_epochs']}, above the dashed good level of {adam['good']['threshold']:.3f}."
    )


# --- Weight decay ------------------------------------------------------------------------------


def decay_positions(decays: list) -> list[float]:
    """x positions on a log scale, no decay one decade left of the smallest decay."""
    smallest = min(d for d in decays if d > 0)
    return [math.log10(d) if d > 0 else math.log10(smallest) - 1 for d in decays]


def set_decay_axis(ax: Axes, decays: list) -> None:
    positions = decay_positions(decays)
    ax.set_xticks(positions, [decay_text(d) for d in decays], fontsize=8)
    ax.set_xlabel("weight decay (log scale; 0 = none)")


def draw_weight_decay(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    decays = result["decays"]
    x = decay_positions(decays)
    artists = []
    for key, curve in (("final", "final_val_loss"), ("best", "min_val_loss")):
        colour, marker, style, label = STOPPING_STYLE[key]
        for position, per_seed in zip(x, result[f"{curve}_per_seed"]):
            kept = [v for v in per_seed if v is not None]
            artists.append(ax.scatter([position] * len(kept), kept, s=9, color=colour, alpha=0.35, marker=marker,
                                      zorder=2))
        xs, ys = finite_points(x, result[curve])
        artists += ax.plot(xs, ys, marker=marker, markersize=5, color=colour, linestyle=style, label=label)
    for key, best in (("final", result["best_without_early_stopping"]), ("best", result["best_with_early_stopping"])):
        curve = "final_val_loss" if key == "final" else "min_val_loss"
        artists.append(ax.scatter([x[best["index"]]], [result[curve][best["index"]]], marker="*", s=170,
                                  color=STOPPING_STYLE[key][0], edgecolors=INK, linewidths=0.6, zorder=5))
    set_decay_axis(ax, decays)
    ax.set_ylim(0, max(v for seeds in result["final_val_loss_per_seed"] for v in seeds if v is not None) * 1.08)
    ax.set_ylabel(VAL_LOSS_LABEL)
    ax.legend(loc="upper center", fontsize=8)
    cfg = result["config"]
    ax.set_title(f"{neurons(cfg['hidden'])}, {cfg['n_train']} students, {cfg['epochs']} epochs")
    return artists


def caption_weight_decay(result: dict) -> str:
    cfg, decays = result["config"], result["decays"]
    without, with_stopping = result["best_without_early_stopping"], result["best_with_early_stopping"]
    seeds = cfg["seeds"]
    return (
        f"Validation loss of the overfitting setup ({neurons(cfg['hidden'])}, {cfg['n_train']} students, "
        f"{training_setup(cfg)}, {cfg['epochs']} epochs; L2 weight decay in the gradient, biases not decayed) against "
        f"the weight decay (small marks: {seeds} seeds, lines: their mean, stars: the lowest mean). Without early "
        f"stopping the loss after the last epoch falls from {result['final_val_loss'][0]:.3f} with no decay to "
        f"{without['val_loss']['mean']:.3f} at {decay_text(without['decay'])}; with early stopping (each run's best "
        f"epoch) it is {result['min_val_loss'][0]:.3f} with no decay and {with_stopping['val_loss']['mean']:.3f} at "
        f"{decay_text(with_stopping['decay'])}. From {decay_text(decays[-3])} up both rise: at "
        f"{decay_text(decays[-1])}, {result['final_val_loss'][-1]:.3f} and {result['min_val_loss'][-1]:.3f}. "
        f"Every run here trains on the same draw of students; on other draws early stopping left more for the "
        f"decay to add (see the text)."
    )


def alt_weight_decay(result: dict) -> str:
    decays = result["decays"]
    without, with_stopping = result["best_without_early_stopping"], result["best_with_early_stopping"]
    return (
        f"Line chart of validation loss against weight decay from 0 to {decay_text(decays[-1])} on a log axis. The "
        f"loss without early stopping starts high, {result['final_val_loss'][0]:.2f} with no decay, falls to "
        f"{without['val_loss']['mean']:.3f} at a decay of {decay_text(without['decay'])} and rises again to "
        f"{result['final_val_loss'][-1]:.2f}. The loss with early stopping is nearly flat on this draw of students, "
        f"{result['min_val_loss'][0]:.3f} with no decay and lowest, {with_stopping['val_loss']['mean']:.3f}, at "
        f"{decay_text(with_stopping['decay'])}, then rises to {result['min_val_loss'][-1]:.2f} at the largest decay."
    )


def draw_weight_decay_boundaries(axes: list[Axes], result: dict) -> list:
    boundaries, points = result["boundaries"], result["train_points"]
    studied, slept = np.asarray(boundaries["studied"]), np.asarray(boundaries["slept"])
    artists = []
    for ax, decay, grid, agreement in zip(axes, boundaries["decays"], boundaries["probability"],
                                          boundaries["rule_agreement"]):
        artists += draw_boundary_map(ax, studied, slept, np.asarray(grid), points)
        ax.set_title(f"weight decay {decay_text(decay)}" + (" (none)" if decay == 0 else ""))
    for ax in axes[1:]:
        ax.set_ylabel("")
    return artists


def _boundary_rows(result: dict) -> list[tuple[float, float, int, list]]:
    """(decay, seed 0's agreement, seed 0's training errors, [lowest, highest] over seeds)."""
    boundaries = result["boundaries"]
    return [(decay, agreement, errors, boundaries["rule_agreement_range"][result["decays"].index(decay)])
            for decay, agreement, errors in zip(boundaries["decays"], boundaries["rule_agreement"],
                                                boundaries["train_errors"])]


def caption_weight_decay_boundaries(result: dict) -> str:
    cfg = result["config"]
    listed = "; ".join(f"decay {decay_text(d)}: {a:.0%} of the map ({low:.0%} to {high:.0%} over the seeds), "
                       f"{e} training student{'' if e == 1 else 's'} wrong"
                       for d, a, e, (low, high) in _boundary_rows(result))
    return (
        f"What the {cfg['hidden']}-neuron network (seed 0) learned from the same {cfg['n_train']} training students "
        f"after all {cfg['epochs']} epochs, at three weight decays (blue circles passed, orange crosses failed; colour: "
        f"the predicted chance of passing). Solid line: the network's 50 % border; dashed: the true rule's. Where the "
        f"two borders agree about which side a point is on, and training errors: {listed}."
    )


def alt_weight_decay_boundaries(result: dict) -> str:
    rows = _boundary_rows(result)
    return (
        f"{len(rows)} maps of hours studied against hours slept, coloured by predicted pass probability, with the "
        f"training students on top. "
        + " ".join(f"Weight decay {decay_text(d)}: the border agrees with the true rule's on {a:.0%} of the map."
                   for d, a, _, _ in rows)
        + " Without decay the border wraps around single students; with a moderate decay it is smooth and close to "
        "the true border; with a large decay it is smooth but cuts off part of the passing region."
    )


# --- The best decay at several learning rates ---------------------------------------------------


def draw_decay_and_rate(axes: list[Axes], result: dict) -> list:
    decays = result["decays"]
    x = decay_positions(decays)
    artists = []
    for ax, curve, key, title in ((axes[0], "final_val_loss", "best_without_early_stopping", "Without early stopping"),
                                  (axes[1], "min_val_loss", "best_with_early_stopping", "With early stopping")):
        for (colour, marker), rate in zip(RATE_STYLES, result["rates"]):
            xs, ys = finite_points(x, rate[curve])
            artists += ax.plot(xs, ys, marker=marker, markersize=4.5, color=colour,
                               label=f"learning rate {lr_text(rate['learning_rate'])}")
            best = rate[key]["index"]
            artists.append(ax.scatter([x[best]], [rate[curve][best]], marker="*", s=160, color=colour,
                                      edgecolors=INK, linewidths=0.6, zorder=5))
        set_decay_axis(ax, decays)
        ax.set_title(title)
        # each panel its own y range: with early stopping the differences are a few hundredths
        shown = [v for rate in result["rates"] for v in rate[curve] if v is not None]
        ax.set_ylim(min(shown) - 0.02, min(0.9, max(shown)) + 0.02)
    axes[1].set_title("With early stopping (note the y axis)")
    axes[0].set_ylabel(f"mean {VAL_LOSS_LABEL}")
    axes[0].legend(loc="upper right", fontsize=8)
    return artists


def caption_decay_and_rate(result: dict) -> str:
    cfg = result["config"]
    parts = "; ".join(
        f"learning rate {lr_text(rate['learning_rate'])}: "
        f"{decay_text(rate['best_without_early_stopping']['decay'])} without, "
        f"{decay_text(rate['best_with_early_stopping']['decay'])} with"
        for rate in result["rates"])
    return (
        f"The weight-decay sweep of the figure above at {len(result['learning_rates'])} learning rates (momentum "
        f"{cfg['momentum']:g}; means of {cfg['seeds']} seeds; stars: the lowest mean of each line). Left: after all "
        f"{cfg['epochs']} epochs; right: at each run's best epoch. The best decay, without and with early stopping: "
        f"{parts}."
    )


def alt_decay_and_rate(result: dict) -> str:
    rates = result["rates"]
    parts = " ".join(
        f"At learning rate {lr_text(rate['learning_rate'])} the loss without early stopping goes from "
        f"{rate['final_val_loss'][0]:.3f} with no decay to its lowest, "
        f"{rate['best_without_early_stopping']['val_loss']['mean']:.3f}, at "
        f"{decay_text(rate['best_without_early_stopping']['decay'])}; with early stopping from "
        f"{rate['min_val_loss'][0]:.3f} to {rate['best_with_early_stopping']['val_loss']['mean']:.3f} at "
        f"{decay_text(rate['best_with_early_stopping']['decay'])}."
        for rate in rates)
    return ("Two line charts of validation loss against weight decay on a log axis, one line per learning rate. "
            + parts)


FIGURES: list[FigureSpec] = [
    FigureSpec("adam_vs_sgd", "adam_vs_sgd", draw_adam_vs_sgd, caption_adam_vs_sgd, alt_adam_vs_sgd, panels=2,
               size=(11.0, 4.0)),
    FigureSpec("weight_decay", "weight_decay", draw_weight_decay, caption_weight_decay, alt_weight_decay,
               size=(6.8, 3.9)),
    FigureSpec("weight_decay_boundaries", "weight_decay", draw_weight_decay_boundaries,
               caption_weight_decay_boundaries, alt_weight_decay_boundaries, panels=3, size=(11.0, 3.5)),
    FigureSpec("decay_and_rate", "decay_and_rate", draw_decay_and_rate, caption_decay_and_rate, alt_decay_and_rate,
               panels=2, size=(11.0, 3.8)),
]
