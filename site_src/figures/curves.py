"""Figures of docs/learning-curves.md and docs/early-stopping.md: diagnosis cases, patience."""

from __future__ import annotations

from matplotlib.axes import Axes

from site_src.figures.common import (
    TRAIN_COLOUR, VAL_COLOUR, MARK_COLOUR, LOSS_LABEL, lr_text, neurons, finite_points,
    mark_diverged,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK, OKABE_ITO, PALETTE


def case_setting(case: dict) -> str:
    """'8 neurons, η = 0.3, 400 students': what makes a diagnosis case what it is."""
    return f"{neurons(case['hidden'])}, η = {lr_text(case['learning_rate'])}, {case['n_train']} students"


def case_short(case: dict) -> str:
    """'h 8 · η 0.3 · n 400': the same, short enough for a small panel title."""
    return f"h {case['hidden']} · η {lr_text(case['learning_rate'])} · n {case['n_train']}"


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


FIGURES: list[FigureSpec] = [
    FigureSpec("diagnosis_fit", "diagnosis", draw_diagnosis_fit, caption_diagnosis_fit, alt_diagnosis_fit, panels=3,
               size=(9.6, 3.3)),
    FigureSpec("diagnosis_rate", "diagnosis", draw_diagnosis_rate, caption_diagnosis_rate, alt_diagnosis_rate, panels=2,
               size=(7.2, 3.3)),
    FigureSpec("early_stopping", "early_stopping", draw_early_stopping, caption_early_stopping, alt_early_stopping,
               panels=2, size=(10.0, 3.8)),
]
