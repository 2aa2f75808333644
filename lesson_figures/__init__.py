"""Figures of the hyperparameter chapter: `FIGURES` maps a figure name to its `FigureSpec`.

The chapter's own drawing code, beside its engine (`lesson/`, numpy only): the plugin's `figures`
setting defaults to `<engine>_figures`. The machinery it builds on (`FigureSpec`, the registry,
the house style and palette) is `site_src.figures`.

Each page's figures live in their own module (`overview`, `learning_rate`, `network_size`,
`epochs_batches`, `curves`, `search`), each with a `FIGURES` list; shared colours, labels and
helpers are in `common`. This module only indexes them, failing loudly on duplicate names.
"""

from pathlib import Path

from lesson_figures import curves, epochs_batches, learning_rate, network_size, overview, search
from lesson_figures import momentum_schedules, optimizers, tuning_session
from lesson_figures import exercises
from site_src import figures as machinery
from site_src.figures.registry import FigureRegistryError, FigureSpec, build_registry

PAGE_MODULES = (overview, learning_rate, momentum_schedules, network_size, epochs_batches, curves,
                optimizers, search, tuning_session, exercises)

FIGURES: dict[str, FigureSpec] = build_registry(
    [spec for module in PAGE_MODULES for spec in module.FIGURES], origin="lesson_figures/*.py")

#: The files every figure shares (style, palette, helpers, the registry): each figure's cache key
#: covers them, besides its own drawing code.
SHARED_CODE = (Path(__file__).with_name("common.py"),
               *(Path(machinery.__file__).with_name(name) for name in ("registry.py", "style.py", "palette.json")))

__all__ = ["FIGURES", "SHARED_CODE", "FigureRegistryError", "FigureSpec", "build_registry"]
