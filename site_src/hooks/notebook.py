"""MkDocs hook: render the *executed* lab notebook.

mkdocs-jupyter is configured with `execute: false`; this hook executes `docs/lab.ipynb` itself
(cached, see `site_src.notebook`), writes the executed copy outside `docs/`, and hands MkDocs a
`File` with the same `src_uri` whose source is that copy. mkdocs-jupyter then renders
it and, with `include_source: true`, copies it next to the page as the download (`lab/lab.ipynb`).

It runs before mkdocs-jupyter's own `on_files` (higher priority), so the plugin wraps the
replacement file. `on_page_content` then trims the JupyterLab styles mkdocs-jupyter inlines into the
page to the rules the notebook uses (`site_src.page_css`): ~570 KB fewer in each load of the page. Nothing is patched: the file list is changed through the `Files` API and
returned.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urljoin

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from mkdocs.exceptions import PluginError

from site_src.cache import ContentCache, write_if_changed
from site_src.notebook import ExecutionSettings, NotebookExecutionError, executed_notebook, with_wheel_url
from site_src.runtime.build import LiveCellsSettings, lesson_wheel_folder
from site_src.runtime.lesson_wheel import wheel_file_name
from site_src.page_css import PageCssError, purge_inline_styles

log = logging.getLogger("mkdocs.hooks.notebook")

#: The notebook's path inside docs/ (also its nav entry and its download file name).
NOTEBOOK_SRC_URI = "lab.ipynb"
#: Where the executed copy is written (git-ignored, outside docs/ so MkDocs does not list it twice).
EXECUTED_DIR = Path(".cache/notebook/executed")
CACHE_ROOT = Path(".cache/notebook/store")


def project_root(config: MkDocsConfig) -> Path:
    """The folder holding mkdocs.yml: every relative path here is relative to it."""
    return Path(config.config_file_path).resolve().parent


@event_priority(100)
def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Swap the committed notebook (no outputs) for its executed copy."""
    source_file = files.get_file_from_path(NOTEBOOK_SRC_URI)
    if source_file is None:
        return files
    root = project_root(config)
    executed, was_cached = executed_notebook(
        Path(source_file.abs_src_path),
        lesson_root=root / "lesson",
        cache=ContentCache(root / CACHE_ROOT),
        settings=ExecutionSettings(),
    )
    log.info("lab notebook: %s", "executed copy from cache" if was_cached else "executed")
    try:
        executed = with_wheel_url(executed, lesson_wheel_url(config, root), source_name=f"docs/{NOTEBOOK_SRC_URI}")
    except NotebookExecutionError as err:
        raise PluginError(str(err)) from err
    executed_path = root / EXECUTED_DIR / NOTEBOOK_SRC_URI
    write_if_changed(executed_path, executed)
    files.remove(source_file)
    # A plain File whose src_dir is the executed copy's folder (not File.generated: mkdocs-jupyter's
    # NotebookFile wrapper recomputes abs_src_path from src_dir, which a generated file lacks).
    files.append(
        File(
            NOTEBOOK_SRC_URI,
            src_dir=str(executed_path.parent),
            dest_dir=config.site_dir,
            use_directory_urls=config.use_directory_urls,
        )
    )
    return files


def lesson_wheel_url(config: MkDocsConfig, root: Path) -> str:
    """The address a downloaded notebook installs `lesson` from: the wheel the site serves.

    pip needs an absolute URL, so it is built from `site_url`; without one, the path on the site
    is written (a reader must complete it) and the build says so.
    """
    path = lesson_wheel_folder(LiveCellsSettings.from_extra(config.extra)) + wheel_file_name(root / "lesson")
    if not config.site_url:
        log.warning(
            "lab notebook: site_url is not set, so the downloaded notebook names the lesson wheel by its path "
            "on the site (%s), which pip cannot fetch: set site_url in mkdocs.yml (or SITE_URL) to the published address.",
            path,
        )
        return path
    return urljoin(config.site_url, path)


def on_post_build(config: MkDocsConfig) -> None:
    """Check the downloaded notebook's wheel is in the site (the runtime hook wrote it just before)."""
    path = lesson_wheel_folder(LiveCellsSettings.from_extra(config.extra)) + wheel_file_name(project_root(config) / "lesson")
    if (Path(config.site_dir) / NOTEBOOK_SRC_URI.removesuffix(".ipynb")).is_dir() and not (Path(config.site_dir) / path).is_file():
        raise PluginError(
            f"docs/{NOTEBOOK_SRC_URI}: its install cell names {path}, which the site does not hold; the runtime "
            "(site_src/runtime/build.py) writes the wheel elsewhere: keep lesson_wheel_folder in step with it."
        )


def on_page_content(html: str, *, page, config: MkDocsConfig, files: Files) -> str:
    """The notebook page with only the inline CSS it uses (runs after mkdocs-jupyter rendered it)."""
    if page.file.src_uri != NOTEBOOK_SRC_URI:
        return html
    try:
        return purge_inline_styles(html, ContentCache(project_root(config) / CACHE_ROOT))
    except PageCssError as err:
        raise PluginError(f"docs/{NOTEBOOK_SRC_URI}: trimming its inline styles: {err}") from err
