"""The figures step: each figure the pages show, drawn from its experiment's published result,
as an SVG made smaller by SVGO, cached (a figure of several panels twice: side by side, and
stacked for narrow screens: `layouts`); and `generated/index.json` (the names the Markdown
extension accepts, and per figure its caption, alt text, files, size and rerun time).

Figure functions (`site_src.figures.registry.FigureSpec`) draw into the axes they are given; the
step wraps them in the house style (`site_src.figures.style`) and refuses a figure whose numeric
axis has no label. A figure's key covers its result's bytes, the figures' shared code, its own
draw/caption/alt functions with what of their folder they use, the style, size, matplotlib and
numpy versions and SVGO's identity: editing one figure redraws only it.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from site_src.build.cache import cache_key, canonical_json, sha256_hex
from site_src.build.imports import function_closure_source
from site_src.build.step import BuildContext, BuildError, Made
from site_src.markdown.results import FIGURES_FOLDER, INDEX_FILE, RESULTS_FOLDER
from site_src.node.process import helper_identity
from site_src.node.svg_optimize import OPTIMIZER, optimize_svgs

#: Pixels per inch the browser uses for the SVG's pt-based size (1 pt = 1/72 in, 1 px = 1/96 in).
CSS_PX_PER_INCH = 96

#: A figure of several panels side by side is also drawn in a narrow layout, its panels stacked,
#: which pages show on narrow screens (a <picture> source, `narrow_below`): a three-panel figure
#: 11 in wide shrunk to a 380 px phone column sets its 10 pt text at under 5 px; stacked, 4 in wide
#: (384 px, about the phone's column), at 13 px.
NARROW = "narrow"
WIDE = "wide"
NARROW_WIDTH_INCHES = 4.0
#: Each stacked panel's height, as a share of the wide figure's height (its title, axes and label).
NARROW_PANEL_HEIGHT = 0.8
#: The narrow layout is shown where the wide one would set the figures' 10 pt text under this many
#: CSS pixels (the smallest labels, 7-8 pt legends, are then near 7 px), ...
NARROW_BELOW_TEXT_PX = 9.0
#: ... taking the page's column as the window's width less Material's margins (2 x 0.8 rem at
#: 20 px a rem, measured: 380 px of a 412 px window), and never above 60 em (960 px), where Material
#: adds a sidebar and the column stops following the window.
COLUMN_MARGIN_PX = 32
NARROW_BELOW_MAX_PX = 959
#: How an item's name marks its layout: "lr_schedule.narrow" (figure names cannot hold a dot).
LAYOUT_SEPARATOR = "."


def layouts(spec) -> tuple[str, ...]:
    """The layouts a figure is drawn in: every figure wide, a figure of several panels also narrow."""
    return (WIDE, NARROW) if spec.panels > 1 else (WIDE,)


def item_name(name: str, layout: str) -> str:
    """The name of one drawing of a figure (its cache item and its file's stem)."""
    return name if layout == WIDE else f"{name}{LAYOUT_SEPARATOR}{layout}"


def split_item(item: str) -> tuple[str, str]:
    """(figure name, layout) of an item name made by `item_name`."""
    name, _, layout = item.partition(LAYOUT_SEPARATOR)
    return name, layout or WIDE


def layout_size(spec, layout: str) -> tuple[float, float]:
    """The figure's size in inches in that layout."""
    if layout == WIDE:
        return spec.size
    return NARROW_WIDTH_INCHES, round(spec.size[1] * NARROW_PANEL_HEIGHT * spec.panels, 2)


def narrow_below(spec) -> int:
    """The window width (CSS px) under which pages show the narrow layout (see NARROW_BELOW_TEXT_PX)."""
    wide_width_pt = spec.size[0] * 72
    column = NARROW_BELOW_TEXT_PX / 10.0 * wide_width_pt  # where 10 pt renders at NARROW_BELOW_TEXT_PX
    return min(NARROW_BELOW_MAX_PX, round(column + COLUMN_MARGIN_PX))


def source_of(function: Callable) -> str:
    """Where a function is defined, as `file:line` (for errors that point at the figure code)."""
    try:
        return f"{inspect.getsourcefile(function)}:{inspect.getsourcelines(function)[1]}"
    except (TypeError, OSError):
        return repr(function)


def figure_key(
    spec, result_sha256: str, code_hash: str, style: Mapping[str, object], versions: Mapping[str, str], optimizer: str,
    layout: str = WIDE,
) -> str:
    """Cache key of an SVG: the result's bytes, figure code, style settings, layout and size,
    matplotlib/numpy versions, and the optimiser's identity (SVGO's script and version:
    ``node.process.helper_identity``)."""
    return cache_key(
        "figure",
        {
            "figure": spec.name,
            "experiment": spec.experiment,
            "panels": spec.panels,
            "layout": layout,
            "size": list(layout_size(spec, layout)),
            "result": result_sha256,
            "code": code_hash,
            "style": {key: repr(value) for key, value in style.items()},
            "matplotlib": versions["matplotlib"],
            "numpy": versions["numpy"],
            "optimizer": optimizer,
        },
    )


def render_svg(spec, result: dict, layout: str = WIDE) -> bytes:
    """Draw one figure with the house style and return its SVG bytes (deterministic): its panels
    side by side (`WIDE`) or stacked (`NARROW`); the draw function is the same."""
    import matplotlib
    from matplotlib.figure import Figure

    from site_src.figures.style import SVG_METADATA, figure_rc

    with matplotlib.rc_context(figure_rc()):
        figure = Figure(figsize=layout_size(spec, layout))
        rows, columns = (1, spec.panels) if layout == WIDE else (spec.panels, 1)
        axes = list(figure.subplots(rows, columns, squeeze=False).flat)
        try:
            spec.draw(axes, result)
        except Exception as err:  # a figure function's bug: re-raised with where it is
            raise BuildError(f"figure {spec.name!r} ({source_of(spec.draw)}) failed to draw: {err!r}") from err
        _require_axis_labels(spec, axes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def _require_axis_labels(spec, axes) -> None:
    """Every figure names what its numbers measure (and in which unit): readers cannot guess it.

    An axis needs a label when its ticks show plain numbers; ticks that name categories (bars,
    groups) or no ticks at all need none. Small multiples may leave the y label to the first panel.
    """
    for panel, ax in enumerate(axes):
        if not ax.axison:
            continue
        checked = [("x", ax.xaxis)] + ([("y", ax.yaxis)] if panel == 0 else [])
        missing = [name for name, axis in checked if _shows_unnamed_numbers(axis)]
        if missing:
            raise BuildError(
                f"figure {spec.name!r} ({source_of(spec.draw)}), panel {panel}: no {' and '.join(missing)} axis "
                "label; call ax.set_xlabel/ax.set_ylabel with the quantity and its unit (or ax.set_axis_off())."
            )


def _shows_unnamed_numbers(axis) -> bool:
    from matplotlib.ticker import LogFormatter, ScalarFormatter

    numeric_ticks = isinstance(axis.get_major_formatter(), (ScalarFormatter, LogFormatter))
    return numeric_ticks and not axis.get_label_text().strip()


def _text_of(function: Callable[[dict], str], result: dict, name: str, what: str) -> str:
    try:
        text = function(result)
    except Exception as err:  # a figure's caption/alt bug: re-raised with where it is
        raise BuildError(f"figure {name!r}: its {what} function ({source_of(function)}) failed: {err!r}") from err
    if not isinstance(text, str) or not text.strip():
        raise BuildError(f"figure {name!r}: its {what} function ({source_of(function)}) must return non-empty text.")
    return text


class FiguresStep:
    """Draws (or takes from the cache) the named figures and writes them and the index."""

    kind = "figure"

    def __init__(self, figures: Mapping[str, object], names: list[str], experiment_names: list[str],
                 draw: Callable[[list[tuple[str, bytes]]], Made], versions: Mapping[str, str]) -> None:
        """`draw` makes the SVGs of (figure, result bytes) jobs (`ProcessBackend.figures`)."""
        self.figures, self.names, self.experiment_names = figures, names, experiment_names
        self.draw, self.versions = draw, versions

    def run(self, build: BuildContext) -> None:
        from site_src.figures.style import figure_rc

        inputs = {name: build.results[self.figures[name].experiment] for name in self.names}
        optimizer = helper_identity(OPTIMIZER)
        shared = sorted((path.name, sha256_hex(path.read_bytes())) for path in build.project.figure_code_paths)
        keys = {}
        for name in self.names:
            spec = self.figures[name]
            code = figure_code_hash(spec.draw, spec.caption, spec.alt, tuple(shared))
            for layout in layouts(spec):
                keys[item_name(name, layout)] = figure_key(spec, sha256_hex(inputs[name]), code, figure_rc(), self.versions,
                                                           optimizer, layout)
        svgs = build.cached(self.kind, keys,
                            lambda missing: self._draw_optimized([(item, inputs[split_item(item)[0]]) for item in missing]))
        for item, svg in svgs.items():
            build.write(build.project.generated_dir / FIGURES_FOLDER / f"{item}.svg", svg)
        entries = {name: self._entry(name, json.loads(inputs[name]), build) for name in self.names}
        index = {"experiments": sorted(self.experiment_names), "all_figures": sorted(self.figures),
                 "figures": dict(sorted(entries.items()))}
        build.write(build.project.generated_dir / INDEX_FILE, json.dumps(index, indent=1, sort_keys=True).encode() + b"\n")

    def _draw_optimized(self, jobs: list[tuple[str, bytes]]) -> Made:
        drawn = self.draw(jobs)
        if not drawn:
            return drawn
        # All of them in one request to one Node process: starting SVGO takes ~0.5 s.
        start = time.perf_counter()
        optimized = optimize_svgs({name: svg for name, (svg, _) in drawn.items()})
        share = (time.perf_counter() - start) / len(drawn)
        return {name: (optimized[name], seconds + share) for name, (_, seconds) in drawn.items()}

    def _entry(self, name: str, result: dict, build: BuildContext) -> dict:
        spec = self.figures[name]
        narrow = {}
        if NARROW in layouts(spec):
            width, height = layout_size(spec, NARROW)
            narrow = {"narrow": {"svg": f"{FIGURES_FOLDER}/{item_name(name, NARROW)}.svg", "below": narrow_below(spec),
                                 "width": round(width * CSS_PX_PER_INCH), "height": round(height * CSS_PX_PER_INCH)}}
        return {
            "experiment": spec.experiment,
            # what the rerun control calls the runs in words (the experiment's title)
            "title": result.get("title") or spec.experiment,
            "svg": f"{FIGURES_FOLDER}/{name}.svg",
            **narrow,
            "data": f"{RESULTS_FOLDER}/{spec.experiment}.json",
            "width": round(spec.size[0] * CSS_PX_PER_INCH),
            "height": round(spec.size[1] * CSS_PX_PER_INCH),
            # how long a rerun took in the build's runtime (the page's rerun control quotes it)
            "rerun_seconds": build.rerun_seconds.get(spec.experiment),
            "rerun_timed_in": build.rerun_timed_in,
            "caption": _text_of(spec.caption, result, name, "caption"),
            "alt": _text_of(spec.alt, result, name, "alt"),
        }


@functools.lru_cache(maxsize=256)
def figure_code_hash(draw: Callable, caption: Callable, alt: Callable, shared: tuple) -> str:
    """Hash of the files every figure shares (`shared`: (name, sha256) pairs) plus one figure's own
    code: its draw, caption and alt functions and whatever of their folder they use (not the rest
    of their module). Memoized by the function objects: an edit of the figure code imports them
    afresh (`Registries`), so the preview reads each figure's source once, not at every save."""
    folder = Path(inspect.getsourcefile(draw)).resolve().parent
    own = function_closure_source((draw, caption, alt), within=folder)
    return sha256_hex(canonical_json({"shared": [list(pair) for pair in shared], "own": own}))
