"""Figures of the diagnosis exercises (docs/learning-curves.md): published learning curves drawn
without their settings or labels, so that the reader diagnoses them from their shape alone.

Run A is the long run of the epochs page (`epochs`), run B the diverging run of the learning-rate
page (`lr_curves.runs.3`, which must be labelled "diverging"). The captions and alt texts say what a sighted
reader sees (numbers included), never the diagnosis.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from lesson_figures.common import LOSS_LABEL, TRAIN_COLOUR, VAL_COLOUR, finite_points
from site_src.figures.registry import FigureSpec

#: The run of `lr_curves` that quiz B shows: the page quotes it as ``lr_curves.runs.3``.
QUIZ_B_INDEX = 3
QUIZ_B_LABEL = "diverging"


def quiz_b_run(result: dict) -> dict:
    """The `lr_curves` run at QUIZ_B_INDEX, the one the page quotes; it must be labelled QUIZ_B_LABEL."""
    runs = result["runs"]
    if len(runs) <= QUIZ_B_INDEX or runs[QUIZ_B_INDEX]["label"] != QUIZ_B_LABEL:
        raise KeyError(f"lr_curves.runs.{QUIZ_B_INDEX} should be the {QUIZ_B_LABEL!r} run the page quotes; "
                       f"the runs are {[run['label'] for run in runs]}")
    return runs[QUIZ_B_INDEX]


def draw_curves(ax: Axes, epochs: list, train: list, val: list, title: str) -> list:
    """Training (solid) and validation (dashed) loss against epoch: line style as well as colour."""
    x, y = finite_points(epochs, train)
    artists = ax.plot(x, y, color=TRAIN_COLOUR, label="training")
    x, y_val = finite_points(epochs, val)
    artists += ax.plot(x, y_val, color=VAL_COLOUR, linestyle="--", linewidth=1.4, label="validation")
    if max(y + y_val) > 3:  # an exploding run: only a log axis shows both its start and its peak
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, max(y + y_val) * 1.05)
    ax.set_xlabel("epoch")
    ax.set_ylabel(LOSS_LABEL)
    ax.set_title(title)
    ax.legend(loc="upper right")
    return artists


def _summary(train: list, val: list) -> str:
    trained = [value for value in train if value is not None]
    validated = [(value, epoch) for epoch, value in enumerate(val) if value is not None]
    low, low_epoch = min(validated)
    return (f"training loss from {trained[0]:.2f} to {trained[-1]:.2f} (highest {max(trained):.2f}); "
            f"validation loss lowest {low:.2f} at epoch {low_epoch}, final {validated[-1][0]:.2f}")


def draw_quiz_a(axes: list[Axes], result: dict) -> list:
    return draw_curves(axes[0], result["epochs"], result["train_loss"], result["val_loss"], "Run A")


def caption_quiz_a(result: dict) -> str:
    return f"Run A: training and validation loss over {result['epochs'][-1]} epochs. Which diagnosis fits?"


def alt_quiz_a(result: dict) -> str:
    return f"Line chart of run A, loss against epoch over {result['epochs'][-1]} epochs: {_summary(result['train_loss'], result['val_loss'])}."


def draw_quiz_b(axes: list[Axes], result: dict) -> list:
    run = quiz_b_run(result)
    return draw_curves(axes[0], result["epochs"], run["train_loss"], run["val_loss"], "Run B (log scale)")


def caption_quiz_b(result: dict) -> str:
    return (f"Run B: training and validation loss over {result['epochs'][-1]} epochs (mean of "
            f"{result['config']['seeds']} seeds), on a log scale. Which diagnosis fits?")


def alt_quiz_b(result: dict) -> str:
    run = quiz_b_run(result)
    return f"Line chart of run B, loss on a log scale against epoch over {result['epochs'][-1]} epochs: {_summary(run['train_loss'], run['val_loss'])}."


FIGURES = [
    FigureSpec("quiz_run_a", "epochs", draw_quiz_a, caption_quiz_a, alt_quiz_a, size=(6.4, 3.2)),
    FigureSpec("quiz_run_b", "lr_curves", draw_quiz_b, caption_quiz_b, alt_quiz_b, size=(6.4, 3.2)),
]
