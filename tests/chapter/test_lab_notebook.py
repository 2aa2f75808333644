"""The lab notebook: committed without outputs, rendered executed, downloadable as a valid notebook."""

from __future__ import annotations

import ast
import html
import re

import nbformat
from chapter_site import DOCS_DIR, SITE_DIR, visible_text

from site_src.build.notebook import install_tag
from site_src.runtime.engine_wheel import download_wheel_name

INSTALL_TAG = install_tag("lesson")
DOWNLOAD_WHEEL_NAME = download_wheel_name("lesson")


def test_the_committed_notebook_has_no_outputs():
    notebook = nbformat.read(DOCS_DIR / "lab.ipynb", as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code_cells) >= 5
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells), (
        "docs/lab.ipynb must be committed without outputs: clear them (Jupyter: Edit > Clear Outputs of All Cells)."
    )


def test_the_notebook_page_shows_executed_outputs(page_html):
    page = page_html("lab.ipynb")
    text = visible_text(page)
    assert "LrSweepConfig(low=" in text, "the first cell's printed output is missing"
    assert "random search found the lower loss in" in text and "this lopsided would come up" in text
    plots = re.findall(r'<img [^>]*src="(figure-\d+\.png)"', page)  # files beside the page (images_as_files)
    assert len(plots) >= 3 and all((SITE_DIR / "lab" / name).is_file() for name in plots), "the notebook's plots are missing"


def test_the_download_link_serves_a_valid_executed_notebook(site_dir, page_html):
    page = page_html("lab.ipynb")
    links = set(re.findall(r'href="([^"#]+\.ipynb)"', page))
    assert links == {"lab.ipynb"}, f"expected one download link to lab.ipynb, found {links}"
    downloaded = site_dir / "lab" / "lab.ipynb"
    notebook = nbformat.reads(downloaded.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    # The install cell prints nothing at build time (`lesson` is importable there, nothing to
    # install), nor does the set-up cell, which only imports; every other cell shows its output.
    assert all(cell.outputs for cell in code_cells if not is_install_cell(cell) and not only_imports(cell))
    assert sum(only_imports(cell) for cell in code_cells if not is_install_cell(cell)) == 1
    assert not any(output.output_type == "error" for cell in code_cells for output in cell.outputs)


def only_imports(cell) -> bool:
    return all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse(cell.source).body)


def is_install_cell(cell) -> bool:
    return INSTALL_TAG in cell.get("metadata", {}).get("tags", [])


def test_the_download_installs_lesson_from_the_wheel_the_site_serves(site_dir):
    notebook = nbformat.read(site_dir / "lab" / "lab.ipynb", as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert is_install_cell(code_cells[0]), "the first code cell installs lesson"
    [served] = (site_dir / "runtime" / "pyodide").glob("lesson-*.whl")
    # Written out (JupyterLite's %pip does not expand variables), under the check for repository users.
    [url] = re.findall(r"^    %pip install numpy matplotlib (\S+)$", code_cells[0].source, re.MULTILINE)
    assert re.fullmatch(r"https?://[^/]+/(.+/)?lab/lesson-0\.1\.0-py3-none-any\.whl", url), url
    beside = site_dir / "lab" / "lesson-0.1.0-py3-none-any.whl"
    assert beside.read_bytes() == served.read_bytes(), "the download installs the engine the site's live cells run"
    assert 'if importlib.util.find_spec("lesson") is None:' in code_cells[0].source, "repository users install nothing"
    source = nbformat.read(DOCS_DIR / "lab.ipynb", as_version=4)
    [committed] = [cell for cell in source.cells if is_install_cell(cell)]
    assert "written-by-the-site-build" in committed.source, "the committed notebook keeps the placeholder"


def test_the_jupyterlite_fallback_names_the_wheel_beside_the_page_and_installs_it_from_the_notebooks_folder(site_dir, page_html):
    # In JupyterLite, %pip (micropip) reads a bare `name.whl` as an address on the JupyterLite
    # server; `emfs:` names a file in the notebook's own folder, where the reader uploaded it.
    intro = nbformat.read(DOCS_DIR / "lab.ipynb", as_version=4).cells[0].source
    assert f"%pip install numpy matplotlib emfs:{DOWNLOAD_WHEEL_NAME}" in intro  # the engine wheel requires numpy only
    assert f'<a href="{DOWNLOAD_WHEEL_NAME}" download>' in intro and "not in a downloaded copy" in intro
    assert f'href="{DOWNLOAD_WHEEL_NAME}"' in page_html("lab.ipynb") and (site_dir / "lab" / DOWNLOAD_WHEEL_NAME).is_file()


def test_every_plot_on_the_notebook_page_is_described_by_its_cell(page_html):
    page = page_html("lab.ipynb")
    described = [cell.metadata.alt for cell in nbformat.read(DOCS_DIR / "lab.ipynb", as_version=4).cells
                 if cell.cell_type == "code" and "plt.show()" in cell.source]
    shown = [html.unescape(alt) for alt in re.findall(r'<img [^>]*alt="([^"]*)"[^>]*src="figure-\d+\.png"', page)]
    assert len(described) == 4 and shown == described
