"""Figures of docs/search-strategies.md: grid vs random search, successive halving."""

from __future__ import annotations

from matplotlib.axes import Axes

from lesson_figures.common import MARK_COLOUR, VAL_LOSS_LABEL, finite_points, lr_text, percent
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, PALETTE

GRID_COLOUR, RANDOM_COLOUR = PALETTE[1], PALETTE[0]
GOOD_SHADE = "#d9efe7"


def _trials(result: dict, name: str) -> list[tuple[dict, float]]:
    """(point, score) of every finite trial of one strategy, over all repeats."""
    return [(p, s) for r in result["repeats"] for p, s in zip(r[name]["points"], r[name]["scores"])
            if s is not None]


def _shade_good_band(ax: Axes, result: dict) -> list:
    band = result["good_band"]
    return [ax.axvspan(band[0], band[1], color=GOOD_SHADE, zorder=0, label="good learning rates")] if band else []


def _pair_axes(ax: Axes, low: float, top: float) -> None:
    """Both axes log-scaled over the same range, so the diagonal is a tie."""
    for set_scale, set_lim in ((ax.set_xscale, ax.set_xlim), (ax.set_yscale, ax.set_ylim)):
        set_scale("log")
        set_lim(low, top)
    ticks = [t for t in (0.1, 0.12, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7) if low <= t <= top]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()


def draw_search_space(axes: list[Axes], result: dict) -> list:
    space_ax, lr_ax, width_ax = axes
    cfg, repeat = result["config"], result["repeats"][0]
    artists = _shade_good_band(space_ax, result)
    for name, colour, marker in (("grid", GRID_COLOUR, "s"), ("random", RANDOM_COLOUR, "o")):
        points = repeat[name]["points"]
        xs, ys = [p["learning_rate"] for p in points], [p["hidden"] for p in points]
        artists.append(space_ax.scatter(xs, ys, marker=marker, s=50, color=colour, edgecolors=INK,
                                        linewidths=0.5, zorder=3, label=f"{name} ({len(points)} runs)"))
        # Projections onto each axis (Bergstra & Bengio 2012, figure 1): the distinct values tried.
        offset = 0.0 if name == "grid" else 0.1
        artists.append(space_ax.scatter(xs, [cfg["width_low"] * (0.74 + offset)] * len(xs), marker="|", s=120,
                                        color=colour, linewidths=2, clip_on=False))
    space_ax.set_xscale("log")
    space_ax.set_yscale("log", base=2)
    ticks = [w for w in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if cfg["width_low"] <= w <= cfg["width_high"]]
    space_ax.set_yticks(ticks, [str(w) for w in ticks])
    space_ax.minorticks_off()
    space_ax.set_ylim(cfg["width_low"] * 0.68, cfg["width_high"] * 1.3)
    space_ax.set_xlabel("learning rate η (log scale)")
    space_ax.set_ylabel("hidden neurons (log scale)")
    space_ax.set_title("One repeat: the runs each strategy tried")
    space_ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.1), fontsize=8, ncols=2)

    artists += _shade_good_band(lr_ax, result)
    for name, colour, marker in (("grid", GRID_COLOUR, "s"), ("random", RANDOM_COLOUR, "o")):
        trials = _trials(result, name)
        # every trial of every repeat: hundreds of small markers, drawn as a picture to keep the
        # SVG light (the axes, labels and text stay vectors)
        # (opaque: blended colours made the pictures twice as heavy)
        artists.append(lr_ax.scatter([p["learning_rate"] for p, _ in trials], [s for _, s in trials], marker=marker,
                                     s=8, color=colour, linewidths=0, label=name, rasterized=True))
        artists.append(width_ax.scatter([p["hidden"] for p, _ in trials], [s for _, s in trials], marker=marker,
                                        s=8, color=colour, linewidths=0, label=name, rasterized=True))
    for ax in (lr_ax, width_ax):
        artists.append(ax.axhline(result["good_score"], color=MARK_COLOUR, linestyle="--", linewidth=1,
                                  label=f"good: ≤ {result['good_score']:.3f}"))
        ax.set_ylabel(VAL_LOSS_LABEL)
        ax.set_ylim(bottom=0)
    lr_ax.set_xscale("log")
    lr_ax.set_xlabel("learning rate η (log scale)")
    lr_ax.set_title("All runs against η")
    lr_ax.legend(loc="upper right", fontsize=7)
    width_ax.set_xscale("log", base=2)
    width_ax.set_xticks(ticks, [str(w) for w in ticks])
    width_ax.minorticks_off()
    width_ax.set_xlabel("hidden neurons (log scale)")
    width_ax.set_title("The same runs against width")
    return artists


def caption_search_space(result: dict) -> str:
    cfg, probe = result["config"], result["probe"]
    return (
        f"Left: one of {cfg['repeats']} repeats; a {cfg['grid_points_per_axis']} × {cfg['grid_points_per_axis']} grid "
        f"(each repeat moves the whole grid by a random fraction of its step) and {result['budget']} random runs over learning rates "
        f"{lr_text(cfg['lr_low'])} to {lr_text(cfg['lr_high'])} and {cfg['width_low']} to {cfg['width_high']} hidden "
        f"neurons, {cfg['epochs']} epochs each; the ticks under the plot are the learning rates each tried. "
        f"Middle and right: all {2 * result['budget'] * cfg['repeats']} runs of all repeats, projected onto each axis. "
        f"Shaded: the good band, fixed by a separate probe before the comparison: the learning rates at which the "
        f"probe's runs, averaged over {len(probe['widths'])} widths and {probe['seeds']} seeds, reach a good validation "
        f"loss (at most {result['good_score']:.3f}, within {cfg['good_margin']:g} of the best the probe found). In the "
        f"probe, the widths differed by at most {probe['max_width_spread_at_good']:.3f} at good learning rates (by up to "
        f"{probe['max_width_spread']:.3f} below the band), the learning rates by at least "
        f"{probe['min_lr_spread']:.3f} at any width."
    )


def alt_search_space(result: dict) -> str:
    band = result["good_band"]
    return (
        f"Three panels. Left: scatter of learning rate against hidden neurons; the grid's {result['budget']} points sit on "
        f"3 learning rates, the random points on {result['budget']} different ones; a shaded band from "
        f"{band[0]:.2g} to {band[1]:.2g} marks the good learning rates. Middle: validation loss of every run against "
        f"learning rate, high at small learning rates and falling to about {result['good_score']:.2f}, nearly only inside "
        f"the band. Right: the same runs against hidden neurons, with no trend: every width has good and bad runs."
    )


def draw_grid_vs_random(axes: list[Axes], result: dict) -> list:
    curve_ax, pair_ax = axes
    artists = []
    trials = list(range(1, result["budget"] + 1))
    for name, colour, marker in (("grid", GRID_COLOUR, "s"), ("random", RANDOM_COLOUR, "o")):
        xs, ys = finite_points(trials, result["mean_best_so_far"][name])
        artists += curve_ax.plot(xs, ys, color=colour, marker=marker, markersize=5, linewidth=2,
                                 label=f"{name} (mean of {len(result['repeats'])} repeats)")
    artists.append(curve_ax.axhline(result["good_score"], color=MARK_COLOUR, linestyle="--", linewidth=1,
                                    label="good"))
    curve_ax.set_ylim(bottom=0)
    curve_ax.set_xlabel("runs spent")
    curve_ax.set_ylabel("best " + VAL_LOSS_LABEL + "\nfound so far")
    curve_ax.legend(loc="upper right", fontsize=8)
    curve_ax.set_title("Best so far, averaged")

    pairs = [(r["grid"]["best"], r["random"]["best"]) for r in result["repeats"]
             if r["grid"]["best"] is not None and r["random"]["best"] is not None]
    artists.append(pair_ax.scatter([g for g, _ in pairs], [r for _, r in pairs], s=30, color=RANDOM_COLOUR,
                                   edgecolors=INK, linewidths=0.5, zorder=3, label="one repeat",
                                   rasterized=True))  # one marker per repeat: a picture keeps the SVG light
    top = max(max(pair) for pair in pairs) * 1.08
    low = min(min(pair) for pair in pairs) * 0.95
    artists += pair_ax.plot([low, top], [low, top], color=INK, linewidth=1, label="tie")
    for ax_line in (pair_ax.axvline, pair_ax.axhline):
        artists.append(ax_line(result["good_score"], color=MARK_COLOUR, linestyle="--", linewidth=1))
    _pair_axes(pair_ax, low, top)
    pair_ax.set_xlabel("grid's best validation loss")
    pair_ax.set_ylabel("random search's best")
    pair_ax.set_title("Each repeat")
    pair_ax.legend(loc="center right", fontsize=8)  # the upper left holds the repeats only the grid got right
    return artists


def caption_grid_vs_random(result: dict) -> str:
    cfg, interval, lower = result["config"], result["found_good_interval"], result["lower_loss"]
    return (
        f"{cfg['repeats']} repeats, {result['budget']} runs per strategy, each repeat with a freshly shifted grid. Left: "
        f"best validation loss found so far, averaged (grid {result['mean_best']['grid']:.3f}, random "
        f"{result['mean_best']['random']:.3f} after {result['budget']} runs); the grid is trained in order, smallest "
        f"learning rates first, which makes its curve start slowly: in a random order its runs would average "
        f"{result['shuffled_grid_best_so_far'][2]:.3f} after 3 runs, not {result['mean_best_so_far']['grid'][2]:.3f}. Right: each repeat's two results; the "
        f"dashed lines mark a good loss ({result['good_score']:.3f}). Random search found a good configuration in "
        f"{percent(result['found_good']['random'])} of the repeats (95 % interval {percent(interval['random']['low'])} "
        f"to {percent(interval['random']['high'])}), the grid in {percent(result['found_good']['grid'])} "
        f"({percent(interval['grid']['low'])} to {percent(interval['grid']['high'])}); the lower loss was random "
        f"search's in {lower['a_lower']} repeats, the grid's in {lower['b_lower']}."
    )


def alt_grid_vs_random(result: dict) -> str:
    return (
        f"Left: two falling curves of best validation loss against runs spent; after {result['budget']} runs the grid's "
        f"mean is {result['mean_best']['grid']:.3f} and random search's {result['mean_best']['random']:.3f}. Right: "
        f"{len(result['repeats'])} points, grid's best against random's best, scattered on both sides of the diagonal "
        f"near {result['good_score']:.2f}, and {sum(not r['grid']['good'] for r in result['repeats'])} to the right "
        f"of the dashed good line, where the grid missed the good learning rates. Random search found the lower loss "
        f"in {percent(result['random_win_fraction'])} of the repeats."
    )


def draw_successive_halving(axes: list[Axes], result: dict) -> list:
    rungs_ax, rates_ax, pair_ax = axes
    cfg, repeat = result["config"], result["repeats"][0]
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
    artists.append(rungs_ax.axhline(repeat["baseline_best"], color=INK, linestyle=":",
                                    label=f"best of {result['baseline_runs']} full runs: {repeat['baseline_best']:.3f}"))
    epochs = [rung["epochs"] for rung in repeat["rungs"]]
    rungs_ax.set_xscale("log", base=cfg["eta"])
    rungs_ax.set_xticks(epochs, [str(e) for e in epochs])
    rungs_ax.minorticks_off()
    rungs_ax.set_ylim(bottom=0)
    rungs_ax.set_xlabel("epochs trained in this round (log scale)")
    rungs_ax.set_ylabel("best " + VAL_LOSS_LABEL)
    rungs_ax.legend(loc="upper right", fontsize=8)
    rungs_ax.set_title("One repeat, round by round")

    first = [(r["points"][i]["learning_rate"], s, i in r["rungs"][0]["kept"])
             for r in result["repeats"] for i, s in zip(r["rungs"][0]["config_ids"], r["rungs"][0]["scores"])
             if s is not None]
    for kept, label, face in ((False, f"after {epochs[0]} epoch: dropped", "none"),
                              (True, f"after {epochs[0]} epoch: kept", PALETTE[0])):
        chosen = [(lr, s) for lr, s, k in first if k == kept]
        # 540 first-round runs: a picture, not 540 vector markers (keeps the SVG light)
        artists.append(rates_ax.scatter([lr for lr, _ in chosen], [s for _, s in chosen], s=14, marker="o",
                                        facecolors=face, edgecolors=PALETTE[0], linewidths=0.7, label=label,
                                        rasterized=True))
    full = [(r["points"][i]["learning_rate"], s) for r in result["repeats"]
            for i, s in enumerate(r["baseline_scores"]) if s is not None]
    artists.append(rates_ax.scatter([lr for lr, _ in full], [s for _, s in full], s=16, marker="s",
                                    color=PALETTE[1], label=f"after {cfg['max_epochs']} epochs", rasterized=True))
    rates_ax.set_xscale("log")
    rates_ax.set_ylim(0, 1.2)
    rates_ax.set_xlabel("learning rate η (log scale)")
    rates_ax.set_ylabel("best " + VAL_LOSS_LABEL)
    rates_ax.set_title("Short runs favour large η")
    rates_ax.legend(loc="lower left", fontsize=7)

    pairs = [(r["baseline_best"], r["winner_val_loss"]) for r in result["repeats"]
             if r["baseline_best"] is not None and r["winner_val_loss"] is not None]
    artists.append(pair_ax.scatter([b for b, _ in pairs], [h for _, h in pairs], s=30, color=MARK_COLOUR,
                                   edgecolors=INK, linewidths=0.5, zorder=3, label="one repeat",
                                   rasterized=True))  # one marker per repeat: a picture keeps the SVG light
    top = max(max(pair) for pair in pairs) * 1.08
    low = min(min(pair) for pair in pairs) * 0.95
    artists += pair_ax.plot([low, top], [low, top], color=INK, linewidth=1, label="tie")
    _pair_axes(pair_ax, low, top)
    pair_ax.set_xlabel(f"random search: best of {result['baseline_runs']} full runs")
    pair_ax.set_ylabel("successive halving's winner")
    pair_ax.set_title("Each repeat, same epochs")
    pair_ax.legend(loc="upper left", fontsize=8)
    return artists


def caption_successive_halving(result: dict) -> str:
    cfg = result["config"]
    epochs = [rung["epochs"] for rung in result["repeats"][0]["rungs"]]
    difference, rescored = result["difference"], result["rescored"]
    return (
        f"Successive halving on {cfg['n_configs']} random configurations, rounds of {', '.join(map(str, epochs))} epochs, "
        f"each retrained from scratch with the same seed and scored by its best checkpoint: "
        f"{result['mean_epochs_spent']:.0f} epochs per search ({result['resume_epochs']} if survivors resumed), against "
        f"{result['full_search_epochs']} to train every configuration fully. Left: one of {cfg['repeats']} repeats. "
        f"Middle: every configuration of every repeat after the first round, and the random baseline's runs at full "
        f"length; most of the configurations kept after the first round ({percent(result['first_round_largest_rate_share'])}) "
        f"were in the third with the largest learning rates. Right: each repeat against random search with the same {result['mean_epochs_spent']:.0f} "
        f"epochs; mean {result['mean_best']['halving']:.3f} against {result['mean_best']['baseline']:.3f} (difference "
        f"{difference['mean']:.3f}, standard error {difference['se']:.3f}). Each winner trained again with "
        f"{rescored['seeds']} fresh seeds: {rescored['mean']['halving']:.3f} against {rescored['mean']['baseline']:.3f}."
    )


def alt_successive_halving(result: dict) -> str:
    repeat = result["repeats"][0]
    counts = ", ".join(f"{len(r['config_ids'])} at {r['epochs']} epoch{'s' if r['epochs'] > 1 else ''}"
                       for r in repeat["rungs"])
    return (
        f"Three panels. Left: best validation loss of each configuration after each round it survived: {counts}; the "
        f"winner ends at {repeat['winner_val_loss']:.3f}, the best of {result['baseline_runs']} full runs at "
        f"{repeat['baseline_best']:.3f}. Middle: loss against learning rate; after one epoch it falls, noisily, as "
        f"the learning rate grows, so the kept configurations are mostly the largest learning rates, while after "
        f"{result['config']['max_epochs']} epochs a wide band of learning rates reaches a low loss. Right: "
        f"{len(result['repeats'])} points, random baseline against successive halving; most on or below the diagonal, "
        f"some far to the right where the baseline missed the good learning rates. Halving won "
        f"{result['outcomes']['wins']} of the repeats, tied {result['outcomes']['ties']} and lost "
        f"{result['outcomes']['losses']}."
    )


FIGURES: list[FigureSpec] = [
    FigureSpec("search_space", "grid_vs_random", draw_search_space, caption_search_space, alt_search_space,
               panels=3, size=(11.0, 3.9)),
    FigureSpec("grid_vs_random", "grid_vs_random", draw_grid_vs_random, caption_grid_vs_random, alt_grid_vs_random,
               panels=2, size=(9.0, 3.9)),
    FigureSpec("successive_halving", "successive_halving", draw_successive_halving, caption_successive_halving,
               alt_successive_halving, panels=3, size=(11.0, 3.9)),
]
