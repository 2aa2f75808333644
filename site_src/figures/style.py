"""The house style of the chapter's figures, applied by the build step only.

Readable on the light and the dark theme: the SVG background is transparent and the site's CSS
(`site_src/theme/assets/chapter.css`) puts a light card behind figures in dark mode, so one dark-grey text
colour works for both. Colours are the Okabe-Ito palette, distinguishable with the common forms of
colour blindness. Text stays text in the SVG (`svg.fonttype: none`): crisp at any zoom, selectable,
and far smaller than glyph outlines.
"""

from __future__ import annotations

import json
from pathlib import Path

from cycler import cycler

#: The chapter's one palette (also read by the tuning playground): Okabe & Ito (2008), "Color
#: Universal Design", line colours in the order figures use them (yellow last: faint on a light
#: card), and the colours with a meaning (pass, fail, training, validation, ...).
PALETTE_FILE = Path(__file__).with_name("palette.json")
_PALETTE = json.loads(PALETTE_FILE.read_text(encoding="utf-8"))
OKABE_ITO: dict[str, str] = _PALETTE["okabe_ito"]
PALETTE: tuple[str, ...] = tuple(OKABE_ITO[name] for name in _PALETTE["cycle"])
ROLE_COLOURS: dict[str, str] = _PALETTE["roles"]

#: Dark grey for text, axes and ticks: 10:1 contrast on white, and on the dark theme's light card.
INK = "#333333"

#: Salt for the ids matplotlib writes into SVGs (clip paths, etc.): fixed so bytes are stable.
SVG_HASH_SALT = "hyperparameter-chapter"

#: Metadata that would otherwise embed the build date and the matplotlib version string.
SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None}


def figure_rc() -> dict[str, object]:
    """The rcParams the build step wraps every figure in (`matplotlib.rc_context(figure_rc())`)."""
    return {
        "svg.hashsalt": SVG_HASH_SALT,
        "svg.fonttype": "none",
        "svg.image_inline": True,
        "path.simplify": True,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
        "font.size": 10.0,
        "axes.titlesize": 10.5,
        "axes.labelsize": 10.0,
        "legend.fontsize": 9.0,
        "legend.frameon": False,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#b0b0b0",
        "grid.linewidth": 0.5,
        "grid.alpha": 0.6,
        "lines.linewidth": 1.6,
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.edgecolor": "none",
        "savefig.transparent": True,
        "figure.constrained_layout.use": True,
    }
