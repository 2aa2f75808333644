"""MkDocs hook: the live-cell runtime (thin; the work is in site_src.runtime and the fence).

- ``on_config``: validates ``extra: live_cells:`` (a typed settings object, `LiveCellsSettings`);
- ``on_page_markdown``: checks every ``python-live`` fence so a bad option fails the build with the
  page's file, line and the valid options (the fence itself cannot know the line);
- ``on_post_build``: writes ``site/runtime/`` (verified Pyodide, lesson wheel + lock, bundles);
- ``on_serve``: ``mkdocs serve`` rebuilds when the engine or the runtime sources change.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.exceptions import PluginError

from site_src.markdown.livecells import iter_fence_errors
from site_src.runtime.build import LiveCellsSettings, RuntimeSettingsError, build_runtime
from site_src.runtime.lesson_wheel import LessonWheelError
from site_src.runtime.mirror import MirrorError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOG = logging.getLogger("mkdocs.hooks.site_src.runtime")


def _settings(config) -> LiveCellsSettings:
    try:
        return LiveCellsSettings.from_extra(config.extra, source=config.config_file_path or "mkdocs.yml")
    except (RuntimeSettingsError, TypeError) as err:
        raise PluginError(str(err)) from err


def on_config(config):
    """Validate the live-cell settings before anything is built (a bad key fails fast)."""
    _settings(config)
    return config


def _front_matter_offset(source_path: str | None, markdown: str) -> int:
    # MkDocs strips the YAML front matter before this event; count its lines back in.
    if not source_path:
        return 0
    try:
        source = Path(source_path).read_text(encoding="utf-8-sig")
    except OSError:
        return 0
    return max(0, len(source.split("\n")) - len(markdown.split("\n")))


def on_page_markdown(markdown, page, config, files):
    """Fail the build on a malformed ``python-live`` fence, naming the file and line."""
    errors = list(iter_fence_errors(markdown))
    if errors:
        offset = _front_matter_offset(page.file.abs_src_path, markdown)
        where = f"docs/{page.file.src_uri}"
        raise PluginError("\n".join(f"{where}:{line + offset}: python-live fence: {message}" for line, message in errors))
    return markdown


def on_post_build(config):
    """Write the runtime into the site (the mirror is cached in .cache/, so rebuilds are quick)."""
    settings = _settings(config)  # read again from the config: cheap, and no state between events
    try:
        runtime = build_runtime(PROJECT_ROOT, Path(config.site_dir), settings)
    except (MirrorError, LessonWheelError, RuntimeSettingsError) as err:
        raise PluginError(f"live-cell runtime: {err}") from err
    LOG.info("live cells: Pyodide %s (%s), %d packages shipped", runtime["version"], settings.pyodide, len(runtime["shipped"]))


def on_serve(server, config, builder):
    """Rebuild when the engine or the runtime's sources change."""
    for folder in (PROJECT_ROOT / "lesson", PROJECT_ROOT / "site_src" / "runtime"):
        server.watch(str(folder))
    return server
