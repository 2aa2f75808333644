"""The ``python-live`` fence: a Python cell the reader can edit and run in the page.

Authoring syntax (a ``pymdownx.superfences`` custom fence; option values must be quoted)::

    ```python-live title="Train a network" height="8" timeout="60"
    from engine import DataConfig, fit, make_dataset   # hidden setup: runs first, not shown
    #| end-setup
    data = make_dataset(DataConfig(n_train=200))        # what the reader sees and edits
    ```

Options (all optional):

``title="text"``
    Label of the cell (also names it in tracebacks, e.g. ``File "<cell 2: Train a network>"``).
``id="name"``
    Stable key for the reader's saved edits (letters, digits, ``-``, ``_``). Without it the key is
    the cell's position and a hash of its code, so editing the code in the Markdown resets them.
``readonly``
    The code cannot be edited, only run.
``autorun``
    Runs by itself when it scrolls into view (this downloads Python: use sparingly).
``height="N"``
    Expected output height in lines (1-60), reserved so the page does not jump.
``timeout="S"``
    Time limit of a run in seconds (0 < S <= 600); default: the chapter plugin's ``cell_timeout``
    in mkdocs.yml (30 s). A run over the limit is stopped with a message.
``raises``
    The cell is meant to end in an error (to show one). Without it, a cell that raises at build
    time fails the build with ``docs/page.md:LINE``; with it, a cell that does not raise does.

Hidden setup: lines above a line that is exactly ``#| end-setup`` run before the cell's code on
every Run but are not shown (use it for imports and data the reader need not see). The cells of a
page share one Python namespace, in the order the reader runs them; a new page starts afresh.

Every cell is executed at build time (``site_src.build.cells``) in Pyodide under Node, the reader's
runtime, in page order in one namespace, and its output is embedded in the page: visible before
Python loads, without JavaScript and in print, and replaced when the reader runs the cell. The
``LiveCellOutputs`` extension of this module (configured with ``generated_dir``) finds each
cell's output by ``chain_key``: the cell's code and setup and those of every cell above it.

Before Python is loaded, with JavaScript off, and in print, the cell shows its code as an ordinary
highlighted block. A malformed option fails the build with the file, the line and the valid
options (the build's scan of the page, ``LIVE_CELL.parsed``; the formatter raises too, without the
line, so the fence stays strict under any Python-Markdown host).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from markdown import Extension, Markdown
from pymdownx.superfences import SuperFencesException

from site_src.markdown.fences import Fence, FenceError, FenceKind, highlighted

FENCE_NAME = "python-live"
SETUP_MARKER = "#| end-setup"
FLAG_OPTIONS = ("readonly", "autorun", "raises")
VALID_OPTIONS = ("title", "id", "readonly", "autorun", "height", "timeout", "raises")
#: File (in the generated folder) holding every cell's pre-rendered output by chain key.
OUTPUTS_FILE = "cells.json"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class LiveCellOptionError(FenceError):
    """A ``python-live`` fence has an unknown or malformed option."""


@dataclass(frozen=True)
class CellOptions:
    """The validated options of one cell (see the module docstring)."""

    title: str = ""
    id: str = ""
    readonly: bool = False
    autorun: bool = False
    height: int = 0
    timeout: float = 0.0
    raises: bool = False

    def to_json(self) -> dict:
        """The options the page script reads (defaults omitted)."""
        return {name: value for name, value in self.__dict__.items() if value}


def _valid_list() -> str:
    return 'title="...", id="...", readonly, autorun, raises, height="lines 1-60", timeout="seconds 0-600"'


def _flag(name: str, value: str) -> bool:
    if value in (name, "true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise LiveCellOptionError(f'option {name} is a flag: write `{name}` alone (or {name}="false"), not {name}="{value}"')


def _number(name: str, value: str, low: float, high: float, kind: type) -> float:
    try:
        number = kind(value)
    except ValueError as err:
        raise LiveCellOptionError(f'option {name}="{value}" is not a number') from err
    if not low < number <= high:
        raise LiveCellOptionError(f'option {name}="{value}" is out of range ({low} < {name} <= {high})')
    return number


def parse_options(values: Mapping[str, str], leftover: str = "") -> CellOptions:
    """Validate a fence line's options (as `header_options` read them: a bare flag maps to its own
    name); ``leftover``, the text there that is no option, must be blank."""
    if leftover.strip():
        raise LiveCellOptionError(
            f"cannot read {leftover.strip()!r} in the fence line: write options as key=\"value\" (quoted) or bare flags; "
            f"valid options: {_valid_list()}"
        )
    unknown = sorted(set(values) - set(VALID_OPTIONS))
    if unknown:
        raise LiveCellOptionError(f"unknown option(s) {', '.join(unknown)}; valid options: {_valid_list()}")
    parsed: dict = {}
    for name, value in values.items():
        if name in FLAG_OPTIONS:
            parsed[name] = _flag(name, value)
        elif name == "height":
            parsed[name] = int(_number(name, value, 0, 60, int))
        elif name == "timeout":
            parsed[name] = float(_number(name, value, 0, 600, float))
        elif name == "id" and not _ID.match(value):
            raise LiveCellOptionError(f'option id="{value}" may hold only letters, digits, - and _')
        else:
            parsed[name] = value
    return CellOptions(**parsed)


def split_setup(source: str) -> tuple[str, str]:
    """(hidden setup, visible code) of a cell's source, split at the ``#| end-setup`` line."""
    lines = source.split("\n")
    markers = [i for i, line in enumerate(lines) if line.strip() == SETUP_MARKER]
    if len(markers) > 1:
        raise LiveCellOptionError(f"a cell may have one `{SETUP_MARKER}` line, this one has {len(markers)}")
    if not markers:
        return "", source
    cut = markers[0]
    return "\n".join(lines[:cut]), "\n".join(lines[cut + 1 :])


@dataclass(frozen=True)
class FencedCell:
    """A live cell as written in a page: its fence line (1-based), options, setup and code."""

    line: int
    options: CellOptions
    setup: str
    code: str

    def markdown_line(self, cell_line: int, in_setup: bool) -> int:
        """The page line of line ``cell_line`` (1-based) of the cell's code or hidden setup."""
        if in_setup or not self.setup:
            return self.line + cell_line
        return self.line + len(self.setup.split("\n")) + 1 + cell_line


def chain_key(previous: str, setup: str, code: str) -> str:
    """The key of a cell's output: its setup and code after the key of the cell above it ("" for
    the first), so an edit of a cell changes its key and those of every cell below it."""
    text = json.dumps([previous, setup, code], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class PrerenderedOutputs:
    """The outputs the build recorded (``generated_dir``/cells.json), followed cell by cell through
    one page: Python-Markdown formats a page's fences in order, and ``reset`` starts a new page."""

    def __init__(self, generated_dir: Path) -> None:
        self.path = generated_dir / OUTPUTS_FILE
        self._outputs: dict | None = None
        self.previous = ""

    def reset(self) -> None:
        self.previous = ""

    def next(self, setup: str, code: str) -> dict:
        """The output record ({ok, items}) of the page's next cell."""
        if self._outputs is None:
            try:
                self._outputs = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError as err:
                raise SuperFencesException(
                    f"{self.path} is missing: the build step that runs the live cells writes it "
                    "(`python -m site_src.build`, or the MkDocs plugin `chapter`)") from err
        self.previous = chain_key(self.previous, setup, code)
        if self.previous not in self._outputs:
            raise SuperFencesException(
                f"```{FENCE_NAME} fence: no output was recorded for this cell ({code.strip()[:60]!r}); "
                "rebuild: the step that runs the live cells ran before this edit")
        return self._outputs[self.previous]


#: Where a run's output goes when the build recorded none.
EMPTY_OUTPUT = '<div class="live-cell__output"></div>'


def render_output(items: list[dict], title: str) -> str:
    """A cell's recorded output as the page script shows a run's output: stdout and stderr in
    <pre> blocks, figures as images."""
    parts, figures = [], 0
    for item in items:
        if item["kind"] == "image":
            figures += 1
            alt = (f"Figure {figures} from this cell: {item['title']}" if item.get("title")
                   else f"Figure {figures} drawn by this cell's code")
            parts.append(f'<img class="live-cell__image" src="data:image/png;base64,{item["png"]}" alt="{html.escape(alt)}">')
        else:
            kind = "stderr" if item["kind"] == "stderr" else "stdout"
            parts.append(f'<pre class="live-cell__{kind}" data-kind="{kind}">{html.escape(item["text"], quote=False)}</pre>')
    label = html.escape(f"Output of: {title or 'Python'}", quote=True)
    return f'<div class="live-cell__output" data-prerendered="" aria-label="{label}">{"".join(parts)}</div>'


class LiveCellOutputs(Extension):
    """Gives the ``python-live`` formatter the outputs the build recorded (``generated_dir``)."""

    def __init__(self, **kwargs) -> None:
        self.config = {"generated_dir": ["generated", "Folder the build writes cells.json to."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        md.live_cell_outputs = PrerenderedOutputs(Path(self.getConfig("generated_dir")))
        md.registerExtension(self)
        self.md = md

    def reset(self) -> None:
        self.md.live_cell_outputs.reset()


def makeExtension(**kwargs) -> LiveCellOutputs:  # noqa: N802 (Python-Markdown's entry point name)
    return LiveCellOutputs(**kwargs)


def _bar(title: str) -> str:
    """The cell's title and its Run / Stop / Reset buttons (js/livecells.js wires them).

    In the page from the build, with the status line under the code, so that nothing moves when
    the script takes the cell over; the buttons and the status hide without JavaScript and in
    print, where the title stays. The buttons stay out of the search index."""
    title = html.escape(title)
    buttons = "".join(
        f'<button type="button" class="live-cell__{name} md-button{extra}" aria-label="{label}: {title}"{state}>{text}</button>'
        for name, text, label, extra, state in (
            ("run", "Run", "Run", " md-button--primary", ""),
            ("stop", "Stop", "Stop", "", " disabled"),
            ("reset", "Reset", "Reset the code of", "", ""),
        ))
    return (f'<div class="live-cell__bar"><span class="live-cell__title">{title}</span>'
            f'<div class="live-cell__buttons" data-search-exclude>{buttons}</div></div>')


class LiveCellFence(FenceKind[FencedCell]):
    r"""The ``python-live`` fence: a scanned fence -> its cell (options, setup, code) -> the page's HTML.

    >>> from site_src.markdown.fences import scan
    >>> page = scan('# Page\n```python-live title="Try it"\nimport math\n#| end-setup\nprint(math.pi)\n```', "docs/a.md")
    >>> [(cell.line, cell.options.title, cell.setup, cell.code) for cell in LIVE_CELL.parsed(page)[0]]
    [(2, 'Try it', 'import math', 'print(math.pi)')]
    >>> LIVE_CELL.parsed(scan('```python-live colour="red"\n```', "docs/a.md"))[1]
    ['docs/a.md:1: python-live fence: unknown option(s) colour; valid options: title="...", id="...", readonly, autorun, raises, height="lines 1-60", timeout="seconds 0-600"']
    """

    name = FENCE_NAME
    # no-copy: Material adds no copy button (its unnamed <nav>s would repeat as landmarks) to the
    # highlighted code that stands in for the editor; a reader copies from the editor.
    html_class = "live-cell no-copy"

    def parse(self, fence: Fence) -> FencedCell:
        return FencedCell(fence.line, parse_options(fence.options, fence.leftover), *split_setup(fence.body))

    def render(self, cell: FencedCell, md: Markdown, class_name: str) -> str:
        """The highlighted code, the cell's source and options as JSON, and its recorded output."""
        source = {"code": cell.code, "setup": cell.setup, "options": cell.options.to_json()}
        outputs = getattr(md, "live_cell_outputs", None)
        output = render_output(outputs.next(cell.setup, cell.code)["items"], cell.options.title) if outputs is not None else ""
        # The source travels in an attribute, not a <script>: Material's instant navigation
        # re-evaluates every <script> of a new page as JavaScript, whatever its type.
        data = html.escape(json.dumps(source, ensure_ascii=False, sort_keys=True), quote=True)
        # The output's reserved height (`height` lines) applies only where a script can run the cell.
        reserve = f' style="--live-cell-output-lines: {cell.options.height}"' if cell.options.height else ""
        return (
            f'<div class="{html.escape(class_name)}" data-live-cell="{data}"{reserve}>{_bar(cell.options.title or "Python")}'
            f'<div class="live-cell__static">{highlighted(cell.code, "", md)}</div><div class="live-cell__editor"></div>'
            f'<p class="live-cell__status" role="status" aria-live="polite"></p>'
            f'{output or EMPTY_OUTPUT}</div>'
        )


LIVE_CELL = LiveCellFence()
