"""Figures of docs/search-strategies.md: grid vs random search, successive halving."""

from __future__ import annotations

from matplotlib.axes import Axes

from site_src.figures.common import (
    MARK_COLOUR, VAL_LOSS_LABEL, lr_text, neurons, percent, finite_points,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, PALETTE


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


FIGURES: list[FigureSpec] = [
    FigureSpec("grid_vs_random", "grid_vs_random", draw_grid_vs_random, caption_grid_vs_random, alt_grid_vs_random,
               panels=2, size=(10.0, 3.9)),
    FigureSpec("successive_halving", "successive_halving", draw_successive_halving, caption_successive_halving,
               alt_successive_halving, panels=2, size=(10.0, 3.8)),
]
