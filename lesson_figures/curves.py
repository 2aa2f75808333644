"""Figures of docs/learning-curves.md and docs/early-stopping.md: diagnosis cases, patience."""

from __future__ import annotations

from matplotlib.axes import Axes

from lesson_figures.common import (
    TRAIN_COLOUR, VAL_COLOUR, MARK_COLOUR, LOSS_LABEL, lr_text, neurons, finite_points,
    mark_diverged,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, OKABE_ITO, PALETTE


def case_setting(case: dict) -> str:
    """'8 neurons, η = 0.3, 400 students' (and the momentum if one is used): what makes a
    diagnosis case what it is."""
    momentum = f", momentum β = {case['momentum']:g}" if case.get("momentum") else ""
    return f"{neurons(case['hidden'])}, η = {lr_text(case['learning_rate'])}{momentum}, {case['n_train']} students"


def case_short(case: dict) -> str:
    """'h 8 · η 0.3 · n 400' (with '· β 0.9' if momentum is used): short enough for a panel title."""
    momentum = f" · β {case['momentum']:g}" if case.get("momentum") else ""
    return f"h {case['hidden']} · η {lr_text(case['learning_rate'])}{momentum} · n {case['n_train']}"


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
        f"β momentum where used, n training students). " + "; ".join(parts) + "."
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


#: the patience the early-stopping figure follows (a common default; the table shows the others)
SHOWN_PATIENCE = 10

RULE_LABELS = {"plain": "plain", "min_delta": "min_delta", "start_from_epoch": "start_from_epoch"}


def stop_with_patience(stops: list[dict], patience: int) -> dict:
    """The stop record of ``patience``; a missing value names the ones there are."""
    for stop in stops:
        if stop["patience"] == patience:
            return stop
    raise KeyError(f"early_stopping has no patience {patience}; it has {[s['patience'] for s in stops]}")


def rule_label(result: dict, rule: str) -> str:
    """'plain', 'min_delta 0.01', 'start_from_epoch 20'."""
    value = {"min_delta": f" {result['config']['min_delta']:g}",
             "start_from_epoch": f" {result['config']['start_from_epoch']}"}.get(rule, "")
    return RULE_LABELS[rule] + value


def draw_loss_curves(ax: Axes, result: dict, last_epoch: int) -> list:
    epochs = result["epochs"][:last_epoch + 1]
    epochs_x, train = finite_points(epochs, result["train_loss"][:last_epoch + 1])
    artists = ax.plot(epochs_x, train, color=TRAIN_COLOUR, label="training loss")
    epochs_x, val = finite_points(epochs, result["val_loss"][:last_epoch + 1])
    artists += ax.plot(epochs_x, val, color=VAL_COLOUR, label="validation loss")
    ax.set_xlim(0, last_epoch)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel(LOSS_LABEL)
    return artists


def draw_early_stopping(axes: list[Axes], result: dict) -> list:
    start_ax, full_ax = axes
    transient, cfg = result["transient"], result["config"]
    plain = stop_with_patience(result["rules"]["plain"], SHOWN_PATIENCE)
    guarded = stop_with_patience(result["rules"]["start_from_epoch"], SHOWN_PATIENCE)

    zoom = 2 * cfg["start_from_epoch"] + 20
    artists = draw_loss_curves(start_ax, result, zoom)
    artists.append(start_ax.axvspan(1, transient["plateau_end"], color=PALETTE[5], alpha=0.18, linewidth=0,
                                    label=f"plateau (epochs 1–{transient['plateau_end'] - 1})"))
    artists.append(start_ax.axhline(result["one_neuron"]["min_val_loss"], color=INK, linestyle=":", linewidth=1.2,
                                    label="best of a 1-neuron network"))
    artists.append(start_ax.annotate(
        "", xy=(transient["peak_epoch"], transient["peak_val_loss"]), xytext=(1, transient["first_val_loss"]),
        arrowprops={"arrowstyle": "->", "color": INK, "linewidth": 1.0}))
    artists.append(start_ax.axvline(plain["stop_epoch"], color=OKABE_ITO["reddish_purple"], linestyle="--", linewidth=1.2,
                                    label=f"patience {SHOWN_PATIENCE}: stops at {plain['stop_epoch']}"))
    artists.append(start_ax.axvline(cfg["start_from_epoch"], color=MARK_COLOUR, linestyle="-.", linewidth=1.2,
                                    label=f"start_from_epoch = {cfg['start_from_epoch']}"))
    start_ax.legend(loc="upper right", fontsize=7.5)
    start_ax.set_title(f"Seed {cfg['seed']}, the first {zoom} epochs: an early transient")

    artists += draw_loss_curves(full_ax, result, result["epochs"][-1])
    for colour, style, stop, label in (
            (OKABE_ITO["reddish_purple"], "--", plain, "plain"),
            (MARK_COLOUR, "-.", guarded, f"from epoch {cfg['start_from_epoch']}")):
        artists.append(full_ax.axvline(stop["stop_epoch"], color=colour, linestyle=style, linewidth=1.2,
                                       label=f"patience {SHOWN_PATIENCE}, {label}: stops at {stop['stop_epoch']}"))
        artists.append(full_ax.scatter([stop["best_epoch"]], [stop["restored_val_loss"]], marker="*", s=110,
                                       color=colour, edgecolors=INK, linewidths=0.5, zorder=5))
    full_ax.legend(loc="upper right", fontsize=7.5)
    full_ax.set_title("The whole run: stops (lines) and epochs kept (stars)")
    return artists


def _shown_patience_row(result: dict) -> dict:
    """The seed summary of SHOWN_PATIENCE under the plain rule."""
    return stop_with_patience(result["over_seeds"]["rules"]["plain"], SHOWN_PATIENCE)


def caption_early_stopping(result: dict) -> str:
    transient, cfg, full = result["transient"], result["config"], result["full_run"]
    plain = stop_with_patience(result["rules"]["plain"], SHOWN_PATIENCE)
    guarded = stop_with_patience(result["rules"]["start_from_epoch"], SHOWN_PATIENCE)
    past = _shown_patience_row(result)["past_plateau"]
    ends = result["over_seeds"]["plateau_end"]
    return (
        f"The overfitting run of the learning-curves page, continued ({neurons(cfg['hidden'])}, {cfg['n_train']} "
        f"students, learning rate {lr_text(cfg['learning_rate'])} with momentum {cfg['momentum']:g}, seed "
        f"{cfg['seed']}). Left, the first epochs: the validation loss rises from {transient['first_val_loss']:.3f} at "
        f"epoch 1 to {transient['peak_val_loss']:.3f} at epoch {transient['peak_epoch']} (arrow), then stays on a "
        f"plateau no better than a one-neuron network ({result['one_neuron']['min_val_loss']:.3f}, dotted) until epoch "
        f"{transient['plateau_end']}. With patience {SHOWN_PATIENCE}, plain early stopping ends the run at epoch "
        f"{plain['stop_epoch']}, inside the plateau, and keeps epoch {plain['best_epoch']} "
        f"({plain['restored_val_loss']:.3f}); counting from epoch {cfg['start_from_epoch']} (start_from_epoch) it stops "
        f"at epoch {guarded['stop_epoch']} and keeps epoch {guarded['best_epoch']} ({guarded['restored_val_loss']:.3f}). "
        f"Of {past['trials']} seeds of this run, patience {SHOWN_PATIENCE} got past the plateau in {past['successes']}; "
        f"the plateau ended between epoch {ends['min']:.0f} and {ends['max']:.0f}. Right, the whole run: its lowest "
        f"validation loss is {full['min_val_loss']:.3f} at epoch {full['best_epoch']}; training all "
        f"{result['epochs'][-1]} epochs ends at {full['final_val_loss']:.3f}."
    )


def alt_early_stopping(result: dict) -> str:
    transient, full = result["transient"], result["full_run"]
    plateau = [v for v in result["val_loss"][transient["peak_epoch"] + 1:transient["plateau_end"]] if v is not None]
    plain = stop_with_patience(result["rules"]["plain"], SHOWN_PATIENCE)
    guarded = stop_with_patience(result["rules"]["start_from_epoch"], SHOWN_PATIENCE)
    return (
        f"Two line charts of training and validation loss against epoch. Left, the first epochs: validation loss "
        f"{transient['first_val_loss']:.2f} at epoch 1, up to {transient['peak_val_loss']:.2f} at epoch "
        f"{transient['peak_epoch']}, then between {min(plateau):.2f} and {max(plateau):.2f}, no better than a one-neuron "
        f"network ({result['one_neuron']['min_val_loss']:.3f}, dotted), until epoch {transient['plateau_end']}, after which it falls. A dashed line at epoch {plain['stop_epoch']} marks where "
        f"plain early stopping with patience {SHOWN_PATIENCE} stops. Right, all {result['epochs'][-1]} epochs: the "
        f"validation loss reaches its minimum of {full['min_val_loss']:.2f} at epoch {full['best_epoch']} and ends at "
        f"{full['final_val_loss']:.2f}; stars mark the kept epochs {plain['best_epoch']} (validation loss "
        f"{plain['restored_val_loss']:.2f}) and {guarded['best_epoch']} ({guarded['restored_val_loss']:.2f})."
    )


def draw_early_stopping_rules(axes: list[Axes], result: dict) -> list:
    """One panel per rule: the validation loss each seed's run keeps, at each patience (a dot per
    seed, the figures' seed as a star), over the one-neuron level (dotted)."""
    runs, shown = result["seed_runs"], result["config"]["seed"]
    patiences = [stop["patience"] for stop in result["rules"]["plain"]]
    one_neuron = result["over_seeds"]["one_neuron_min_val_loss"]["mean"]
    top = max(stop["restored_val_loss"] for run in runs for stops in run["rules"].values() for stop in stops)
    artists = []
    for ax, rule, colour in zip(axes, result["rules"], (PALETTE[0], PALETTE[1], MARK_COLOUR)):
        for i in range(len(patiences)):
            others = [(j, run["rules"][rule][i]["restored_val_loss"]) for j, run in enumerate(runs) if run["seed"] != shown]
            offsets = [(j - (len(runs) - 1) / 2) * 0.4 / max(1, len(runs) - 1) for j, _ in others]
            artists.append(ax.scatter([i + d for d in offsets], [v for _, v in others], s=16, color=colour,
                                      alpha=0.8, linewidths=0, label="one seed" if i == 0 else None))
            seed_run = next((run for run in runs if run["seed"] == shown), None)
            if seed_run is not None:
                artists.append(ax.scatter([i], [seed_run["rules"][rule][i]["restored_val_loss"]], marker="*", s=90,
                                          color=colour, edgecolors=INK, linewidths=0.6, zorder=5,
                                          label=f"seed {shown} (the figure above)" if i == 0 else None))
        artists.append(ax.axhline(one_neuron, color=INK, linestyle=":", linewidth=1.1,
                                  label="best of a 1-neuron network (mean)"))
        ax.set_xticks(range(len(patiences)), [str(p) for p in patiences])
        ax.set_ylim(0, top * 1.15)
        ax.set_xlabel("patience (epochs)")
        ax.set_title(rule_label(result, rule))
    axes[0].set_ylabel("validation loss of the weights kept")
    axes[0].legend(loc="upper right", fontsize=7)
    return artists


def _past_counts(result: dict, rule: str) -> str:
    rows = result["over_seeds"]["rules"][rule]
    return ", ".join(f"{row['patience']}: {row['past_plateau']['successes']}" for row in rows)


def caption_early_stopping_rules(result: dict) -> str:
    n = result["over_seeds"]["seeds"]
    parts = [f"**{rule_label(result, rule)}**: {_past_counts(result, rule)}" for rule in result["rules"]]
    return (
        f"The validation loss of the weights each stopping rule keeps, for each patience, in {n} seeds of the same run "
        f"(dots; a star marks seed {result['config']['seed']}, the run in the figure above). Dots near the dotted line "
        f"stopped on the early plateau; the rest got past it. Seeds that got past the plateau, by patience: "
        + "; ".join(parts) + "."
    )


def alt_early_stopping_rules(result: dict) -> str:
    n = result["over_seeds"]["seeds"]
    parts = []
    for rule in result["rules"]:
        rows = result["over_seeds"]["rules"][rule]
        kept = ", ".join(f"patience {row['patience']} {row['kept_val_loss']['min']:.2f} to {row['kept_val_loss']['max']:.2f}"
                         for row in rows)
        parts.append(f"{rule_label(result, rule)}: {kept}")
    return (f"Three strip charts, one per stopping rule, of the validation loss kept by each of {n} seeds against "
            "patience. Range of the kept loss over the seeds: " + "; ".join(parts)
            + f". A dotted line marks {result['over_seeds']['one_neuron_min_val_loss']['mean']:.2f}, the best a "
            "one-neuron network reaches.")


FIGURES: list[FigureSpec] = [
    FigureSpec("diagnosis_fit", "diagnosis", draw_diagnosis_fit, caption_diagnosis_fit, alt_diagnosis_fit, panels=3,
               size=(9.6, 3.3)),
    FigureSpec("diagnosis_rate", "diagnosis", draw_diagnosis_rate, caption_diagnosis_rate, alt_diagnosis_rate, panels=2,
               size=(7.2, 3.3)),
    FigureSpec("early_stopping", "early_stopping", draw_early_stopping, caption_early_stopping, alt_early_stopping,
               panels=2, size=(10.0, 3.8)),
    FigureSpec("early_stopping_rules", "early_stopping", draw_early_stopping_rules, caption_early_stopping_rules,
               alt_early_stopping_rules, panels=3, size=(10.0, 3.6)),
]
