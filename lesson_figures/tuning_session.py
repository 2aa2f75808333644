"""Figures of docs/tuning-session.md: the first checks, the range test with the search ranges,
the two search rounds, and the seed re-runs with the one look at the test set."""

from __future__ import annotations

from matplotlib.axes import Axes

from lesson_figures.common import (
    LOSS_LABEL, MARK_COLOUR, TRAIN_COLOUR, VAL_COLOUR, VAL_LOSS_LABEL, DIVERGED_COLOUR, finite_points,
    lr_text, percent,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, PALETTE

TEST_COLOUR = PALETTE[2]


def _config_label(config: dict) -> str:
    """'η 0.47, 17 neurons': one configuration of the search."""
    return f"η {config['learning_rate']:.2g}, {config['hidden']} neurons"


def draw_session_checks(axes: list[Axes], result: dict) -> list:
    init_ax, overfit_ax = axes
    init, overfit = result["initial_loss"], result["overfit"]
    artists = []
    for x, values in ((0, init["measured"]), (1, init["bias_set"])):
        jitter = [x + 0.3 * ((i * 0.618034) % 1.0 - 0.5) for i in range(len(values))]  # spread, deterministic
        artists.append(init_ax.scatter(jitter, values, s=14, color=PALETTE[0], alpha=0.6, edgecolors="none", zorder=3))
        artists += init_ax.plot([x - 0.2, x + 0.2], [sum(values) / len(values)] * 2, color=INK, linewidth=2)
    artists.append(init_ax.axhline(init["half_half"], color=PALETTE[1], linestyle="--",
                                   label=f"ln 2 = {init['half_half']:.3f} (predict 50 %)"))
    artists.append(init_ax.axhline(init["expected"], color=MARK_COLOUR, linewidth=2,
                                   label=f"H(p) = {init['expected']:.3f} (predict p = {percent(init['pass_rate'])})"))
    init_ax.set_xticks([0, 1], ["as initialised", "output bias\nset to ln(p/(1−p))"])
    init_ax.set_xlim(-0.6, 1.6)
    init_ax.set_ylabel("training " + LOSS_LABEL + "\nbefore any update")
    init_ax.set_title(f"Loss before training, {len(init['measured'])} seeds (black line: mean)")
    init_ax.legend(loc="upper right", fontsize=8)

    epochs = list(range(len(overfit["train_loss"])))
    xs, ys = finite_points(epochs, overfit["train_loss"])
    artists += overfit_ax.plot(xs, ys, color=TRAIN_COLOUR, linewidth=2, label=f"training loss ({overfit['students']} students)")
    xs, ys = finite_points(epochs, overfit["val_loss"])
    artists += overfit_ax.plot(xs, ys, color=VAL_COLOUR, linewidth=1.5, linestyle="--", label="validation loss (200 students)")
    overfit_ax.set_yscale("log")
    overfit_ax.set_xlabel("epoch (one full-batch update each)")
    overfit_ax.set_ylabel(LOSS_LABEL + " (log scale)")
    overfit_ax.set_title(f"Overfit {overfit['students']} students on purpose")
    overfit_ax.legend(loc="lower left", fontsize=8)
    return artists


def caption_session_checks(result: dict) -> str:
    init, overfit = result["initial_loss"], result["overfit"]
    return (
        f"Left: the training loss of {len(init['measured'])} freshly initialised networks (8 hidden neurons, seeds 0 to "
        f"{len(init['measured']) - 1}) averages {init['mean']:.3f} (from {init['min']:.3f} to {init['max']:.3f}), against "
        f"ln 2 = {init['half_half']:.3f} for predicting 50 % for everyone; with the output bias set to the log-odds of the "
        f"pass rate p = {percent(init['pass_rate'])} it averages {init['bias_set_mean']:.3f}, against "
        f"H(p) = {init['expected']:.3f} for predicting p for everyone: {init['bias_set_excess']:.3f} above it, about as "
        f"far as the networks without it are above ln 2 ({init['scatter_excess']:.3f}), the scatter of the random weights. "
        f"Right: a network with {overfit['hidden']} hidden neurons trained on {overfit['students']} students only "
        f"(learning rate {lr_text(overfit['learning_rate'])}, momentum {overfit['momentum']:g}) drives their loss from "
        f"{overfit['initial_train_loss']:.2f} to {overfit['final_train_loss']:.4f} in {overfit['epochs']} epochs and gets "
        f"{percent(overfit['final_train_acc'])} of them right; the validation loss never gets below {overfit['min_val_loss']:.2f}."
    )


def alt_session_checks(result: dict) -> str:
    init, overfit = result["initial_loss"], result["overfit"]
    return (
        f"Left: dot plot of the initial training loss of {len(init['measured'])} networks, spread from {init['min']:.2f} to "
        f"{init['max']:.2f} with mean {init['mean']:.2f}, between reference lines at {init['expected']:.2f} (the pass rate's "
        f"entropy) and {init['half_half']:.2f} (ln 2); with the output bias set to the pass rate's log-odds the mean is "
        f"{init['bias_set_mean']:.2f}. Right: on a log axis, the training loss on {overfit['students']} students falls from "
        f"{overfit['initial_train_loss']:.2f} to {overfit['final_train_loss']:.4f} over {overfit['epochs']} epochs while the "
        f"validation loss bottoms out at {overfit['min_val_loss']:.2f} and ends at {overfit['final_val_loss']:.2f}."
    )


def draw_session_range(axes: list[Axes], result: dict) -> list:
    ax = axes[0]
    test, first, second = result["range_test"], result["rounds"][0], result["rounds"][1]
    artists = []
    xs, ys = finite_points(test["learning_rates"], test["smoothed_loss"])
    artists += ax.plot(xs, ys, color=PALETTE[0], linewidth=2, label="range test (smoothed mini-batch loss)")
    artists.append(ax.axvspan(first["lr_low"], first["lr_high"], color=PALETTE[5], alpha=0.15,
                              label=f"round 1: η {first['lr_low']:.2g} to {first['lr_high']:.2g}"))
    artists.append(ax.axvspan(second["lr_low"], second["lr_high"], color=MARK_COLOUR, alpha=0.35,
                              label=f"round 2: η {second['lr_low']:.2g} to {second['lr_high']:.2g}"))
    if test["blow_up_learning_rate"] is not None:
        artists.append(ax.axvline(test["blow_up_learning_rate"], color=DIVERGED_COLOUR, linestyle=":", linewidth=1.5,
                                  label=f"loss blows up: η ≈ {test['blow_up_learning_rate']:.2g}"))
    ax.set_xscale("log")
    ax.set_ylim(0, 2.5 * ys[0])
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("training " + LOSS_LABEL)
    ax.set_title("The range test sets the search range")
    ax.legend(loc="upper left", fontsize=8)
    return artists


def caption_session_range(result: dict) -> str:
    test, first, second = result["range_test"], result["rounds"][0], result["rounds"][1]
    return (
        f"One network trained while the learning rate grows by the same factor after every mini-batch (fastai's form of "
        f"Smith's range test). Its smoothed loss is lowest at η ≈ {test['min_learning_rate']:.2g} and blows up from "
        f"η ≈ {test['blow_up_learning_rate']:.2g}. Round 1 searched the {first['lr_high'] / first['lr_low']:.0f}-fold range "
        f"below the lowest point, η = {first['lr_low']:.2g} to {first['lr_high']:.2g}; round 2 the range around round 1's best, "
        f"η = {second['lr_low']:.2g} to {second['lr_high']:.2g}."
    )


def alt_session_range(result: dict) -> str:
    test, first, second = result["range_test"], result["rounds"][0], result["rounds"][1]
    return (
        f"Line chart of the range test's smoothed training loss against a learning rate on a log axis, lowest at "
        f"{test['min_learning_rate']:.2g} and rising steeply past {test['blow_up_learning_rate']:.2g}. A light band marks round 1's "
        f"search range from {first['lr_low']:.2g} to {first['lr_high']:.2g}; a darker, narrower band inside it marks round 2's, "
        f"from {second['lr_low']:.2g} to {second['lr_high']:.2g}."
    )


def _draw_round(ax: Axes, search_round: dict, best_overall: dict, top: float, zoomed: bool, tolerance: float) -> list:
    trials = [t for t in search_round["trials"] if t["val_loss"] is not None]
    artists = [ax.scatter([t["learning_rate"] for t in trials], [t["val_loss"] for t in trials],
                          s=[6 + 2 * t["hidden"] for t in trials], color=PALETTE[0], alpha=0.75, edgecolors="white",
                          label=f"{len(search_round['trials'])} trials (size: hidden neurons)", zorder=3)]
    best = search_round["best"]
    artists.append(ax.scatter([best["learning_rate"]], [best["val_loss"]], s=150, marker="*", color=MARK_COLOUR,
                              edgecolors=INK, linewidths=0.6, zorder=4,
                              label=f"best: {_config_label(best)}, {best['val_loss']:.3f}"))
    artists.append(ax.axhline(best_overall["val_loss"] + tolerance, color=INK, linestyle=":", linewidth=1,
                              label=f"{tolerance:g} above the best of both rounds"))
    ax.set_xscale("log")
    ax.set_ylim(0.95 * best_overall["val_loss"], top)
    if zoomed:
        low, high = search_round["lr_low"] / 1.3, search_round["lr_high"] * 1.3
        ax.set_xlim(low, high)
        ticks = [v for v in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5) if low <= v <= high]
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
        ax.minorticks_off()
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel(VAL_LOSS_LABEL + "\nat the epoch early stopping kept")
    ax.set_title(f"Round {search_round['round']}: η {search_round['lr_low']:.2g} to {search_round['lr_high']:.2g}, "
                 f"{search_round['width_low']} to {search_round['width_high']} neurons" + (" (zoomed in)" if zoomed else ""),
                 fontsize=10)
    ax.legend(loc="upper center", fontsize=8)
    return artists


def draw_session_search(axes: list[Axes], result: dict) -> list:
    artists = []
    for ax, search_round in zip(axes, result["rounds"]):
        scores = [t["val_loss"] for t in search_round["trials"] if t["val_loss"] is not None]
        top = max(scores) + 0.6 * (max(scores) - result["search_best"]["val_loss"])  # room for the legend
        artists += _draw_round(ax, search_round, result["search_best"], top, zoomed=search_round["round"] > 1,
                               tolerance=result["narrowing"]["within_tolerance"])
    second = result["rounds"][1]
    artists.append(axes[0].axvspan(second["lr_low"], second["lr_high"], color=MARK_COLOUR, alpha=0.15, zorder=1))
    return artists


def caption_session_search(result: dict) -> str:
    first, second = result["rounds"]
    within = result["narrowing"]["within"]
    return (
        f"Each dot is one training run with early stopping (at most {result['config']['epochs']} epochs, patience "
        f"{result['config']['patience']}), plotted at the validation loss of the epoch it kept. Round 1's best, "
        f"{_config_label(first['best'])}, scored {first['best']['val_loss']:.3f}; the shaded band is the range round 2 "
        f"searched. Round 2's best scored {second['best']['val_loss']:.3f}. Trials within {result['narrowing']['within_tolerance']:g} of the best of both "
        f"rounds: {percent(within[0])} in round 1, {percent(within[1])} in round 2."
    )


def alt_session_search(result: dict) -> str:
    first, second = result["rounds"]
    return (
        f"Two scatter plots of validation loss against learning rate on a log axis. Round 1: {len(first['trials'])} trials "
        f"from {first['lr_low']:.2g} to {first['lr_high']:.2g}; learning rates below about "
        f"{result['slow']['threshold']:.1g} end high, up to "
        f"{max(t['val_loss'] for t in first['trials'] if t['val_loss'] is not None):.2f}, and the best, "
        f"{first['best']['val_loss']:.3f}, is at {first['best']['learning_rate']:.2g}. Round 2: {len(second['trials'])} trials "
        f"from {second['lr_low']:.2g} to {second['lr_high']:.2g}, median {second['median_val_loss']:.3f}, best "
        f"{second['best']['val_loss']:.3f} at {second['best']['learning_rate']:.2g}; the right panel is zoomed in on both axes."
    )


def draw_session_seeds(axes: list[Axes], result: dict) -> list:
    seeds_ax, final_ax = axes
    final = result["final"]
    artists = []
    for x, config in enumerate(result["reruns"]):
        chosen = config["learning_rate"] == final["learning_rate"] and config["hidden"] == final["hidden"]
        colour = MARK_COLOUR if chosen else PALETTE[0]
        kept = [v for v in config["val_loss"] if v is not None]
        artists.append(seeds_ax.scatter([x] * len(kept), kept, s=30, color=colour, edgecolors="white", zorder=3,
                                        label="re-run, one seed" if x == 0 else None))
        artists += seeds_ax.plot([x - 0.25, x + 0.25], [config["mean"]] * 2, color=INK, linewidth=2,
                                 label="mean of the re-runs" if x == 0 else None)
        artists.append(seeds_ax.scatter([x], [config["search_val_loss"]], s=90, marker="*", color=PALETTE[1],
                                        edgecolors=INK, linewidths=0.5, zorder=4,
                                        label="its score in the search" if x == 0 else None))
    labels = [f"η {c['learning_rate']:.2g}\n{c['hidden']} neurons" + ("\n(final)" if c["learning_rate"] == final["learning_rate"]
                                                                      and c["hidden"] == final["hidden"] else "")
              for c in result["reruns"]]
    seeds_ax.set_xticks(range(len(labels)), labels, fontsize=8)
    seeds_ax.set_xlim(-0.6, len(labels) - 0.4)
    low, high = seeds_ax.get_ylim()
    seeds_ax.set_ylim(low, high + 0.35 * (high - low))  # room for the legend above the dots
    seeds_ax.set_ylabel(VAL_LOSS_LABEL)
    seeds_ax.set_title(f"The top {len(labels)}, each re-run with {len(result['reruns'][0]['val_loss'])} new seeds", fontsize=10)
    seeds_ax.legend(loc="upper center", fontsize=8, ncols=2)

    names = ["validation:\nin the search", "validation:\nre-runs (mean)", "test:\nre-runs (mean)"]
    values = [final["search_val_loss"], final["rerun_mean_val_loss"], final["test_loss"]]
    bars = final_ax.bar(names, values, color=[PALETTE[1], PALETTE[0], TEST_COLOUR])
    artists.append(bars)
    artists.append(final_ax.errorbar([2], [final["test_loss"]], yerr=[final["test_standard_error"]], color=INK, capsize=6,
                                     linewidth=1.5))
    for bar, value in zip(bars, values):
        artists.append(final_ax.annotate(f"{value:.3f}", (bar.get_x() + 0.05, value), xytext=(0, 3),
                                         textcoords="offset points", ha="left"))
    final_ax.set_ylim(0, (final["test_loss"] + final["test_standard_error"]) * 1.15)
    final_ax.set_ylabel("loss (cross-entropy)")
    final_ax.set_title(f"Final choice: {_config_label(final)}", fontsize=10)
    return artists


def caption_session_seeds(result: dict) -> str:
    final, reruns = result["final"], result["reruns"]
    curse, curse_sessions = result["replication"]["curse"], result["replication"]["sessions"]
    below = sum(c["search_val_loss"] < c["mean"] for c in reruns)
    return (
        f"Left: the {len(reruns)} best configurations of the search, each trained again with "
        f"{len(reruns[0]['val_loss'])} seeds the search never used; for {below} of the {len(reruns)}, the score in the search "
        f"(star) is below the mean of the re-runs (black line). Right: the configuration with the lowest mean, {_config_label(final)}: "
        f"{final['search_val_loss']:.3f} in the search, {final['rerun_mean_val_loss']:.3f} on average when re-run, and "
        f"{final['test_loss']:.3f} on the test set, looked at once (error bar: ± one standard error, "
        f"{final['test_standard_error']:.3f}, of a score over {final['test_students']} students). In "
        f"{curse_sessions} sessions with different random draws, this one included, {curse['optimistic']} of the "
        f"{curse['configs']} top configurations scored better in the search than the mean of their re-runs."
    )


def alt_session_seeds(result: dict) -> str:
    final = result["final"]
    parts = "; ".join(f"{_config_label(c)}: search {c['search_val_loss']:.3f}, re-runs {c['min']:.3f} to {c['max']:.3f}, "
                      f"mean {c['mean']:.3f}" for c in result["reruns"])
    return (
        f"Left: dot plot of validation loss for the top three configurations' re-runs. {parts}. Right: bar chart for the "
        f"final choice: validation loss {final['search_val_loss']:.3f} in the search, {final['rerun_mean_val_loss']:.3f} "
        f"re-run, test loss {final['test_loss']:.3f} plus or minus {final['test_standard_error']:.3f}."
    )


FIGURES: list[FigureSpec] = [
    FigureSpec("session_checks", "tuning_session", draw_session_checks, caption_session_checks, alt_session_checks,
               panels=2, size=(10.0, 3.8)),
    FigureSpec("session_range", "tuning_session", draw_session_range, caption_session_range, alt_session_range,
               size=(7.0, 3.6)),
    FigureSpec("session_search", "tuning_session", draw_session_search, caption_session_search, alt_session_search,
               panels=2, size=(10.0, 4.0)),
    FigureSpec("session_seeds", "tuning_session", draw_session_seeds, caption_session_seeds, alt_session_seeds,
               panels=2, size=(10.0, 4.0)),
]
