"""Execute the lab notebook at build time, cached like the experiments.

The notebook source (`docs/lab.ipynb`) is committed without outputs. The build runs it with
nbconvert's `ExecutePreprocessor` and stores the executed copy in the content cache under a key
that covers everything that can change its outputs: the notebook bytes, the engine's sources it
imports, the library versions, and the execution settings. mkdocs-jupyter (configured with
`execute: false`) then renders the executed copy, so the page shows real outputs.

Runnable on its own: `python -m site_src.build.notebook docs/lab.ipynb out.ipynb`.
"""

from __future__ import annotations

import argparse
import base64
import html
import logging
import re
import platform
import struct
import tempfile
import textwrap
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from site_src.build.cache import ContentCache, cache_key, files_hash, sha256_hex, tree_hash, write_if_changed
from site_src.build.imports import ImportGraph
from site_src.build.step import BuildContext, one_at_a_time

#: Libraries whose versions can change the executed outputs (numbers, figures, HTML of tables).
VERSIONED_PACKAGES: tuple[str, ...] = ("numpy", "matplotlib", "nbconvert", "nbclient", "ipykernel", "nbformat")

CACHE_KIND = "notebook"



def install_tag(engine: str) -> str:
    """The tag of the notebook's set-up cell: the one that installs the engine in a downloaded copy."""
    return f"install-{engine}"


#: The line of that cell whose last word the build sets to the address of the wheel the site
#: serves. Written out, not a variable: JupyterLite's %pip (piplite) does not expand {variables}.
INSTALL_LINE = re.compile(r"^(?P<command>(?P<indent>[ \t]*)%pip install numpy matplotlib )\S+$", re.MULTILINE)


class NotebookExecutionError(RuntimeError):
    """The lab notebook failed to execute; the message names the notebook, the cell and the fix."""


@dataclass(frozen=True)
class ExecutionSettings:
    """How the notebook is executed; every field is part of the cache key."""

    kernel_name: str = "python3"
    timeout_seconds: int = 600
    nbformat_version: int = 4


def library_versions(packages: tuple[str, ...] = VERSIONED_PACKAGES) -> dict[str, str]:
    """Installed versions of `packages` plus the Python version, for the cache key."""
    versions = {"python": platform.python_version()}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def notebook_cache_key(
    notebook_bytes: bytes, engine_hash: str, versions: dict[str, str], settings: ExecutionSettings
) -> str:
    """The cache key of an executed notebook: a pure function of what can change its outputs."""
    return cache_key(
        CACHE_KIND,
        {
            "notebook_sha256": sha256_hex(notebook_bytes),
            # (the key's name is older than other engines: a new name would re-execute every cached notebook)
            "lesson_sources": engine_hash,
            "versions": versions,
            "settings": asdict(settings),
        },
    )


def execute_notebook(notebook_bytes: bytes, *, source_name: str, cwd: Path, settings: ExecutionSettings) -> bytes:
    """Run every cell of the notebook in a fresh kernel and return the executed notebook's bytes.

    Timing metadata is not recorded, so the same sources give the same bytes.
    """
    from jupyter_client.manager import KernelManager
    from nbconvert.preprocessors import CellExecutionError, CoalesceStreamsPreprocessor, ExecutePreprocessor

    notebook = nbformat.reads(notebook_bytes.decode("utf-8"), as_version=settings.nbformat_version)
    executor = ExecutePreprocessor(
        kernel_name=settings.kernel_name,
        timeout=settings.timeout_seconds,
        record_timing=False,
        allow_errors=False,
    )
    # The kernel talks over Unix sockets in a private folder, not TCP on localhost: nothing else
    # on the machine can reach it, and ipykernel has no reason to warn about an unencrypted port.
    with tempfile.TemporaryDirectory(prefix="lab-kernel-") as sockets:
        manager = KernelManager(kernel_name=settings.kernel_name, transport="ipc", ip=f"{sockets}/kernel")
        try:
            executor.preprocess(notebook, {"metadata": {"path": str(cwd)}}, km=manager)
        except CellExecutionError as err:
            raise NotebookExecutionError(
                f"{source_name}: a cell raised while executing the lab notebook at build time:\n{err}\n"
                f"Fix the cell (open it with `jupyter lab {source_name}`), then rebuild."
            ) from err
        finally:
            # A kernel manager passed in stays ours to stop: left running, the kernel outlives the
            # build and prints "Parent appears to have exited" into the terminal.
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    # How a cell's printed lines are split into outputs depends on when the kernel flushed them:
    # merged, the same sources give the same bytes (and the same page).
    CoalesceStreamsPreprocessor().preprocess(notebook, {})
    return serialize_notebook(notebook)


def serialize_notebook(notebook: nbformat.NotebookNode) -> bytes:
    """The notebook as validated, stable JSON bytes (one trailing newline, like Jupyter writes)."""
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")


def with_wheel_url(notebook_bytes: bytes, url: str, *, source_name: str, engine: str) -> bytes:
    """The notebook with its install cell's `%pip install numpy matplotlib <wheel>` line installing `url`.

    Done on the executed copy (no re-execution: the build skips the install, the engine being
    importable there), so the page and the download both show the address readers install from.
    """
    notebook = nbformat.reads(notebook_bytes.decode("utf-8"), as_version=4)
    tag = install_tag(engine)
    cells = [cell for cell in notebook.cells if tag in cell.get("metadata", {}).get("tags", [])]
    if len(cells) != 1 or not INSTALL_LINE.search(cells[0].source):
        raise NotebookExecutionError(
            f"{source_name}: expected one code cell tagged {tag!r} holding a line "
            "'%pip install numpy matplotlib <wheel>' (the build writes the wheel's address there); found "
            f"{len(cells)} tagged cell(s). Restore the set-up cell (see git history) or tag it (Jupyter: View > "
            "Cell Toolbar > Tags)."
        )
    # The address may not be the one the reader's copy came from (a build without SITE_URL, a
    # site served elsewhere): the cell says what to put there.
    note = ("# The wheel lies beside lab.ipynb on the site this notebook came from. If that site is not at\n"
            "# the address below, put its address there (the notebook's own, without lab/lab.ipynb).\n")
    cells[0].source = INSTALL_LINE.sub(
        lambda match: textwrap.indent(note, match["indent"]) + match["command"] + url, cells[0].source)
    return serialize_notebook(notebook)


def notebook_imports_hash(notebook_bytes: bytes, engine_dir: Path,
                          experiment_files: Mapping[str, Path] | None = None) -> str:
    """Hash of the engine's files the notebook's code imports, transitively (editing another
    module does not re-execute it; with `experiment_files`, experiments run only by name count
    by their own modules); the whole package's hash if the notebook cannot be parsed."""
    try:
        notebook = nbformat.reads(notebook_bytes.decode("utf-8"), as_version=4)
        # IPython's own translation of magics (`%pip install ...`) into Python, so the cells parse.
        code = "\n".join(TransformerManager().transform_cell(cell.source)
                         for cell in notebook.cells if cell.cell_type == "code")
        return files_hash(ImportGraph(engine_dir.resolve()).code_closure(code, experiment_files))
    except (ValueError, SyntaxError, UnicodeDecodeError):
        return tree_hash(engine_dir)


class Execution:
    """One notebook's execution: its bytes, its cache key, and the run that makes the executed copy."""

    def __init__(self, source: Path, *, engine_dir: Path, settings: ExecutionSettings,
                 experiment_files: Mapping[str, Path] | None = None) -> None:
        try:
            self.notebook_bytes = source.read_bytes()
        except OSError as err:
            raise NotebookExecutionError(f"{source}: cannot read the lab notebook ({err}); check the path.") from err
        self.source, self.settings = source, settings
        imports_hash = notebook_imports_hash(self.notebook_bytes, engine_dir, experiment_files)
        self.key = notebook_cache_key(self.notebook_bytes, imports_hash, library_versions(), settings)

    def run(self) -> bytes:
        return execute_notebook(self.notebook_bytes, source_name=str(self.source), cwd=self.source.parent,
                                settings=self.settings)


def executed_notebook(source: Path, *, engine_dir: Path, cache: ContentCache, settings: ExecutionSettings,
                      experiment_files: Mapping[str, Path] | None = None) -> tuple[bytes, bool]:
    """The executed copy of `source`, from the cache when its key matches; returns (bytes, was_cached).
    (The command line's and the tests' way in; the build runs `NotebookStep`, with the same key.)"""
    execution = Execution(source, engine_dir=engine_dir, settings=settings, experiment_files=experiment_files)
    return cache.through(CACHE_KIND, execution.key, execution.run)


class NotebookStep:
    """Executes the lab notebook (cached), sets its install cell to the wheel's address, and writes
    the executed copy where the plugin hands it to mkdocs-jupyter."""

    kind = CACHE_KIND

    def __init__(self, source: Path, executed: Path, *, wheel_url: str, engine: str,
                 experiment_files: Mapping[str, Path] | None = None, settings: ExecutionSettings = ExecutionSettings()) -> None:
        self.source, self.executed, self.wheel_url, self.engine = source, executed, wheel_url, engine
        self.experiment_files, self.settings = experiment_files, settings

    def run(self, build: BuildContext) -> None:
        execution = Execution(self.source, engine_dir=build.project.engine_dir, settings=self.settings,
                              experiment_files=self.experiment_files)
        name = f"docs/{self.source.name}"
        # Its own cache, beside the build's: an executed notebook is large and changes rarely.
        executed = build.cached(self.kind, {name: execution.key}, one_at_a_time(lambda _: execution.run()),
                                cache=ContentCache(build.project.cache_dir / "notebook" / "store"), verb="executed")[name]
        write_if_changed(self.executed, with_wheel_url(executed, self.wheel_url, source_name=name, engine=self.engine))


#: What nbconvert writes for an image without alt text (its template has no place for one).
PLACEHOLDER_ALT = 'alt="No description has been provided for this image"'


def image_alt_texts(notebook_bytes: bytes, *, source_name: str) -> list[str]:
    """The alt text of each image the executed notebook shows, in page order: the ``alt``
    metadata of the code cell that drew it."""
    notebook = nbformat.reads(notebook_bytes.decode("utf-8"), as_version=4)
    alts = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.cell_type != "code":
            continue
        images = sum(1 for output in cell.get("outputs", []) if any(kind.startswith("image/") for kind in output.get("data", {})))
        if images and not cell.metadata.get("alt"):
            raise NotebookExecutionError(
                f"{source_name}: cell {number} draws {images} image(s) without a description for readers who cannot see "
                'it: add one as the cell\'s metadata "alt" (Jupyter: Property Inspector > Cell Metadata), e.g. '
                '{"alt": "Learning curves: training and validation loss against epoch"}.'
            )
        alts += [cell.metadata.get("alt")] * images
    return alts


def with_alt_texts(page_html: str, alts: list[str], *, source_name: str) -> str:
    """The rendered notebook page with nbconvert's placeholder alt replaced, image by image."""
    parts = page_html.split(PLACEHOLDER_ALT)
    if len(parts) - 1 != len(alts):
        raise NotebookExecutionError(
            f"{source_name}: the page shows {len(parts) - 1} image(s) without alt text, the notebook's cells describe "
            f"{len(alts)}: each image must come from one cell's output (site_src/build/notebook.py, image_alt_texts)."
        )
    return parts[0] + "".join(f'alt="{html.escape(alt, quote=True)}"{part}' for alt, part in zip(alts, parts[1:]))


#: The Mermaid loader mkdocs-jupyter's template puts on every notebook page (nbconvert's
#: `mermaid_js` macro: a script, its styles, an end comment; 19 KB): the script imports Mermaid
#: from cdnjs.cloudflare.com when the page holds a diagram (`.jp-Mermaid`), else does nothing.
MERMAID_LOADER = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*'
    r'const diagrams = document\.querySelectorAll\("\.jp-Mermaid.*?<!-- End of mermaid configuration -->\s*', re.S
)


def without_unused_mermaid_loader(page_html: str) -> str:
    """The rendered notebook page without the Mermaid loader when it has no diagram to draw:
    less to load, and no address of a CDN in a page whose requests stay on the site."""
    if 'class="jp-Mermaid' in page_html:
        return page_html
    return MERMAID_LOADER.sub("", page_html)


#: An image nbconvert inlined into the page (every plot of the notebook is a PNG).
INLINE_PNG = re.compile(r'src="data:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]+)"')


def images_as_files(page_html: str, stem: str = "figure") -> tuple[str, dict[str, bytes]]:
    """The rendered notebook page with each inline PNG replaced by a file beside the page, and
    those files (name -> bytes, ``figure-1.png``... in page order).

    Inline, the plots were two thirds of the page's HTML and loaded with it; as files they load
    only as the reader scrolls to them (``loading="lazy"``), and their size, in the tag, keeps
    the text from moving when they arrive.
    """
    files: dict[str, bytes] = {}

    def to_file(match: re.Match) -> str:
        png = base64.b64decode(match["data"])
        width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
        name = f"{stem}-{len(files) + 1}.png"
        files[name] = png
        return f'src="{name}" width="{width}" height="{height}" loading="lazy" decoding="async"'

    return INLINE_PNG.sub(to_file, page_html), files


class _NotTheAuthors(logging.Filter):
    """Drops the messages of nbconvert and jupyter_client (both log to the "traitlets" logger)
    that an author cannot act on, by their exact opening words, so the build's log under
    `scripts/serve` holds only what is theirs to fix:

    - "Alternative text is missing": nbconvert, of every notebook image; `with_alt_texts` supplies
      them (and the build fails where a cell has none);
    - "Could not destroy zmq context": jupyter_client's kernel client, when the garbage collector
      meets it before its channels' threads have stopped (the kernel is shut down in
      `execute_notebook` either way; seen once in a preview session).
    """

    OPENINGS = ("Alternative text is missing", "Could not destroy zmq context")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.OPENINGS)


NOT_THE_AUTHORS = _NotTheAuthors()


def quiet_notebook_tools() -> None:
    """Install `_NotTheAuthors` on the logger nbconvert and jupyter_client write to (once)."""
    logger = logging.getLogger("traitlets")
    if NOT_THE_AUTHORS not in logger.filters:
        logger.addFilter(NOT_THE_AUTHORS)


def main(argv: list[str] | None = None) -> int:
    """Command line: execute a notebook (cached) and write the executed copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the notebook to execute, e.g. docs/lab.ipynb")
    parser.add_argument("output", type=Path, help="where to write the executed copy")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache/notebook/store"), help="content cache root")
    args = parser.parse_args(argv)
    from site_src.build.experiments import experiment_modules  # the build's key, so the build reuses this run
    from site_src.build.registries import Registries

    registries = Registries()  # the default engine's (a chapter with another builds through the plugin)
    experiments, _ = registries()
    engine_dir = Path(registries.engine)
    executed, was_cached = executed_notebook(
        args.source, engine_dir=engine_dir, cache=ContentCache(args.cache_dir), settings=ExecutionSettings(),
        experiment_files=experiment_modules(experiments, engine_dir),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(executed)
    print(f"{args.output}: {'from cache' if was_cached else 'executed'} ({len(executed)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
