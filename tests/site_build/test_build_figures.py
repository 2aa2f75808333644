"""The figure registry and the build step's rendering: unique names, labelled axes, stable bytes."""

from __future__ import annotations

import re

import matplotlib
import pytest

from site_src.build.figures import NARROW, WIDE, item_name, layout_size, layouts, narrow_below, render_svg, split_item
from site_src.build.step import BuildError
from lesson_figures import FIGURES
from site_src.figures.registry import FigureRegistryError, FigureSpec, build_registry
from site_src.figures.style import OKABE_ITO, PALETTE

RESULT = {"loss": [1.0, 0.5, 0.3, 0.25], "rate": 0.1}


def draw_labelled(axes, result):
    artists = axes[0].plot(result["loss"])
    axes[0].set(xlabel="epoch", ylabel="loss (nats)")
    return artists


def spec(name="loss", draw=draw_labelled, **kwargs) -> FigureSpec:
    return FigureSpec(name, "toy", draw, caption=lambda r: "Loss.", alt=lambda r: "A falling curve.", **kwargs)


def test_duplicate_figure_names_are_refused_naming_both_experiments():
    with pytest.raises(FigureRegistryError, match=r"chapter.py: two figures are named 'loss'.*'toy' and 'other'"):
        build_registry([spec(), FigureSpec("loss", "other", draw_labelled, str, str)], origin="chapter.py")


def test_figure_names_must_be_file_names():
    with pytest.raises(FigureRegistryError, match="rename it"):
        build_registry([spec(name="../loss")])


def test_chapter_registry_is_indexed_by_name():
    assert all(name == figure.name for name, figure in FIGURES.items())


def test_rendering_is_byte_identical_and_leaves_rcparams_alone():
    before = dict(matplotlib.rcParams)
    first, second = render_svg(spec(), RESULT), render_svg(spec(), RESULT)
    assert first == second
    assert dict(matplotlib.rcParams) == before, "the style is applied in an rc_context only"
    ids = re.findall(rb'id="(p[0-9a-f]{10})"', first)
    assert ids, "clip-path ids exist and are salted (stable)"


def test_figure_without_axis_labels_fails_naming_the_figure_and_fix():
    def draw_unlabelled(axes, result):
        return axes[0].plot(result["loss"])

    with pytest.raises(BuildError, match=r"figure 'bare'.*panel 0: no x and y axis label; call ax.set_xlabel"):
        render_svg(spec(name="bare", draw=draw_unlabelled), RESULT)


def test_shared_y_axis_needs_one_label():
    def draw_two(axes, result):
        axes[1].sharey(axes[0])
        for ax in axes:
            ax.plot(result["loss"])
            ax.set_xlabel("epoch")
        axes[0].set_ylabel("loss (nats)")
        return axes

    assert render_svg(spec(draw=draw_two, panels=2), RESULT).startswith(b"<?xml")


def svg_size_pt(svg: bytes) -> tuple[float, float]:
    width, height = re.search(rb'<svg[^>]* width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return float(width), float(height)


def test_a_figure_of_several_panels_is_also_drawn_narrow_with_its_panels_stacked():
    def draw_three(axes, result):
        for ax in axes:
            ax.plot(result["loss"])
            ax.set(xlabel="epoch", ylabel="loss (nats)")
        return axes

    three = spec(draw=draw_three, panels=3, size=(11.0, 3.6))
    assert layouts(three) == (WIDE, NARROW) and layouts(spec()) == (WIDE,)  # one panel: nothing to stack
    wide, narrow = render_svg(three, RESULT), render_svg(three, RESULT, NARROW)
    assert svg_size_pt(wide) == (11.0 * 72, 3.6 * 72)
    assert svg_size_pt(narrow) == (4.0 * 72, pytest.approx(3 * 0.8 * 3.6 * 72))  # a phone's column wide, three panels tall
    assert layout_size(three, NARROW) == (4.0, 8.64)
    # Three axes one above the other: the corners of their frames share x and step down in y.
    corners = [(float(x), float(y)) for x, y in re.findall(rb'<g id="axes_\d+">\s*<g id="patch_\d+">\s*<path d="M ([\d.]+) ([\d.]+)', narrow)]
    assert len(corners) == 3 and len({x for x, _ in corners}) == 1, corners
    assert corners[0][1] < corners[1][1] < corners[2][1], corners
    # Shown below the window width where the wide drawing's 10 pt text would render under 9 px.
    assert narrow_below(three) == round(0.9 * 11.0 * 72 + 32) == 745
    assert narrow_below(spec(panels=4, size=(16.0, 3.5))) == 959  # never above 60 em, where Material's column stops following the window


def test_a_drawing_is_named_by_its_figure_and_layout():
    assert item_name("lr_schedule", WIDE) == "lr_schedule" and split_item("lr_schedule") == ("lr_schedule", WIDE)
    assert item_name("lr_schedule", NARROW) == "lr_schedule.narrow"
    assert split_item("lr_schedule.narrow") == ("lr_schedule", NARROW)


def test_draw_errors_name_the_figure_function():
    def draw_broken(axes, result):
        return result["missing"]

    with pytest.raises(BuildError, match=r"figure 'broken' \(.*test_build_figures.py:\d+\) failed to draw: KeyError"):
        render_svg(spec(name="broken", draw=draw_broken), RESULT)


def test_palette_is_okabe_ito():
    assert set(PALETTE) == set(OKABE_ITO.values())


def test_category_ticks_name_their_axis():
    def draw_bars(axes, result):
        bars = axes[0].bar(["grid search", "random search"], [0.28, 0.26])
        axes[0].set_ylabel("best validation loss (nats)")
        return bars

    assert b"random search" in render_svg(spec(draw=draw_bars), RESULT)


def test_unlabelled_numeric_y_on_the_first_panel_is_refused():
    def draw_no_y(axes, result):
        axes[0].plot(result["loss"])
        axes[0].set_xlabel("epoch")
        return axes

    with pytest.raises(BuildError, match="panel 0: no y axis label"):
        render_svg(spec(name="no_y", draw=draw_no_y), RESULT)
