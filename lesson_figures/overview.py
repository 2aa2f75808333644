"""Figures of the overview page (docs/index.md): the student data, bad vs good settings."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes

from lesson.data import SLEPT_RANGE, STUDIED_RANGE
from lesson_figures.common import (
    true_rule_score,
    VAL_COLOUR, MARK_COLOUR, lr_text, percent, scatter_students,
)
from site_src.figures.registry import FigureSpec
from site_src.figures.style import INK


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
        f"curved (dashed: the border of the rule that generated the labels). {percent(result['base_rate'])} of them passed. Near the border a student passes or fails "
        f"by chance, and a few labels were flipped at random, so even the true rule is right about only {result['rule_val_accuracy']:.1%} of the validation students."
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
        artists.append(ax.scatter(position + jitter, accuracies, s=20, marker=marker, color=colour, zorder=3))
        artists.append(ax.hlines(setting["mean_test_acc"] * 100, position - 0.28, position + 0.28,
                                 color=INK, linewidth=2.2, zorder=4))
        artists.append(ax.annotate(f"mean {percent(setting['mean_test_acc'])}", (position + 0.3, setting["mean_test_acc"] * 100),
                                   va="center", fontsize=9))
    always_fail = result["test_always_fail_acc"] * 100  # on the test students, like the dots
    artists.append(ax.axhline(always_fail, color=INK, linestyle=":", linewidth=1.2))
    ax.annotate(f"always answer 'fail': {result['test_always_fail_acc']:.1%}", (1.55, always_fail),
                xytext=(0, 3), textcoords="offset points", ha="right", va="bottom", fontsize=8.5)
    bad, good = result["bad"], result["good"]
    ax.set_xticks([0, 1], [f"bad: η = {lr_text(bad['learning_rate'])},\n{bad['epochs']} epochs",
                           f"good: η = {lr_text(good['learning_rate'])},\n{good['epochs']} epochs"])
    ax.set_xlim(-0.5, 1.6)
    lowest = min(min(result["bad"]["test_acc"]), result["test_always_fail_acc"]) * 100
    ax.set_ylim(math.floor(lowest / 10) * 10, 100)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Same network, {len(result['seeds'])} seeds each")
    return artists


def caption_bad_vs_good(result: dict) -> str:
    bad, good = result["bad"], result["good"]
    return (
        f"Test accuracy of the same network (2 inputs, {result['config']['hidden']} hidden neurons, 1 output) trained "
        f"{len(result['seeds'])} times, from {len(result['seeds'])} random starting points (seeds; one dot each) "
        f"with poor hyperparameters (learning rate {lr_text(bad['learning_rate'])}, {bad['epochs']} epochs) and "
        f"with good ones (learning rate {lr_text(good['learning_rate'])}, {good['epochs']} epochs). "
        f"Means: {percent(bad['mean_test_acc'])} against {percent(good['mean_test_acc'])}. The dotted line is the "
        f"accuracy of answering 'fail' for every test student ({result['test_always_fail_acc']:.1%}, because only "
        f"{1 - result['test_always_fail_acc']:.1%} of them passed): the poorly trained networks score below it "
        f"on average, and one by one they scatter on both sides of it ({bad['above_always_fail']} of "
        f"{len(bad['test_acc'])} above it)."
    )


def alt_bad_vs_good(result: dict) -> str:
    bad, good = result["bad"], result["good"]
    return (
        f"Dot plot of test accuracy for two hyperparameter settings. Bad settings: every seed between "
        f"{percent(min(bad['test_acc']))} and {percent(max(bad['test_acc']))}, mean {percent(bad['mean_test_acc'])}, "
        f"below the {result['test_always_fail_acc']:.1%} of always answering fail (dotted line), with "
        f"{bad['above_always_fail']} of {len(bad['test_acc'])} seeds above it. Good settings: between "
        f"{percent(min(good['test_acc']))} and {percent(max(good['test_acc']))}, mean {percent(good['mean_test_acc'])}."
    )


FIGURES: list[FigureSpec] = [
    FigureSpec("dataset", "dataset", draw_dataset, caption_dataset, alt_dataset, size=(5.2, 4.0)),
    FigureSpec("bad_vs_good", "bad_vs_good", draw_bad_vs_good, caption_bad_vs_good, alt_bad_vs_good, size=(5.2, 3.6)),
]
