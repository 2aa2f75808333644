"""MkDocs hook: render the *executed* lab notebook.

mkdocs-jupyter is configured with `execute: false`; this hook executes `docs/lab.ipynb` itself
(cached, see `site_src.notebook`), writes the executed copy outside `docs/`, and hands MkDocs a
`File` with the same `src_uri` whose source is that copy. mkdocs-jupyter then renders
it and, with `include_source: true`, copies it next to the page as the download (`lab/lab.ipynb`);
`on_post_build` puts the lesson wheel its install cell names beside it (`lab/lesson-0.1.0-py3-none-any.whl`).

It runs before mkdocs-jupyter's own `on_files` (higher priority), so the plugin wraps the
replacement file. `on_page_content` then trims the JupyterLab styles mkdocs-jupyter inlines into the
page to the rules the notebook uses (`site_src.page_css`): ~570 KB fewer in each load of the page,
and moves the plots nbconvert inlined into files beside the page, loaded as the reader scrolls to
them. Nothing is patched: the file list is changed through the `Files` API and returned.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from urllib.parse import urljoin

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from mkdocs.exceptions import PluginError

from site_src.assets import chapter_registries, experiment_modules
from site_src.cache import ContentCache, write_if_changed
from site_src.notebook import (ExecutionSettings, NotebookExecutionError, executed_notebook, image_alt_texts,
                               images_as_files, quiet_alt_text_warning, with_alt_texts, with_wheel_url,
                               without_unused_mermaid_loader)
from site_src.runtime.build import LiveCellsSettings, lesson_wheel_folder
from site_src.runtime.lesson_wheel import DOWNLOAD_WHEEL_NAME, wheel_file_name
from site_src.page_css import PageCssError, purge_inline_styles

log = logging.getLogger("mkdocs.hooks.notebook")

#: The notebook's path inside docs/ (also its nav entry and its download file name).
NOTEBOOK_SRC_URI = "lab.ipynb"
#: The notebook page's folder in the site, where mkdocs-jupyter puts the download.
NOTEBOOK_FOLDER = NOTEBOOK_SRC_URI.removesuffix(".ipynb")
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
    quiet_alt_text_warning()  # on_page_content describes the images nbconvert warns about
    root = project_root(config)
    experiments, _ = chapter_registries()  # as the asset hook imported them for this build
    executed, was_cached = executed_notebook(
        Path(source_file.abs_src_path),
        lesson_root=root / "lesson",
        cache=ContentCache(root / CACHE_ROOT),
        settings=ExecutionSettings(),
        experiment_files=experiment_modules(experiments, root / "lesson"),
    )
    log.info("lab notebook: %s", "executed copy from cache" if was_cached else "executed")
    try:
        executed = with_wheel_url(executed, lesson_wheel_url(config), source_name=f"docs/{NOTEBOOK_SRC_URI}")
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


def lesson_wheel_url(config: MkDocsConfig) -> str:
    """The address a downloaded notebook installs `lesson` from: the copy of the site's wheel
    that `on_post_build` puts next to the notebook.

    pip needs an absolute URL, so it is built from `site_url`; without one, the path on the site
    is written (a reader must complete it) and the build says so.
    """
    path = f"{NOTEBOOK_FOLDER}/{DOWNLOAD_WHEEL_NAME}"
    if config.site_url and not os.environ.get("SITE_URL"):
        # Not under "mkdocs.": strict mode would fail every local build on it (printed by logging's last resort).
        logging.getLogger("site_src.site_url").warning(
            "WARNING -  SITE_URL is not set, so this build names %s as the site's address: in sitemap.xml, the "
            "canonical links and the lab notebook's install cell (a downloaded notebook installs the engine from "
            "there). Pages still navigate in place wherever the site is served. To publish, build with the "
            "published address: SITE_URL=https://example.org/chapter/ scripts/build", config.site_url)
    if not config.site_url:
        log.warning(
            "lab notebook: site_url is not set, so the downloaded notebook names the lesson wheel by its path "
            "on the site (%s), which pip cannot fetch: set site_url in mkdocs.yml (or SITE_URL) to the published address.",
            path,
        )
        return path
    return urljoin(config.site_url, path)


def on_post_build(config: MkDocsConfig) -> None:
    """Put a copy of the wheel the site serves (the runtime hook wrote it just before) next to
    the downloaded notebook, under the name its install cell uses."""
    site = Path(config.site_dir)
    if not (site / NOTEBOOK_FOLDER).is_dir():
        return
    served = site / lesson_wheel_folder(LiveCellsSettings.from_extra(config.extra)) / wheel_file_name(project_root(config) / "lesson")
    if not served.is_file():
        raise PluginError(
            f"docs/{NOTEBOOK_SRC_URI}: its install cell needs the lesson wheel, and the site does not hold {served}; the "
            "runtime (site_src/runtime/build.py) writes the wheel elsewhere: keep lesson_wheel_folder in step with it."
        )
    shutil.copyfile(served, site / NOTEBOOK_FOLDER / DOWNLOAD_WHEEL_NAME)


def on_page_content(html: str, *, page, config: MkDocsConfig, files: Files) -> str:
    """The notebook page with its images described (each by the `alt` metadata of the cell that
    drew it) and in files of their own, only the inline CSS it uses, and no Mermaid loader unless
    it has a diagram (runs after mkdocs-jupyter rendered it)."""
    if page.file.src_uri != NOTEBOOK_SRC_URI:
        return html
    root = project_root(config)
    source_name = f"docs/{NOTEBOOK_SRC_URI}"
    try:
        alts = image_alt_texts((root / EXECUTED_DIR / NOTEBOOK_SRC_URI).read_bytes(), source_name=source_name)
        html, images = images_as_files(with_alt_texts(without_unused_mermaid_loader(html), alts, source_name=source_name))
        for name, png in images.items():
            write_if_changed(Path(config.site_dir) / NOTEBOOK_FOLDER / name, png)
        return purge_inline_styles(html, ContentCache(root / CACHE_ROOT))
    except NotebookExecutionError as err:
        raise PluginError(str(err)) from err
    except PageCssError as err:
        raise PluginError(f"{source_name}: trimming its inline styles: {err}") from err
