"""A chapter's registries: its experiments (in its engine) and its figures, imported by module name.

The plugin names two modules: the experiments module (``REGISTRY``, name -> experiment, and
``result_json``, the one format of a published result, shared with the page's rerun) and the
figures module (``FIGURES``, name -> `FigureSpec`, and optionally ``SHARED_CODE``, the files every
figure's cache key covers). See ARCHITECTURE.md, "The experiment contract".
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from site_src.build.cache import sha256_hex, tree_hash
from site_src.project import DEFAULT_ENGINE, experiments_module, figures_module


class RegistryError(RuntimeError):
    """A registry module cannot be imported or lacks what the build needs; the message says what to add."""


@dataclass
class Registries:
    """Imports the registries, afresh when a source file of the engine or of the figures changed.

    Under `mkdocs serve` the process lives across edits, and a result cached under the hash of the
    edited engine must come from the edited code, not from the modules imported before the edit.
    Unchanged sources keep the modules imported then (a prose edit re-imports nothing). Calling an
    instance returns (experiments, figures); it pickles without them, so a worker process imports its own.
    """

    engine: str = DEFAULT_ENGINE
    #: The module holding REGISTRY and result_json; default: ``<engine>.experiments``.
    experiments_module: str | None = None
    #: The module holding FIGURES (and SHARED_CODE); default: ``<engine>_figures``.
    figures_module: str | None = None
    #: (hash of the sources, (experiments, figures, experiments module)) of the last import.
    _last: tuple | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.experiments_module = experiments_module(self.engine, self.experiments_module)
        self.figures_module = figures_module(self.engine, self.figures_module)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_last": None}

    def __call__(self) -> tuple[Mapping[str, object], Mapping[str, object]]:
        experiments, figures, _ = self._loaded()
        return experiments, figures

    @property
    def result_json(self) -> Callable[[object], str]:
        """The engine's format of a published result (the cached bytes; the page's rerun compares with it)."""
        return self._loaded()[2].result_json

    @property
    def shared_figure_code(self) -> tuple[Path, ...]:
        """The files every figure's cache key covers, as the figures module lists them in SHARED_CODE."""
        module = importlib.import_module(self.figures_module)
        return tuple(Path(path) for path in getattr(module, "SHARED_CODE", ()))

    def _loaded(self) -> tuple:
        sources = self._sources_hash()
        if self._last is not None and self._last[0] == sources:
            return self._last[1]
        for module_name in sorted(sys.modules):
            if self._is_reimported(module_name):
                del sys.modules[module_name]
        experiments_module = self._import(self.experiments_module, ("REGISTRY", "result_json"))
        figures_module = self._import(self.figures_module, ("FIGURES",))
        loaded = (experiments_module.REGISTRY, figures_module.FIGURES, experiments_module)
        self._last = (sources, loaded)
        return loaded

    def _is_reimported(self, module_name: str) -> bool:
        return any(module_name == prefix or module_name.startswith(prefix + ".")
                   for prefix in (self.engine, self.experiments_module, self.figures_module))

    @staticmethod
    def _import(name: str, needed: tuple[str, ...]):
        try:
            module = importlib.import_module(name)
        except ImportError as err:
            raise RegistryError(f"cannot import {name} ({err}); check the plugin's settings in mkdocs.yml "
                                "(see ARCHITECTURE.md, 'The experiment contract').") from err
        missing = [attribute for attribute in needed if not hasattr(module, attribute)]
        if missing:
            raise RegistryError(f"{name} does not define {', '.join(missing)}; the build needs "
                                f"{', '.join(needed)} there (see ARCHITECTURE.md, 'The experiment contract').")
        return module

    def _sources_hash(self) -> str:
        """Hash of the engine's and the figure code's files, as they are on disk now."""
        parts = []
        for name, patterns in ((self.engine, ("**/*.py",)), (self.figures_module, ("**/*.py", "**/*.json"))):
            folder = _folder_of(name)
            parts.append(tree_hash(folder, patterns) if folder else f"no {name}")
        return sha256_hex("\n".join(parts).encode())


def _folder_of(module_name: str) -> Path | None:
    """The folder of a package (or of a single-file module), found without importing it."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin).parent if spec and spec.origin else None
