"""Which source code a piece of code depends on: the closure of its imports inside one package,
and (``function_closure_source``) the functions, classes and constants of its own modules a
function uses.

Cache keys use it so that editing one experiment recomputes only that experiment (and whatever
imports what changed), not every result: an experiment's key covers the module that defines it
and every module of the package it imports, directly or not. Imports are read statically (ast),
so the code is never run. Package ``__init__`` files are followed only when imported by name
(``from engine import fit``), not as the parents of a submodule: here they only re-export and
register, and following them would pull in every module of the package.
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import CodeType

from site_src.build.cache import files_hash, tree_hash


def module_file(package_dir: Path, dotted: str) -> Path | None:
    """The file of module ``dotted`` (e.g. ``engine.train``) inside ``package_dir`` (``.../engine``)."""
    parts = dotted.split(".")
    if parts[0] != package_dir.name:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(package_dir: Path, path: Path) -> str:
    """``engine/experiments/capacity.py`` -> ``engine.experiments.capacity``."""
    relative = path.relative_to(package_dir.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.lru_cache(maxsize=1024)  # `mkdocs serve` rebuilds parse the same unchanged sources again
def imported_names(source: str, current: str, is_package: bool) -> frozenset[str]:
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
    return frozenset(names)


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

    def closure(self, start: Iterable[Path], skip: Iterable[Path] = ()) -> list[Path]:
        """The files in ``start`` and every module of the package they import, transitively,
        not entering the files in ``skip`` (unless they are in ``start``)."""
        todo, seen = list(start), set(skip) - set(start)
        found = []
        while todo:
            path = todo.pop()
            if path not in seen:
                seen.add(path)
                found.append(path)
                todo.extend(self.direct(path))
        return sorted(found)

    def code_closure(self, source: str, experiment_files: Mapping[str, Path] | None = None) -> list[Path]:
        """The package's files that a piece of code (a page's live cells, a notebook) imports,
        transitively. With ``experiment_files`` (experiment name -> its module), code that reaches
        the experiments only as ``run_experiment("name")`` depends on the named ones' modules, not
        on every module the registry imports."""
        direct = {module_file(self.package_dir, dotted) for dotted in imported_names(source, "__main__", False)}
        start = [path for path in direct if path is not None]
        named = named_experiments(source, experiment_files or {})
        if named is None:
            return self.closure(start)
        needed = {experiment_files[name] for name in named}
        return self.closure(start, skip=set(experiment_files.values()) - needed)


class EngineCode:
    """Hashes of the engine files code depends on, for cache keys: an experiment by the files its
    module imports (so editing one experiment recomputes only it), a page's cells or an exercise's
    programs by what they import and the experiments they run by name. Each engine file is parsed
    once per build."""

    def __init__(self, engine_dir: Path, experiment_files: Mapping[str, Path]) -> None:
        self.engine_dir, self.experiment_files = engine_dir, experiment_files
        self.graph = ImportGraph(engine_dir.resolve())

    @functools.cached_property
    def whole(self) -> str:
        """The whole engine's hash (its files as they are now)."""
        return tree_hash(self.engine_dir)

    def of_experiment(self, name: str) -> str:
        """The files the experiment's module imports; the whole engine for one defined outside it."""
        source = self.experiment_files.get(name)
        return self.whole if source is None else files_hash(self.graph.closure([source]))

    def of_code(self, code: str) -> str:
        """The files `code` imports and the modules of the experiments it runs by name; the whole
        engine for code that does not parse (it fails when run, and the failure must see engine edits too)."""
        try:
            return files_hash(self.graph.code_closure(code, self.experiment_files))
        except SyntaxError:
            return self.whole


def import_closure(package_dir: Path, start: Iterable[Path]) -> list[Path]:
    """The files in ``start`` and every module of the package they import, transitively."""
    return ImportGraph(package_dir).closure(start)


#: What code may take from the experiment registry and still depend only on the experiments it names.
REGISTRY_NAMES = {"run_experiment", "get_experiment"}


def named_experiments(source: str, experiment_files: Mapping[str, Path]) -> set[str] | None:
    """The experiments ``source`` runs through the registry by a literal name
    (``run_experiment("lr_sweep", seeds=1)``); None when it may reach any other: it imports
    something else from the registry package or names an experiment through a variable."""
    if not experiment_files:
        return None
    packages = {_package_of(path) for path in experiment_files.values()}
    named: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(alias.name in packages for alias in node.names):
            return None
        if isinstance(node, ast.ImportFrom) and node.module in packages:
            if any(alias.name not in REGISTRY_NAMES for alias in node.names):
                return None
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in REGISTRY_NAMES:
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and first.value in experiment_files):
                return None
            named.add(first.value)
    return named


def _package_of(path: Path) -> str:
    """``.../engine/experiments/capacity.py`` -> ``engine.experiments`` (its package's dotted name)."""
    parts = []
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)



# Memoised by the function objects: `mkdocs serve` keeps the figure modules imported until one of
# their files changes (site_src.build.registries.Registries), and inspect reads sources slowly.
@functools.lru_cache(maxsize=256)
def function_closure_source(functions: tuple[Callable, ...], within: Path) -> str:
    """The source of ``functions`` and of every function and class they use, transitively, that
    is defined in a file under ``within``, plus the values of the other globals they read: a
    figure's key covers this, so editing one figure's drawing code redraws only that figure,
    while an edit of a helper it calls redraws every figure that calls it."""
    todo, seen, parts = list(functions), set(), set()
    while todo:
        code_object = todo.pop()
        if code_object in seen:
            continue
        seen.add(code_object)
        parts.add(inspect.getsource(code_object))
        namespace = getattr(code_object, "__globals__", None) or vars(inspect.getmodule(code_object))
        for name in _global_names(code_object):
            value = namespace.get(name)
            if inspect.isfunction(value) or inspect.isclass(value):
                source = inspect.getsourcefile(value)
                if source and within in Path(source).resolve().parents:
                    todo.append(value)
            elif value is not None and not inspect.ismodule(value) and not callable(value):
                parts.add(f"{name} = {_stable_repr(value)}")
    return "\n".join(sorted(parts))


def _stable_repr(value: object) -> str:
    """``repr`` of a constant, without the memory address an object's default repr carries."""
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def _global_names(code_object) -> set[str]:
    """Names a function (or a class's methods) may read as globals, nested code included."""
    if inspect.isclass(code_object):
        members = [vars(code_object)[name] for name in vars(code_object)]
        return set().union(*(_global_names(m) for m in members if inspect.isfunction(m)))
    names: set[str] = set()
    todo = [code_object.__code__]
    while todo:
        code = todo.pop()
        names.update(code.co_names)
        todo.extend(const for const in code.co_consts if isinstance(const, CodeType))
    return names
