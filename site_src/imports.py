"""Which source files a piece of code depends on: the closure of its imports inside one package.

Cache keys use it so that editing one experiment recomputes only that experiment (and whatever
imports what changed), not every result: an experiment's key covers the module that defines it
and every module of the package it imports, directly or not. Imports are read statically (ast),
so the code is never run. Package ``__init__`` files are followed only when imported by name
(``from lesson import fit``), not as the parents of a submodule: here they only re-export and
register, and following them would pull in every module of the package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path


def module_file(package_dir: Path, dotted: str) -> Path | None:
    """The file of module ``dotted`` (e.g. ``lesson.train``) inside ``package_dir`` (``.../lesson``)."""
    parts = dotted.split(".")
    if parts[0] != package_dir.name:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(package_dir: Path, path: Path) -> str:
    """``lesson/experiments/capacity.py`` -> ``lesson.experiments.capacity``."""
    relative = path.relative_to(package_dir.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, current: str, is_package: bool) -> set[str]:
    """Dotted names the code imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                package = current.split(".") if is_package else current.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


class ImportGraph:
    """The imports between one package's files, each file read and parsed once."""

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir
        self._direct: dict[Path, list[Path]] = {}

    def direct(self, path: Path) -> list[Path]:
        """The package's files that ``path`` imports by name."""
        if path not in self._direct:
            names = imported_names(path.read_text(encoding="utf-8"), module_name(self.package_dir, path),
                                   path.name == "__init__.py")
            found = (module_file(self.package_dir, dotted) for dotted in names)
            self._direct[path] = [file for file in found if file is not None]
        return self._direct[path]

    def closure(self, start: Iterable[Path]) -> list[Path]:
        """The files in ``start`` and every module of the package they import, transitively."""
        todo, seen = list(start), set()
        while todo:
            path = todo.pop()
            if path not in seen:
                seen.add(path)
                todo.extend(self.direct(path))
        return sorted(seen)


def import_closure(package_dir: Path, start: Iterable[Path]) -> list[Path]:
    """The files in ``start`` and every module of the package they import, transitively."""
    return ImportGraph(package_dir).closure(start)


def source_imports(package_dir: Path, source: str) -> list[Path]:
    """The package's files that a piece of code (e.g. a notebook's cells) imports, transitively."""
    direct = {module_file(package_dir, dotted) for dotted in imported_names(source, "__main__", False)}
    return import_closure(package_dir, [path for path in direct if path is not None])
