"""Figures of docs/optimizers.md's momentum and schedule sections: the learning rate x momentum
grid, and constant vs warm-up + cosine learning rates."""

from __future__ import annotations

from matplotlib.axes import Axes

from lesson_figures.common import VAL_LOSS_LABEL, finite_points, lr_text
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, PALETTE

MARKERS = ("o", "s", "^", "D", "v", "P")


def _momentum_label(momentum: float) -> str:
    return "no momentum (β = 0)" if momentum == 0 else f"β = {momentum:g}"


def momentum_chart_top(result: dict) -> float:
    """Top of the momentum charts: a little above the untrained loss (the smallest rates), so
    that a run ending far worse than it started does not squash the rest (it is drawn as ^)."""
    return 1.25 * max(row[0] for row in result["val_loss"] if row[0] is not None)


def cross_heights(result: dict, top: float) -> list[float]:
    """The height of each momentum's first-divergence cross: staggered downwards from just under
    the top, so that crosses at the same learning rate (or effective step) stay apart."""
    return [top * (0.96 - 0.07 * index) for index in range(len(result["momenta"]))]


def draw_momentum(axes: list[Axes], result: dict) -> list:
    """Left: loss against η, one line per momentum; right: the same against η / (1 − β). Each
    momentum's first divergence is a cross in its own colour, at its own height, labelled with
    how many seeds diverged there."""
    by_rate, by_step = axes
    artists = []
    top = momentum_chart_top(result)
    heights = cross_heights(result, top)
    seeds = result["config"]["seeds"]
    for index, momentum in enumerate(result["momenta"]):
        colour, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
        label = _momentum_label(momentum)
        first = result["smallest_diverging_learning_rate"][index]
        for ax, xs_all in ((by_rate, result["learning_rates"]), (by_step, result["effective_step"][index])):
            xs, ys = finite_points(xs_all, result["val_loss"][index])
            artists += ax.plot(xs, ys, color=colour, marker=marker, markersize=4, label=label)
            off_chart = [x for x, y in zip(xs, ys) if y > top]
            artists.append(ax.scatter(off_chart, [top] * len(off_chart), marker="^", s=45, color=colour,
                                      clip_on=False, zorder=4))
            if first is None:
                continue
            x = xs_all[result["learning_rates"].index(first)]
            artists.append(ax.scatter([x], [heights[index]], marker="x", s=44, linewidths=2.0, color=colour,
                                      zorder=5, clip_on=False, label="_diverged"))
            artists.append(ax.annotate(f"{result['first_diverging_seeds'][index]}/{seeds}", (x, heights[index]),
                                       xytext=(5, -3), textcoords="offset points", fontsize=7, color=INK))
    for ax, xlabel in ((by_rate, "learning rate η (log scale)"),
                       (by_step, "effective step η / (1 − β) (log scale)")):
        ax.set_xscale("log")
        ax.set_ylim(0, top)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("final " + VAL_LOSS_LABEL)
    by_rate.set_title("Against the learning rate")
    by_step.set_title("Against the effective step")
    # One legend entry for the crosses, in ink: each cross itself takes its momentum's colour.
    artists.append(by_step.scatter([], [], marker="x", s=44, linewidths=2.0, color=INK,
                                   label="first rate where a seed diverged\n(k/n: how many seeds did)"))
    by_step.legend(loc="lower left", fontsize=7.5)
    return artists


def _first_divergences(result: dict) -> str:
    """'β = 0: η = 10 (1 of 10 seeds), ...': each momentum's first divergence."""
    seeds = result["config"]["seeds"]
    return ", ".join(f"β = {m:g}: η = {lr_text(lr)} ({k} of {seeds} seeds)" for m, lr, k in
                     zip(result["momenta"], result["smallest_diverging_learning_rate"],
                         result["first_diverging_seeds"]) if lr is not None)


def caption_momentum(result: dict) -> str:
    cfg = result["config"]
    return (
        f"Validation loss after {cfg['epochs']} epochs (batch size {cfg['batch_size']}, mean of {cfg['seeds']} seeds) "
        f"for every pair of learning rate and momentum β. A cross in each β's colour marks the smallest learning rate "
        f"at which a seed diverged, labelled with how many seeds did ({_first_divergences(result)}); the crosses sit at "
        f"different heights so that those at the same rate stay apart, and the line stops before its cross. A triangle "
        f"at the top marks a run that did not diverge but ended above {momentum_chart_top(result):.2f}, off the chart. "
        f"On the right the same results are plotted against η / (1 − β): {_coincide_text(result)}"
    )


def _coincide_text(result: dict) -> str:
    """Where the curves coincide on the right (the matched pair) and where they do not."""
    matched = result["matched"]
    text = ""
    if matched is not None:
        text = (f"β = 0 and β = {matched['momentum']:g} nearly coincide up to an effective step of "
                f"{matched['effective_steps'][-1]:.2g} (their means differ by at most {matched['largest_gap']:.3f}; "
                f"single seeds by up to {matched['largest_seed_gap']:.2f}), but the curves separate near the "
                f"divergence edge. ")
    spread = result["first_divergence_spread"]
    if spread is not None:
        text += (f"The first divergences lie {spread['learning_rate']:.3g} times apart in learning rate, "
                 f"{spread['effective_step']:.2g} times apart in effective step.")
    return text


def alt_momentum(result: dict) -> str:
    rows = "; ".join(
        f"β = {m:g}: best at η = {lr_text(lr)} (effective step {step:.2g}, loss {loss:.3f}), first divergence at "
        + ("none" if d is None else f"η = {lr_text(d)} (effective step {ds:.2g}, {k} of {result['config']['seeds']} seeds)")
        for m, lr, step, loss, d, ds, k in zip(result["momenta"], result["best_learning_rate"],
                                               result["best_effective_step"], result["best_val_loss"],
                                               result["smallest_diverging_learning_rate"],
                                               result["smallest_diverging_effective_step"],
                                               result["first_diverging_seeds"]))
    return ("Two line charts of final validation loss, one line per momentum value; left against the learning "
            "rate, where the lines are shifted from one another, right against the effective step, where the "
            f"lines lie nearly on top of one another until close to where they break off. {rows}.")


def draw_lr_schedule(axes: list[Axes], result: dict) -> list:
    """Left: each schedule's learning rate per epoch at one peak rate; middle: the validation
    loss per epoch there; right: final validation loss against the peak rate, seeds as dots."""
    rates_ax, curves_ax, peaks_ax = axes
    cfg = result["config"]
    artists = []
    for index, name in enumerate(result["schedules"]):
        colour, marker = PALETTE[index], MARKERS[index]
        rates = [cfg["curves_learning_rate"] * f for f in result["learning_rate_factor"][index]]
        artists += rates_ax.plot(result["epochs"][1:], rates, color=colour, label=name)
        epochs, loss = finite_points(result["epochs"], result["curves"][index]["val_loss"])
        artists += curves_ax.plot(epochs, loss, color=colour, label=name)
        peaks = result["peak_learning_rates"]
        for lr, seeds in zip(peaks, result["final_val_loss_per_seed"][index]):
            kept = [v for v in seeds if v is not None]
            artists.append(peaks_ax.scatter([lr] * len(kept), kept, s=10, color=colour, alpha=0.5, zorder=2,
                                            rasterized=True))  # 80 seeds a dot: a picture keeps the SVG light
        xs, ys = finite_points(peaks, result["final_val_loss"][index])
        artists += peaks_ax.plot(xs, ys, color=colour, marker=marker, markersize=5, label=name)
    peak = lr_text(cfg["curves_learning_rate"])
    rates_ax.set_xlabel("epoch")
    rates_ax.set_ylabel("learning rate η that epoch")
    rates_ax.set_ylim(bottom=0)
    rates_ax.set_title(f"The two schedules, peak η = {peak}")
    rates_ax.legend(loc="lower left", fontsize=8)
    curves_ax.set_xlabel("epoch")
    curves_ax.set_ylabel(VAL_LOSS_LABEL)
    curves_ax.set_ylim(bottom=0)
    curves_ax.set_title(f"Validation loss, peak η = {peak}")
    peaks_ax.set_xscale("log")
    peaks_ax.set_ylim(bottom=0)
    peaks_ax.set_xlabel("peak learning rate η (log scale)")
    peaks_ax.set_ylabel("final " + VAL_LOSS_LABEL)
    peaks_ax.set_title("Final loss against the peak rate")
    peaks_ax.legend(loc="upper center", fontsize=8)
    return artists


def caption_lr_schedule(result: dict) -> str:
    cfg = result["config"]
    constant, cosine = result["schedules"]
    return (
        f"{constant.capitalize()} learning rate against a {cfg['warmup_epochs']}-epoch linear warm-up followed by "
        f"cosine decay to nearly zero ({result['learning_rate_factor'][1][-1]:.4f} of the peak in the last epoch), both for {cfg['epochs']} epochs (batch size {cfg['batch_size']}, no momentum, "
        f"{cfg['seeds']} seeds). Left: the learning rate of each epoch at peak η = {lr_text(cfg['curves_learning_rate'])}; "
        f"middle: the mean validation loss per epoch there. Right: final validation loss for each peak rate (small dots: "
        f"seeds, line: their mean). Best means: {constant} {result['best_final_val_loss'][0]:.3f} at "
        f"η = {lr_text(result['best_peak_learning_rate'][0])}, {cosine} {result['best_final_val_loss'][1]:.3f} at "
        f"η = {lr_text(result['best_peak_learning_rate'][1])}."
    )


def alt_lr_schedule(result: dict) -> str:
    parts = []
    for index, name in enumerate(result["schedules"]):
        values = ", ".join(f"{v:.3f} at η = {lr_text(lr)}" for lr, v in
                           zip(result["peak_learning_rates"], result["final_val_loss"][index]) if v is not None)
        parts.append(f"{name}: {values}")
    return ("Three charts. Left, the learning rate per epoch: constant, or rising for a few epochs then falling "
            f"along a half cosine to {result['learning_rate_factor'][1][-1]:.4f} of the peak. Middle, validation loss per epoch for the two schedules at that peak "
            "rate: the constant rate keeps bouncing, the decayed one settles as its rate falls. Right, final validation loss "
            "against the peak learning rate. " + "; ".join(parts) + ".")


FIGURES: list[FigureSpec] = [
    FigureSpec("momentum", "momentum", draw_momentum, caption_momentum, alt_momentum, panels=2, size=(10.0, 3.8)),
    FigureSpec("lr_schedule", "lr_schedule", draw_lr_schedule, caption_lr_schedule, alt_lr_schedule, panels=3,
               size=(11.0, 3.6)),
]
