"""Figures of the chapter: `FIGURES` maps a figure name to its `FigureSpec`.

Each page's figures live in their own module (`overview`, `learning_rate`, `network_size`,
`epochs_batches`, `curves`, `search`), each with a `FIGURES` list; shared colours, labels and
helpers are in `common`. This module only indexes them, failing loudly on duplicate names.
"""

from pathlib import Path

from site_src.figures import curves, epochs_batches, learning_rate, network_size, overview, search
from site_src.figures import momentum_schedules, optimizers, tuning_session
from site_src.figures import exercises
from site_src.figures.registry import FigureRegistryError, FigureSpec, build_registry

PAGE_MODULES = (overview, learning_rate, momentum_schedules, network_size, epochs_batches, curves,
                optimizers, search, tuning_session, exercises)

FIGURES: dict[str, FigureSpec] = build_registry(
    [spec for module in PAGE_MODULES for spec in module.FIGURES], origin="site_src/figures/*.py")

#: The files every figure shares (style, palette, helpers, the registry): each figure's cache key
#: covers them, besides its own drawing code.
SHARED_CODE = tuple(Path(__file__).with_name(name) for name in ("common.py", "registry.py", "style.py", "palette.json"))

__all__ = ["FIGURES", "SHARED_CODE", "FigureRegistryError", "FigureSpec", "build_registry"]
