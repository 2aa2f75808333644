"""site_src.build.notebook: the cache key is a pure function of its inputs; execution is cached and deterministic."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import nbformat
import pytest

from site_src.build import notebook as lab
from site_src.build.cache import ContentCache

SETTINGS = lab.ExecutionSettings()
VERSIONS = {"python": "3.11.2", "numpy": "2.0.2"}


def key(notebook_bytes=b"{}", lesson_hash="a" * 64, versions=VERSIONS, settings=SETTINGS) -> str:
    return lab.notebook_cache_key(notebook_bytes, lesson_hash, versions, settings)


def test_cache_key_is_stable_and_changes_with_every_input():
    assert key() == key()
    variants = {
        "notebook": key(notebook_bytes=b"{ }"),
        "lesson": key(lesson_hash="b" * 64),
        "versions": key(versions={**VERSIONS, "numpy": "2.0.3"}),
        "settings": key(settings=lab.ExecutionSettings(timeout_seconds=60)),
    }
    assert len({key(), *variants.values()}) == 1 + len(variants), variants


def tiny_notebook(path: Path, source: str) -> Path:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    notebook.cells[0]["id"] = "only-cell"
    nbformat.write(notebook, path)
    return path


def test_execution_is_cached_and_gives_the_same_bytes(tmp_path, monkeypatch):
    source = tiny_notebook(tmp_path / "tiny.ipynb", "from lesson.extra import X\nprint(6 * 7 * X)")
    lesson_root = tmp_path / "lesson"
    lesson_root.mkdir()
    (lesson_root / "__init__.py").write_text("")
    (lesson_root / "extra.py").write_text("X = 1\n")
    (lesson_root / "other.py").write_text("Y = 1\n")
    executions = []
    real_execute = lab.execute_notebook

    def counting_execute(*args, **kwargs):
        executions.append(args)
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(lab, "execute_notebook", counting_execute)
    cache = ContentCache(tmp_path / "cache")
    first, first_cached = lab.executed_notebook(source, engine_dir=lesson_root, cache=cache, settings=SETTINGS)
    second, second_cached = lab.executed_notebook(source, engine_dir=lesson_root, cache=cache, settings=SETTINGS)
    assert (first_cached, second_cached, len(executions)) == (False, True, 1)
    assert first == second
    executed = nbformat.reads(first.decode(), as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "42\n"
    assert "execution" not in executed.cells[0].metadata, "timing metadata would make the bytes differ per build"

    (lesson_root / "other.py").write_text("Y = 2\n")  # a module the notebook does not import
    lab.executed_notebook(source, engine_dir=lesson_root, cache=cache, settings=SETTINGS)
    assert len(executions) == 1
    (lesson_root / "extra.py").write_text("X = 1  # edited\n")  # one it imports: run again
    lab.executed_notebook(source, engine_dir=lesson_root, cache=cache, settings=SETTINGS)
    assert len(executions) == 2
    # A fresh execution of unchanged sources gives the same bytes (no timestamps, stable ids).
    assert real_execute(source.read_bytes(), source_name=str(source), cwd=tmp_path, settings=SETTINGS) == first


def test_a_failing_cell_names_the_notebook_and_the_fix(tmp_path):
    source = tiny_notebook(tmp_path / "broken.ipynb", "raise ValueError('no such hyperparameter')")
    with pytest.raises(lab.NotebookExecutionError, match=r"(?s)broken\.ipynb.*no such hyperparameter.*rebuild") as error:
        lab.execute_notebook(source.read_bytes(), source_name=str(source), cwd=tmp_path, settings=SETTINGS)
    assert error.value.__cause__ is not None


def test_a_plot_without_a_description_fails_naming_the_cell_and_the_fix(tmp_path):
    source = tiny_notebook(tmp_path / "plots.ipynb", "print('no image here')")
    notebook = nbformat.read(source, as_version=4)
    notebook.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    with pytest.raises(lab.NotebookExecutionError, match=r'plots\.ipynb: cell 1 draws 1 image\(s\) without a description.*"alt"'):
        lab.image_alt_texts(nbformat.writes(notebook).encode(), source_name=str(source))
    notebook.cells[0].metadata["alt"] = "A <test> plot"
    alts = lab.image_alt_texts(nbformat.writes(notebook).encode(), source_name=str(source))
    page = f'<p>x</p><img {lab.PLACEHOLDER_ALT} src="data:image/png;base64,AA">'
    assert lab.with_alt_texts(page, alts, source_name="p") == '<p>x</p><img alt="A &lt;test&gt; plot" src="data:image/png;base64,AA">'
    with pytest.raises(lab.NotebookExecutionError, match="the page shows 2 image"):
        lab.with_alt_texts(page * 2, alts, source_name="p")


def png_header(width: int, height: int) -> bytes:
    """A PNG's signature and IHDR chunk: where its size is written."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x06\x00\x00\x00"


def test_the_pages_plots_become_files_with_their_size_loaded_as_the_reader_scrolls():
    first, second = png_header(455, 340), png_header(536, 325)
    page = "".join(f'<p>{n}</p><img alt="plot {n}" src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'
                   for n, png in ((1, first), (2, second)))
    html, files = lab.images_as_files(page)
    assert files == {"figure-1.png": first, "figure-2.png": second}
    assert html == (
        '<p>1</p><img alt="plot 1" src="figure-1.png" width="455" height="340" loading="lazy" decoding="async"/>'
        '<p>2</p><img alt="plot 2" src="figure-2.png" width="536" height="325" loading="lazy" decoding="async"/>'
    )
    assert lab.images_as_files("<p>no plots</p>") == ("<p>no plots</p>", {})


def test_the_mermaid_loader_goes_unless_the_page_has_a_diagram():
    loader = ('<script type="module">\n  document.addEventListener("DOMContentLoaded", async () => {\n'
              '    const diagrams = document.querySelectorAll(".jp-Mermaid > pre.mermaid");\n'
              '    await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/11.10.0/mermaid.esm.min.mjs");\n  });\n</script>\n'
              "<style>.jp-RenderedMermaid { overflow: auto; }</style>\n<!-- End of mermaid configuration -->\n")
    other = '<script type="module">import "./other.js";</script>'
    page = f"<head>{other}{loader}</head><body><p>text</p></body>"
    assert lab.without_unused_mermaid_loader(page) == f"<head>{other}</head><body><p>text</p></body>"
    with_diagram = page.replace("<p>text</p>", '<div class="jp-Mermaid"><pre class="mermaid">graph TD</pre></div>')
    assert lab.without_unused_mermaid_loader(with_diagram) == with_diagram


def test_printed_lines_are_one_output_however_the_kernel_flushed_them(tmp_path):
    # Split by the flush and the pause, the kernel sends two stream messages; the build merges
    # them, or the executed bytes (and the page) would depend on timing.
    source = tiny_notebook(tmp_path / "flush.ipynb", "import time\nprint('a', flush=True)\ntime.sleep(0.5)\nprint('b')")
    executed = lab.execute_notebook(source.read_bytes(), source_name=str(source), cwd=tmp_path, settings=SETTINGS)
    outputs = nbformat.reads(executed.decode(), as_version=4).cells[0].outputs
    assert [(output.output_type, output.text) for output in outputs] == [("stream", "a\nb\n")]
