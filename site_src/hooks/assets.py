"""MkDocs hook: experiments and figures before each build, and the site's math and figure assets.

Thin by design: the work is `site_src.assets.AssetStep` (runnable alone) and the page transforms
are the Markdown extension `site_src.markdown.results`. This hook

- runs the experiment/figure step before MkDocs collects the files (`on_pre_build`), turning its
  errors into a clean `PluginError`;
- serves KaTeX's CSS and fonts from `node_modules/katex` (copied into the site, no CDN; math is
  typeset at build time by `site_src.markdown.math`, so no KaTeX JavaScript is shipped, and the
  theme override links the CSS only on pages with math; `on_post_build` cuts the CSS and fonts
  down to what the site's formulas use) and the chapter CSS
  (`site_src/theme/assets/`), adding the latter to every page's head (`on_config`, `on_files`);
- makes `mkdocs serve` watch the engine and the figure code (`on_serve`).

`AssetHooks` takes the registries as arguments, so a test site can use fixture experiments; the
module-level hook functions below wire it to the chapter's own registries.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from site_src import svg_optimize
from site_src.assets import AssetBuildError, AssetSettings, AssetStep, chapter_registries, default_workers
from site_src.cache import ContentCache
from site_src.katex_assets import trim_site_katex
from site_src.markdown.results import FIGURES_FOLDER
from site_src.runtime.node_host import LANES, shared_host

SITE_SRC = Path(__file__).resolve().parent.parent
THEME_ASSETS = SITE_SRC / "theme" / "assets"
#: KaTeX comes from the npm packages of the checkout that holds site_src (package-lock.json).
KATEX_DIST = SITE_SRC.parent / "node_modules" / "katex" / "dist"
LOG = logging.getLogger("mkdocs.hooks.site_src.assets")
#: Where the copied files appear in the site.
KATEX_URI = "assets/katex"
CHAPTER_URI = "assets/chapter"
EXTRA_CSS = (f"{CHAPTER_URI}/chapter.css",)  # one stylesheet: each one more blocks the first paint longer


class AssetHooks:
    """The hook events, for one project layout and one pair of registries."""

    def __init__(
        self,
        registries: Callable[[], tuple[Mapping[str, object], Mapping[str, object]]],
        settings_for: Callable[[Path], AssetSettings] = AssetSettings.for_project,
        workers: int = 1,
    ) -> None:
        self.registries = registries
        self.settings_for = settings_for
        self.workers = workers  # > 1 needs `registries` importable by a fresh process
        self.last_report = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Add the chapter CSS to every page (once, in a stable order) and pin the build date."""
        for uri in EXTRA_CSS:
            if uri not in config.extra_css:
                config.extra_css.append(uri)
        _pin_build_date(_project_root(config))
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Run the experiments the pages use and render their figures (cached)."""
        experiments, figures = _registries_or_error(self.registries)
        settings = self.settings_for(_project_root(config))
        try:
            step = AssetStep(
                settings, experiments, figures, log=LOG.info, workers=self.workers, registries_loader=self.registries
            )
            self.last_report = step.run()
        except AssetBuildError as err:
            raise PluginError(f"site_src.assets: {err}") from err

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Serve KaTeX's CSS and fonts (from node_modules), the chapter's CSS, and the generated
        results and figures (written outside docs/, so that writing them does not retrigger
        `mkdocs serve`)."""
        settings = self.settings_for(_project_root(config))
        for src_uri, path in _generated_files(settings):
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        for src_uri, path in _site_assets(KATEX_DIST):
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        return files

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Cut KaTeX's fonts and CSS down to what the site's formulas use (`site_src.katex_assets`)."""
        site_dir = Path(config.site_dir)
        cache = ContentCache(self.settings_for(_project_root(config)).cache_dir)
        sizes = trim_site_katex(site_dir, KATEX_DIST, site_dir / KATEX_URI, cache)
        LOG.info("KaTeX cut to the formulas: " + ", ".join(
            f"{what} {before / 1024:.0f} KiB -> {after / 1024:.0f} KiB" for what, (before, after) in sizes.items()))

    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        """Reuse compiled theme templates between builds: MkDocs makes a new Jinja environment for
        every build, and compiling Material's templates costs 0.4 s of each `serve` rebuild. Jinja
        checks each template's source against the cached checksum, so an edited one recompiles."""
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(_bytecode_dir(_project_root(config))))
        return env

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        """Rebuild on edits of the engine and the figure code, not only of the pages; have the
        build's Pyodides and SVGO running and warm before the first edit that needs them."""
        settings = self.settings_for(_project_root(config))
        if settings.pyodide is not None:
            for lane in LANES:
                shared_host(settings.pyodide, lane).warm_up_in_background()
        figures = sorted((settings.generated_dir / FIGURES_FOLDER).glob("*.svg"))[:4]  # the last build's
        threading.Thread(target=svg_optimize.warm_up, args=(figures,), name="svgo-warm-up", daemon=True).start()
        folders = {settings.engine_dir, *(path.parent for path in settings.figure_code_paths)}
        for path in sorted(folders):
            if path.exists():
                server.watch(str(path))
        return server


def _project_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def _bytecode_dir(root: Path) -> Path:
    folder = root / ".cache" / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _registries_or_error(registries):
    try:
        return registries()
    except AssetBuildError as err:
        raise PluginError(f"site_src.assets: {err}") from err


def _generated_files(settings: AssetSettings) -> list[tuple[str, Path]]:
    """(site path, file) of what the asset step wrote, as `generated/...` (pages link there);
    nothing when the generated folder lies inside docs/ (MkDocs collects it by itself then)."""
    folder = settings.generated_dir
    if not folder.is_dir() or settings.docs_dir in folder.parents:
        return []
    return [(f"generated/{path.relative_to(folder).as_posix()}", path)
            for path in sorted(folder.rglob("*")) if path.is_file()]


def _site_assets(katex_dist: Path) -> list[tuple[str, Path]]:
    """(site path, source file) of KaTeX's CSS and woff2 fonts, and the theme assets."""
    if not (katex_dist / "katex.min.css").exists():
        raise PluginError(
            f"{katex_dist}/katex.min.css is missing: run scripts/setup (it runs `npm ci`, which installs "
            "KaTeX from package-lock.json)."
        )
    # Browsers that run this site all read woff2, the first source in katex.min.css: ship only those.
    katex_files = ["katex.min.css"] + [
        f"fonts/{font.name}" for font in sorted((katex_dist / "fonts").glob("*.woff2"))
    ]
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
        completed = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return  # not a git checkout: MkDocs uses the current time, only the sitemap dates differ
    if completed.stdout.strip().isdigit():
        os.environ["SOURCE_DATE_EPOCH"] = completed.stdout.strip()


_CHAPTER = AssetHooks(chapter_registries, workers=default_workers())
on_config = _CHAPTER.on_config
on_pre_build = _CHAPTER.on_pre_build
on_files = _CHAPTER.on_files
on_env = _CHAPTER.on_env
on_post_build = _CHAPTER.on_post_build
on_serve = _CHAPTER.on_serve
