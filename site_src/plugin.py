"""The MkDocs plugin `chapter`: an interactive textbook chapter from an engine package and its pages.

Registered under the `mkdocs.plugins` entry point (pyproject.toml); in mkdocs.yml, after
`mkdocs-jupyter` (its notebook file is swapped in before that plugin reads it):

    plugins:
      - search
      - mkdocs-jupyter: {execute: false, include_source: true, ignore: ["*.md"]}
      - chapter:
          engine: my_engine         # the engine package, a folder beside mkdocs.yml
          cell_timeout: 30          # a live cell's time limit, seconds (a cell's timeout="..." overrides it)

Every setting is typed and checked by MkDocs (`ChapterConfig`); a wrong one fails the build naming
it. The plugin is thin: the work is the build's steps (`site_src.build.pipeline`, runnable alone), the
Markdown extensions (`site_src.markdown`, which get the generated folder from here, once), the
notebook (`site_src.build.notebook`) and the runtime (`site_src.runtime.build`). It never patches MkDocs
objects; it changes the file list through the `Files` API.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files

from site_src.node import svg_optimize
from site_src.build.backends import default_workers
from site_src.build.experiments import experiment_modules
from site_src.build.pipeline import Pipeline
from site_src.build.rerun_seconds import RerunSeconds
from site_src.build.step import BuildContext, BuildError, BuildReport, Deferral
from site_src.build.cache import ContentCache, write_if_changed
from site_src.build.katex_assets import trim_site_katex
from site_src.build.offline import keep_offline, megabytes
from site_src.markdown.exercises import PROGRAMS_FILE
from site_src.markdown.fences import FenceKind, FenceKindError, fence_kinds, superfences_entries
from site_src.markdown.results import FIGURES_FOLDER
from site_src.build.notebook import (NotebookExecutionError, NotebookStep, image_alt_texts, images_as_files,
                                     quiet_notebook_tools, with_alt_texts, without_unused_mermaid_loader)
from site_src.node.page_css import PageCssError, purge_inline_styles
from site_src.project import DEFAULT_ENGINE, DEFAULT_PACKAGES, Project
from site_src.build.registries import Registries, RegistryError
from site_src.runtime.build import LiveCellsSettings, RuntimeSettingsError, RuntimeStep, engine_wheel_folder
from site_src.runtime.engine_wheel import EngineWheelError, download_wheel_name, wheel_file_name
from site_src.runtime.mirror import MirrorError
from site_src.runtime.node_host import LANES, shared_host

SITE_SRC = Path(__file__).resolve().parent
THEME_ASSETS = SITE_SRC / "theme" / "assets"
LOG = logging.getLogger("mkdocs.plugins.chapter")
#: Where the copied files appear in the site.
KATEX_URI = "assets/katex"
CHAPTER_URI = "assets/chapter"
EXTRA_CSS = (f"{CHAPTER_URI}/chapter.css",)  # one stylesheet: each one more blocks the first paint longer
#: The browser runtime's stylesheet and page script (written by RuntimeStep), on every page of a
#: chapter with live cells: a chapter's mkdocs.yml may list them (to place them) or leave them to the plugin.
RUNTIME_CSS = "runtime/runtime.css"
RUNTIME_SCRIPT = "runtime/livecells.js"
#: The Markdown extensions that read what the build wrote: each gets `generated_dir` from the plugin.
GENERATED_READERS = ("site_src.markdown.results", "site_src.markdown.livecells", "site_src.markdown.exercises")
#: The Markdown extension that renders the fences (the plugin gives it every kind: `_add_fences`).
SUPERFENCES = "pymdownx.superfences"
#: The notebook's path inside docs/ (also its nav entry and its download file name).
NOTEBOOK_SRC_URI = "lab.ipynb"
#: The notebook page's folder in the site, where mkdocs-jupyter puts the download.
NOTEBOOK_FOLDER = NOTEBOOK_SRC_URI.removesuffix(".ipynb")
#: Where the executed copy is written (git-ignored, outside docs/ so MkDocs does not list it twice).
EXECUTED_DIR = Path(".cache/notebook/executed")
#: The cache of the notebook page's trimmed inline styles (inside the project's cache folder).
NOTEBOOK_CACHE = Path("notebook/store")


class PositiveSeconds(c.Type):
    """A number of seconds above zero."""

    def __init__(self, default: float) -> None:
        super().__init__((int, float), default=default)

    def run_validation(self, value: object) -> float:
        value = super().run_validation(value)
        if isinstance(value, bool) or value <= 0:
            raise base.ValidationError(f"expected a positive number of seconds, not {value!r}")
        return value


class ChapterConfig(base.Config):
    """The plugin's settings (mkdocs.yml `plugins: - chapter:`); every one is optional."""

    #: The engine package (a folder beside mkdocs.yml): shipped to the page as a wheel, imported by cells.
    engine = c.Type(str, default=DEFAULT_ENGINE)
    #: The module with the experiments' REGISTRY and result_json; default `<engine>.experiments`.
    experiments = c.Optional(c.Type(str))
    #: The module with the figures' FIGURES (and SHARED_CODE); default `<engine>_figures`.
    figures = c.Optional(c.Type(str))
    #: Where the build writes results, figures and cell outputs (beside docs/: writing it does not
    #: retrigger `mkdocs serve`); the Markdown extensions read it from here.
    generated_dir = c.Type(str, default="generated")
    #: pyodide: experiments, live cells and exercises run in Pyodide under Node and the site ships the
    #: browser runtime; cpython: experiments run in this process, no live cells (small test sites).
    runtime = c.Choice(("pyodide", "cpython"), default="pyodide")
    #: self: the verified mirror served by the site; cdn: jsDelivr, same pinned version.
    pyodide = c.Choice(("self", "cdn"), default="self")
    #: intent: start Python when the pointer comes over a cell or the focus into it; run: on the
    #: first Run; visible: when a cell scrolls into view.
    load = c.Choice(("intent", "run", "visible"), default="run")
    #: A live cell's time limit in the page, seconds (a cell's timeout="..." overrides it); the build
    #: allows each cell `BUILD_TIME_FACTOR` times as long (`site_src.build.cells`).
    cell_timeout = PositiveSeconds(default=30)
    #: What live cells may import besides the engine (their closure comes from Pyodide's lock).
    packages = c.ListOfItems(c.Type(str), default=list(DEFAULT_PACKAGES))
    #: Processes that draw figures on a cache miss; default: one per core, at most 4.
    workers = c.Optional(c.Type(int))
    #: The chapter's own fence modules (e.g. `my_fences.takeaway`), besides site_src.markdown's:
    #: each defines a `FenceKind`, which SuperFences renders and the build checks.
    fences = c.ListOfItems(c.Type(str), default=[])


#: The addresses warned about in this process: `scripts/serve` rebuilds on every save, and the
#: warning said once is enough.
_WARNED_ABOUT: set[str] = set()


def warn_without_site_url(site_url: str | None) -> None:
    """Once a process: the address the build names when SITE_URL is not set, where it lands, the fix."""
    if not site_url or os.environ.get("SITE_URL") or site_url in _WARNED_ABOUT:
        return
    _WARNED_ABOUT.add(site_url)
    # Not under "mkdocs.": strict mode would fail every local build on it. Where no handler is
    # configured (`mkdocs build`) logging's last resort prints the bare message, so it names its
    # level itself; where one is (`mkdocs serve` has one on the root logger), that one does.
    logger = logging.getLogger("site_src.site_url")
    level = "" if logger.hasHandlers() else "WARNING -  "
    logger.warning(
        "%sSITE_URL is not set, so this build names %s as the site's address: in sitemap.xml, the "
        "canonical links and the lab notebook's install cell (a downloaded notebook installs the engine from "
        "there). Pages still navigate in place wherever the site is served. To publish, build with the "
        "published address: SITE_URL=https://example.org/chapter/ scripts/build", level, site_url)


class ChapterPlugin(BasePlugin[ChapterConfig]):
    """The build's events: steps before MkDocs reads the pages, assets after it wrote them."""

    def __init__(self) -> None:
        self.registries: Registries | None = None  # kept across `mkdocs serve` rebuilds
        self.last_report: BuildReport | None = None
        #: Set by the preview (`site_src.serve`) before a build: the page being edited first, the
        #: rest in the background. None (every other build): the full, strict build.
        self.deferral: Deferral | None = None

    # --- configuration ---

    def project(self, config: MkDocsConfig) -> Project:
        """The chapter's folders: those of the project holding mkdocs.yml, as the settings name them."""
        root = Path(config.config_file_path).resolve().parent
        return Project(root, engine=self.config.engine, experiments=self._registries().experiments_module,
                       generated_dir=root / self.config.generated_dir,
                       figure_code_paths=self._registries().shared_figure_code, packages=tuple(self.config.packages),
                       in_pyodide=self.config.runtime == "pyodide")

    def live_cells(self) -> LiveCellsSettings:
        return LiveCellsSettings(pyodide=self.config.pyodide, load=self.config.load, timeout=self.config.cell_timeout,
                                 fences=tuple(self.config.fences))

    def _registries(self) -> Registries:
        wanted = Registries(self.config.engine, self.config.experiments, self.config.figures)
        if self.registries != wanted:  # a new build configuration (`serve` reloads mkdocs.yml)
            self.registries = wanted
        return self.registries

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Add the chapter CSS (with live cells, also the runtime's CSS and page script) to every page
        (once, in a stable order), hand the generated folder to
        the Markdown extensions that read it, and pin the build date."""
        _importable(Path(config.config_file_path).resolve().parent)
        self._check_experiments_in_engine(config)
        for uri in EXTRA_CSS:
            if uri not in config.extra_css:
                config.extra_css.append(uri)
        if self.config.runtime == "pyodide":
            if RUNTIME_CSS not in config.extra_css:
                config.extra_css.append(RUNTIME_CSS)
            if RUNTIME_SCRIPT not in [str(script) for script in config.extra_javascript]:
                script = ExtraScriptValue(RUNTIME_SCRIPT)
                script.type = "module"
                config.extra_javascript.append(script)
        self._add_fences(config)
        project = self.project(config)
        for extension in GENERATED_READERS:
            if extension in config.markdown_extensions:
                config.mdx_configs.setdefault(extension, {})["generated_dir"] = str(project.generated_dir)
        _pin_build_date(project.root)
        return config

    def _add_fences(self, config: MkDocsConfig) -> None:
        """Every kind of fence defined (`site_src.markdown.fences.fence_kinds`) in SuperFences'
        `custom_fences`: a fence module is all a new fence needs, mkdocs.yml names none."""
        if SUPERFENCES not in config.markdown_extensions:
            config.markdown_extensions.append(SUPERFENCES)
        custom_fences = config.mdx_configs.setdefault(SUPERFENCES, {}).setdefault("custom_fences", [])
        kinds = self.fence_kinds()
        named_twice = sorted({entry.get("name") for entry in custom_fences} & {kind.name for kind in kinds})
        if named_twice:
            where = _setting_location(Path(config.config_file_path), "custom_fences")
            raise PluginError(f"{where}: custom_fences names {', '.join(named_twice)}, which the chapter plugin adds "
                              "itself (site_src/markdown/fences.py): remove those entries")
        custom_fences.extend(superfences_entries(kinds))

    def fence_kinds(self) -> list[FenceKind]:
        """site_src.markdown's kinds of fence and those of the `fences` setting's modules."""
        try:
            return fence_kinds(self.config.fences)
        except FenceKindError as err:
            raise PluginError(f"chapter: fences: {err}") from err

    def _check_experiments_in_engine(self, config: MkDocsConfig) -> None:
        """In Pyodide the experiments run from the engine's wheel (at build time and in the reader's
        rerun), so their module must be part of the engine package."""
        module, engine = self._registries().experiments_module, self.config.engine
        if self.config.runtime != "pyodide" or module == engine or module.startswith(f"{engine}."):
            return
        where = _setting_location(Path(config.config_file_path), "experiments")
        raise PluginError(
            f"{where}: chapter: experiments: {module} is not part of the engine package {engine}; with runtime: pyodide "
            f"the experiments run in Pyodide from the engine's wheel (the build's and the reader's rerun): move them "
            f"into {engine}/experiments.py (or a module under {engine}/) and name it here, or remove the setting "
            f"for the default {engine}.experiments.")

    # --- before the pages: the build's steps ---

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Run the experiments the pages use, their live cells and exercises, render the figures,
        execute the lab notebook (all cached; under the preview, maybe only what one page needs)."""
        self.last_report = self.run_steps(config, self.deferral)

    def run_steps(self, config: MkDocsConfig, deferral: Deferral | None = None,
                  interrupted: Callable[[], bool] | None = None) -> BuildReport:
        """The build's steps alone, without MkDocs (the preview's background build calls it too,
        with `interrupted`: `Pipeline.run`)."""
        registries = self._registries()
        project = self.project(config)
        try:
            experiments, figures = registries()
            workers = self.config.workers or default_workers()
            pipeline = Pipeline(project, experiments, figures, result_json=registries.result_json,
                                log=LOG.info, workers=workers, registries_loader=registries, fences=self.fence_kinds(),
                                extra_steps=self._notebook_steps(project, experiments, config))
            return pipeline.run(deferral=deferral, interrupted=interrupted)
        except (BuildError, RegistryError, NotebookExecutionError) as err:
            raise PluginError(f"site_src.build: {err}") from err

    def _notebook_steps(self, project: Project, experiments, config: MkDocsConfig) -> list[NotebookStep]:
        source = project.docs_dir / NOTEBOOK_SRC_URI
        if not source.is_file():
            return []
        quiet_notebook_tools()  # nbconvert's and jupyter_client's notes that are not the author's to fix
        return [NotebookStep(source, project.root / EXECUTED_DIR / NOTEBOOK_SRC_URI, wheel_url=self._download_wheel_url(config),
                             engine=project.engine, experiment_files=experiment_modules(experiments, project.engine_dir))]

    # --- the file list ---

    @event_priority(100)  # before mkdocs-jupyter's own on_files, which wraps the notebook file
    def _swap_in_executed_notebook(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Swap the committed notebook (no outputs) for its executed copy (`NotebookStep` wrote it)."""
        source_file = files.get_file_from_path(NOTEBOOK_SRC_URI)
        if source_file is None:
            return files
        executed_path = self.project(config).root / EXECUTED_DIR / NOTEBOOK_SRC_URI
        files.remove(source_file)
        # A plain File whose src_dir is the executed copy's folder (not File.generated: mkdocs-jupyter's
        # NotebookFile wrapper recomputes abs_src_path from src_dir, which a generated file lacks).
        files.append(File(NOTEBOOK_SRC_URI, src_dir=str(executed_path.parent), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
        return files

    def _add_built_assets(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Serve the generated results and figures (written outside docs/, so that writing them does
        not retrigger `mkdocs serve`), KaTeX's CSS and fonts (from node_modules) and the chapter's CSS."""
        project = self.project(config)
        for src_uri, path in [*_generated_files(project), *_site_assets(_katex_dist(project))]:
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        return files

    on_files = CombinedEvent(_swap_in_executed_notebook, _add_built_assets)

    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        """Reuse compiled theme templates between builds: MkDocs makes a new Jinja environment for
        every build, and compiling Material's templates costs 0.4 s of each `serve` rebuild. Jinja
        checks each template's source against the cached checksum, so an edited one recompiles."""
        folder = self.project(config).cache_dir / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
        return env

    def on_page_content(self, html: str, *, page, config: MkDocsConfig, files: Files) -> str:
        """The notebook page with its images described (each by the `alt` metadata of the cell that
        drew it) and in files of their own, only the inline CSS it uses, and no Mermaid loader unless
        it has a diagram (runs after mkdocs-jupyter rendered it)."""
        if page.file.src_uri != NOTEBOOK_SRC_URI:
            return html
        root = self.project(config).root
        source_name = f"docs/{NOTEBOOK_SRC_URI}"
        try:
            alts = image_alt_texts((root / EXECUTED_DIR / NOTEBOOK_SRC_URI).read_bytes(), source_name=source_name)
            html, images = images_as_files(with_alt_texts(without_unused_mermaid_loader(html), alts, source_name=source_name))
            for name, png in images.items():
                write_if_changed(Path(config.site_dir) / NOTEBOOK_FOLDER / name, png)
            return purge_inline_styles(html, ContentCache(self.project(config).cache_dir / NOTEBOOK_CACHE))
        except NotebookExecutionError as err:
            raise PluginError(str(err)) from err
        except PageCssError as err:
            raise PluginError(f"{source_name}: trimming its inline styles: {err}") from err

    # --- after MkDocs wrote the pages ---

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Cut KaTeX down to the site's formulas, write the browser runtime, put the engine's wheel
        beside the downloadable notebook, list the site's files for keeping it offline."""
        project = self.project(config)
        site_dir = Path(config.site_dir)
        sizes = trim_site_katex(site_dir, _katex_dist(project), site_dir / KATEX_URI, ContentCache(project.assets_cache_dir))
        LOG.info("KaTeX cut to the formulas: " + ", ".join(
            f"{what} {before / 1024:.0f} KiB -> {after / 1024:.0f} KiB" for what, (before, after) in sizes.items()))
        if project.in_pyodide:
            build = BuildContext(project, ContentCache(project.assets_cache_dir), runtime={}, log=LOG.info)
            try:
                RuntimeStep(site_dir, self.live_cells()).run(build)
            except (MirrorError, EngineWheelError, RuntimeSettingsError) as err:
                raise PluginError(f"live-cell runtime: {err}") from err
            self._copy_wheel_beside_notebook(project, site_dir)
        # Last: the list and size of everything the site holds, for "Keep this chapter offline".
        total = keep_offline(site_dir, with_runtime=project.in_pyodide)
        if total is not None:
            LOG.info(f"offline: the whole chapter is {megabytes(total)} (offline.json)")

    def _copy_wheel_beside_notebook(self, project: Project, site_dir: Path) -> None:
        """The downloaded notebook's install cell names a copy of the wheel the site serves."""
        if not (site_dir / NOTEBOOK_FOLDER).is_dir():
            return
        served = site_dir / engine_wheel_folder(self.live_cells()) / wheel_file_name(project.engine_dir)
        if not served.is_file():
            raise PluginError(
                f"docs/{NOTEBOOK_SRC_URI}: its install cell needs the {project.engine} wheel, and the site does not hold "
                f"{served}; the runtime (site_src/runtime/build.py) writes the wheel elsewhere: keep engine_wheel_folder in step with it.")
        shutil.copyfile(served, site_dir / NOTEBOOK_FOLDER / download_wheel_name(project.engine))

    def _download_wheel_url(self, config: MkDocsConfig) -> str:
        """The address a downloaded notebook installs the engine from: the copy of the site's wheel
        that `on_post_build` puts next to the notebook.

        pip needs an absolute URL, so it is built from `site_url`; without one, the path on the site
        is written (a reader must complete it) and the build says so.
        """
        path = f"{NOTEBOOK_FOLDER}/{download_wheel_name(self.config.engine)}"
        warn_without_site_url(config.site_url)
        if not config.site_url:
            LOG.warning(
                "lab notebook: site_url is not set, so the downloaded notebook names the engine's wheel by its path "
                "on the site (%s), which pip cannot fetch: set site_url in mkdocs.yml (or SITE_URL) to the published address.",
                path)
            return path
        return urljoin(config.site_url, path)

    # --- the author's preview ---

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        """Rebuild on edits of the engine, the figure code and the runtime, not only of the pages;
        have the build's Pyodides and SVGO running and warm before the first edit that needs them."""
        project = self.project(config)
        if project.in_pyodide:
            experiments, _ = self._registries()()
            quickest = RerunSeconds(project.rerun_seconds_file).quickest(experiments)
            for lane in LANES:
                shared_host(project, lane).warm_up_in_background(quickest)
        figures = sorted((project.generated_dir / FIGURES_FOLDER).glob("*.svg"))[:4]  # the last build's
        threading.Thread(target=svg_optimize.warm_up, args=(figures,), name="svgo-warm-up", daemon=True).start()
        folders = {project.engine_dir, *(path.parent for path in project.figure_code_paths)}
        if project.in_pyodide:
            folders.add(SITE_SRC / "runtime")
        for path in sorted(folders):
            if path.exists():
                server.watch(str(path))
        return server


def _importable(root: Path) -> None:
    """The chapter's engine and figures are folders beside mkdocs.yml: importable however MkDocs was
    started (`mkdocs build` does not put the current folder on sys.path, `python -m mkdocs` does)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def _setting_location(config_file: Path, setting: str) -> str:
    """``mkdocs.yml:LINE`` of the first line that sets `setting` (the file alone if none does)."""
    for number, line in enumerate(config_file.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(f"{setting}:"):
            return f"{config_file}:{number}"
    return str(config_file)


def _katex_dist(project: Project) -> Path:
    """KaTeX comes from the project's npm packages (package-lock.json)."""
    return project.node_modules / "katex" / "dist"


def _generated_files(project: Project) -> list[tuple[str, Path]]:
    """(site path, file) of what the build's steps wrote, as `generated/...` (pages link there),
    but the check programs, which the pages carry already; nothing when the generated folder lies
    inside docs/ (MkDocs collects it by itself then)."""
    folder = project.generated_dir
    if not folder.is_dir() or project.docs_dir in folder.parents:
        return []
    return [(f"generated/{path.relative_to(folder).as_posix()}", path)
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != PROGRAMS_FILE]


def _site_assets(katex_dist: Path) -> list[tuple[str, Path]]:
    """(site path, source file) of KaTeX's CSS and woff2 fonts, and the theme assets."""
    if not (katex_dist / "katex.min.css").exists():
        raise PluginError(
            f"{katex_dist}/katex.min.css is missing: run scripts/setup (it runs `npm ci`, which installs "
            "KaTeX from package-lock.json).")
    # Browsers that run this site all read woff2, the first source in katex.min.css: ship only those.
    katex_files = ["katex.min.css"] + [f"fonts/{font.name}" for font in sorted((katex_dist / "fonts").glob("*.woff2"))]
    found = [(f"{KATEX_URI}/{name}", katex_dist / name) for name in katex_files]
    found += [(f"{CHAPTER_URI}/{path.name}", path) for path in sorted(THEME_ASSETS.iterdir()) if path.is_file()]
    return found


def _pin_build_date(root: Path) -> None:
    """Reproducible builds: MkDocs stamps sitemap.xml(.gz) with SOURCE_DATE_EPOCH when it is set.

    Unless the caller chose one, use the time of the last git commit (the sources' date), so two
    builds of the same sources are byte-identical.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        return
    try:
        completed = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"],
                                   capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return  # not a git checkout: MkDocs uses the current time, only the sitemap dates differ
    if completed.stdout.strip().isdigit():
        os.environ["SOURCE_DATE_EPOCH"] = completed.stdout.strip()
