"""The figure registry: which figure draws which experiment, and how.

A figure is declared once as a `FigureSpec`; the build step (`site_src.build.pipeline`) creates the
matplotlib figure, applies the house style, calls `draw`, and writes the SVG. Figure functions
therefore never save files and never touch rcParams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry itself needs no matplotlib: only the build step draws
    from matplotlib.axes import Axes


class FigureRegistryError(ValueError):
    """A figure declaration is invalid (e.g. two figures share a name)."""


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the chapter, drawn from one experiment's result.

    `draw(axes, result)` draws into the given axes (one per panel) and returns its artists;
    `caption(result)` is Markdown and may quote numbers from the result; `alt(result)` says in
    words and numbers what the figure shows, for readers who cannot see it.
    """

    name: str
    experiment: str
    draw: Callable[[list[Axes], dict], object]
    caption: Callable[[dict], str]
    alt: Callable[[dict], str]
    panels: int = 1
    size: tuple[float, float] = (6.4, 3.6)


def build_registry(specs: Iterable[FigureSpec], *, origin: str = "the figure list") -> dict[str, FigureSpec]:
    """Index figure specs by name; a duplicate or malformed name is an error naming `origin`."""
    registry: dict[str, FigureSpec] = {}
    for spec in specs:
        if not spec.name.replace("_", "").replace("-", "").isalnum():
            raise FigureRegistryError(
                f"{origin}: figure name {spec.name!r} must use only letters, digits, '_' and '-' "
                "(it becomes the file name <name>.svg); rename it."
            )
        if spec.panels < 1:
            raise FigureRegistryError(f"{origin}: figure {spec.name!r} has panels={spec.panels}; use 1 or more.")
        if spec.name in registry:
            raise FigureRegistryError(
                f"{origin}: two figures are named {spec.name!r} (experiments "
                f"{registry[spec.name].experiment!r} and {spec.experiment!r}); give each a unique name."
            )
        registry[spec.name] = spec
    return registry
