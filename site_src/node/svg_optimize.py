"""The figures' SVG made smaller (SVGO from npm, run by Node: ``svg_optimize.mjs`` beside this file).

matplotlib writes coordinates to six decimals, one style attribute per element and a metadata
block: SVGO's default preset takes a third off the chapter's figures (1,172 KB -> 788 KB), and
the pictures do not change (``tests/browser/test_browser_figures.py`` compares their pixels). One
request optimises all the figures a build draws, to SVGO kept running (``process.run_helper``): starting
it takes about half a second, optimising one figure a tenth of that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from site_src.node.process import run_helper

OPTIMIZER = Path(__file__).with_name("svg_optimize.mjs")


class SvgOptimizeError(RuntimeError):
    """Node or SVGO failed."""


def optimize_svgs(svgs: Mapping[str, bytes], node: str = "node") -> dict[str, bytes]:
    """Each SVG (by name) optimised by SVGO."""
    if not svgs:
        return {}
    request = {name: svg.decode("utf-8") for name, svg in svgs.items()}
    reply = run_helper(OPTIMIZER, "optimize", request, package="SVGO", error=SvgOptimizeError, node=node)
    return {name: reply[name].encode("utf-8") for name in svgs}


def warm_up(figures: Iterable[Path] = ()) -> None:
    """Start SVGO and run it on `figures` twice (``scripts/serve`` does, with the last build's,
    so that the first figure edits wait neither for Node nor for V8 to optimise SVGO's code:
    its first run on a figure takes 0.15 s, its third 0.05 s)."""
    svgs = {path.name: path.read_bytes() for path in figures} or {"empty": b'<svg xmlns="http://www.w3.org/2000/svg"/>'}
    for _ in range(2):
        optimize_svgs(svgs)
