"""Where a chapter's sources, outputs and caches are: the one description of a project's layout.

Every step of the build (experiments, figures, live cells, exercises, notebook, runtime) and the
build's Pyodide take their paths from a `Project`; the MkDocs plugin (`site_src.plugin`) makes it
from its settings and the folder holding mkdocs.yml. A path not given is the chapter's default
layout below `root`, so a test can move one folder (an engine copy, a cache in tmp) and keep the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from site_src.runtime.mirror import MirrorPaths

#: The checkout holding this machinery: its npm packages (package.json, package-lock.json,
#: node_modules/: Pyodide, KaTeX, SVGO, PurgeCSS, esbuild) serve every chapter it builds.
MACHINERY_ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = MACHINERY_ROOT / "node_modules"
#: npm's lock pins every package the build runs in Node: a new version changes what they produce.
PACKAGE_LOCK = MACHINERY_ROOT / "package-lock.json"
#: The engine package a chapter uses unless its plugin settings name another.
DEFAULT_ENGINE = "lesson"
#: Downloads every chapter built by this machinery shares (the Pyodide package source wheel).
MACHINERY_DOWNLOADS = MACHINERY_ROOT / ".cache"
#: What the live cells may import besides the engine; everything else is their dependency closure
#: from Pyodide's lock. Only numpy loads with Python; the others load when a cell imports them (the
#: worker reads the lock's `imports`), so shipping scikit-learn (with scipy, 26 MB) costs a page
#: nothing until then.
DEFAULT_PACKAGES = ("numpy", "matplotlib", "scikit-learn")
#: A live cell's time limit in the page, seconds, unless the plugin's `cell_timeout` says otherwise.
DEFAULT_CELL_TIMEOUT = 30
#: The published rerun times (whole seconds per experiment), in the project's root, committed.
RERUN_SECONDS_FILE = "rerun-seconds.json"


def experiments_module(engine: str, named: str | None = None) -> str:
    """The module holding a chapter's experiments: the one the settings name, else ``<engine>.experiments``."""
    return named or f"{engine}.experiments"


def figures_module(engine: str, named: str | None = None) -> str:
    """The module holding a chapter's figures (matplotlib, so not in the numpy-only engine): the one the
    settings name, else ``<engine>_figures`` beside the engine."""
    return named or f"{engine}_figures"


@dataclass(frozen=True)
class Project:
    """A chapter's folders: sources (`docs/`, the engine), outputs (`generated/`) and caches (`.cache/`)."""

    root: Path
    #: The engine package (a folder of `root`): what the experiments and cells import, shipped as a wheel.
    engine: str = DEFAULT_ENGINE
    #: The module holding the experiments' REGISTRY, result_json and published_json (the page's
    #: rerun calls it); default ``<engine>.experiments``. In Pyodide it must be part of the engine.
    experiments: str = None
    docs_dir: Path = None
    generated_dir: Path = None
    #: Every cache of the build (`.cache/`): results and figures under `assets/`, the Pyodide mirror, ...
    cache_dir: Path = None
    engine_dir: Path = None
    #: Where the build's Pyodides get the engine's wheel from (rebuilt when the engine changes).
    wheel_dir: Path = None
    #: Files every figure's cache key covers (shared style, palette, helpers).
    figure_code_paths: tuple[Path, ...] = ()
    #: The packages the runtime ships for the live cells (see DEFAULT_PACKAGES).
    packages: tuple[str, ...] = DEFAULT_PACKAGES
    #: A live cell's time limit in the page (seconds); the build allows a multiple of it (`site_src.build.cells`).
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    #: True: experiments, live cells and exercises run in Pyodide under Node (the reader's runtime);
    #: False: experiments run in this CPython and there are no live cells (test sites).
    in_pyodide: bool = field(default=True)

    def __post_init__(self) -> None:
        defaults = {
            "experiments": experiments_module(self.engine),
            "docs_dir": self.root / "docs",
            "generated_dir": self.root / "generated",
            "cache_dir": self.root / ".cache",
            "engine_dir": self.root / self.engine,
        }
        for name, default in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, default)  # frozen: filled once, here
        if self.wheel_dir is None:
            object.__setattr__(self, "wheel_dir", self.cache_dir / f"{self.engine}-wheel")

    @property
    def assets_cache_dir(self) -> Path:
        """The content cache of results, cell outputs, exercise verdicts and figures."""
        return self.cache_dir / "assets"

    @property
    def node_modules(self) -> Path:
        """The machinery's npm packages (not the chapter's: a chapter brings none)."""
        return NODE_MODULES

    @property
    def mirror(self) -> MirrorPaths:
        """npm's Pyodide package and where the verified mirror of it is assembled."""
        return MirrorPaths(npm_pyodide=self.node_modules / "pyodide", cache_dir=self.cache_dir,
                           downloads=MACHINERY_DOWNLOADS / "pyodide-src")

    @property
    def rerun_seconds_file(self) -> Path:
        """The kept rerun times: in the project's root, committed."""
        return self.root / RERUN_SECONDS_FILE
