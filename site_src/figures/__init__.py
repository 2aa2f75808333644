"""Figures of the chapter: `FIGURES` maps a figure name to its `FigureSpec`.

The specs themselves live in `site_src/figures/chapter.py` (`CHAPTER_FIGURES`); this module only
indexes them, failing loudly on duplicate names.
"""

from site_src.figures.chapter import CHAPTER_FIGURES
from site_src.figures.registry import FigureRegistryError, FigureSpec, build_registry

FIGURES: dict[str, FigureSpec] = build_registry(CHAPTER_FIGURES, origin="site_src/figures/chapter.py")

__all__ = ["FIGURES", "FigureRegistryError", "FigureSpec", "build_registry"]
