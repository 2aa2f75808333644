"""Runs the reader's cells inside Pyodide (loaded by the Web Worker, never by CPython's build).

One namespace per page: the cells of a page share it, a new page gets a fresh one. The worker
streams stdout/stderr itself; this module reports what Python alone knows: the value of a trailing
expression, tracebacks trimmed to the reader's frames, and matplotlib figures as PNG images.
"""

from __future__ import annotations

import base64
import gc
import io
import json
import linecache
import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from pyodide.code import eval_code_async, find_imports

#: Cell file names look like "<cell 2: Train a network>" so tracebacks say where the reader is.
CELL_PREFIX = "<cell "


class PageNamespaces:
    """The namespace of the page being read; switching pages starts a fresh one."""

    def __init__(self) -> None:
        self.page_id: str | None = None
        self.globals: dict = {}

    def for_page(self, page_id: str) -> dict:
        """The shared globals of `page_id`, new (and the previous page's dropped) on a change."""
        if page_id != self.page_id:
            self.page_id = page_id
            self.globals = {"__name__": "__main__", "__builtins__": __builtins__}
        return self.globals

    def clear(self) -> None:
        """Forget the current namespace (the next run starts a fresh one)."""
        self.page_id = None
        self.globals = {}


NAMESPACES = PageNamespaces()

#: What a cell that reads typed input (input(), sys.stdin) gets where nobody can type it: in the
#: build, on a page that is not cross-origin isolated (no shared buffer to pass the line through),
#: or in a request whose owner shows no input field (the playground, an exercise's Check).
NO_TYPED_INPUT = (
    "Live cells cannot read typed input: input() has no keyboard here. "
    'Set the value in the code instead, e.g. name = "Ada".'
)


class TypedInputError(RuntimeError):
    """Raised when a cell reads typed input and none can be typed (the message says how to set the value instead)."""


class KeyboardStdin(io.TextIOBase):
    """sys.stdin for live cells: a line the reader types into the cell's output area.

    input() reads a line from sys.stdin once it has printed its prompt, so this one object
    covers input(), sys.stdin.read() and sys.stdin.readline() (read() also returns one line: a
    reader cannot type an end of file). `read_line` is the worker's function that waits for the
    line (worker.js `readTypedLine`): it returns the line, None when the reader pressed Stop, or
    False when nobody can type one. Without it (the build), reading raises `TypedInputError`. A
    reader may still replace sys.stdin (e.g. with io.StringIO("Ada\n")) to feed input() from the code.
    """

    def __init__(self) -> None:
        self.read_line: Callable[[], str | None | bool] | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        return self.readline()

    def readline(self, size: int | None = -1) -> str:
        line = self.read_line() if self.read_line is not None else False
        if line is None:
            raise KeyboardInterrupt  # Stop while waiting: the worker cleared the interrupt signal
        if line is False:
            raise TypedInputError(NO_TYPED_INPUT)
        return line + "\n"


# Installed once, on import, in the browser's worker and in the build's Pyodide alike (both
# import this module before running a cell); per run it would undo a reader's own sys.stdin.
KEYBOARD = KeyboardStdin()
sys.stdin = KEYBOARD


class DataChannel:
    """Where `send_data` goes: the page's handler for the cell that is running now."""

    def __init__(self) -> None:
        self.emit: Callable[[str], None] | None = None


DATA_CHANNEL = DataChannel()


def send_data(message: dict) -> None:
    """Send a JSON-ready dict to the page (a `data` reply); the tuning playground streams epochs so.
    Its ``kind`` must be one protocol.json declares under ``data``, with that kind's fields: the
    worker refuses any other (the error is raised here)."""
    if DATA_CHANNEL.emit is not None:
        DATA_CHANNEL.emit(json.dumps(message, allow_nan=False))


def cell_filename(index: int, title: str) -> str:
    """The name tracebacks show for a cell's code."""
    return f"{CELL_PREFIX}{index}: {title}>" if title else f"{CELL_PREFIX}{index}>"


def _register_source(filename: str, code: str) -> None:
    # linecache lets tracebacks quote the reader's lines, as for a file on disk.
    lines = [line + "\n" for line in code.splitlines()]
    linecache.cache[filename] = (len(code), None, lines, filename)


def _reader_frames(tb: TracebackType | None) -> TracebackType | None:
    """Skip the runtime's frames (Pyodide, this runner) up to the first frame of a cell."""
    first = tb
    while first is not None and not first.tb_frame.f_code.co_filename.startswith(CELL_PREFIX):
        first = first.tb_next
    return first if first is not None else tb


def format_reader_traceback(error: BaseException) -> str:
    """The traceback a reader needs: their cells' frames and what those called, not the runtime's."""
    if isinstance(error, KeyboardInterrupt):
        return "KeyboardInterrupt: stopped.\n"
    if isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(type(error), error))
    trimmed = _reader_frames(error.__traceback__)
    if isinstance(error, TypedInputError):
        # Only the reader's lines: the frame of KeyboardStdin.readline is the runtime's.
        frames = [frame for frame in traceback.extract_tb(trimmed) if frame.filename.startswith(CELL_PREFIX)]
        return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + f"TypedInputError: {error}\n"
    return "".join(traceback.format_exception(type(error), error, trimmed))


def imported_modules(code: str) -> list[str]:
    """Top-level modules the code imports (the worker loads their packages first); [] if it cannot parse."""
    try:
        return sorted({name.split(".")[0] for name in find_imports(code)})
    except SyntaxError:
        return []  # the run itself reports the error with the reader's line


def uses_matplotlib(code: str) -> bool:
    """True when the code imports matplotlib (so pyplot is prepared before it runs)."""
    try:
        return any(name.split(".")[0] in ("matplotlib", "pylab") for name in find_imports(code))
    except SyntaxError:
        return False


def _prepare_matplotlib(emit_image: Callable[[str, str], None]) -> None:
    # The first import builds a font cache and says so on stderr: not the reader's concern.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import matplotlib

    matplotlib.use("Agg")  # no DOM in a worker: render to PNG and hand the bytes to the page
    import matplotlib.pyplot as plt

    def show(*args: object, **kwargs: object) -> None:
        flush_figures(emit_image)

    plt.show = show


def flush_figures(emit_image: Callable[[str, str], None]) -> int:
    """Send every open pyplot figure to the page as a PNG, close them, return how many."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return 0
    numbers = pyplot.get_fignums()
    for number in numbers:
        figure = pyplot.figure(number)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
        title = figure.get_suptitle() or ", ".join(ax.get_title() for ax in figure.axes if ax.get_title())
        emit_image(base64.b64encode(buffer.getvalue()).decode("ascii"), title)
        pyplot.close(figure)
    return len(numbers)


async def run_cell(
    page_id: str, index: int, title: str, setup: str, code: str,
    emit_image: Callable[[str, str], None], emit_data: Callable[[str], None] | None = None,
) -> dict:
    """Run a cell's hidden setup then its code in the page's namespace.

    ``emit_data`` is what ``send_data`` reaches while this cell runs (None: data is dropped).

    Prints the repr of a trailing expression (as a notebook does) and sends figures as images.
    Returns {"ok": bool, "error": str}; the traceback is also printed to stderr.
    """
    namespace = NAMESPACES.for_page(page_id)
    filename = cell_filename(index, title)
    DATA_CHANNEL.emit = emit_data
    try:
        if uses_matplotlib(setup + "\n" + code):
            _prepare_matplotlib(emit_image)
        if setup.strip():
            setup_filename = filename[:-1] + " (hidden setup)>"
            _register_source(setup_filename, setup)
            await eval_code_async(setup, namespace, filename=setup_filename)
        _register_source(filename, code)
        result = await eval_code_async(code, namespace, filename=filename, return_mode="last_expr", quiet_trailing_semicolon=True)
        if result is not None:
            print(repr(result))
    except BaseException as error:  # the reader's error of any kind (incl. SystemExit): report, never crash
        message = format_reader_traceback(error)
        summary = message.strip().splitlines()[-1]
        if isinstance(error, MemoryError):
            # Whatever filled the memory is most likely still referenced by the namespace.
            NAMESPACES.clear()
            namespace = error = None
            gc.collect()
            message += "The page's Python variables were cleared to free memory: run the cells you need again.\n"
        sys.stderr.write(message)
        return {"ok": False, "error": summary}
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        flush_figures(emit_image)
    return {"ok": True, "error": ""}


def call_function(module: str, function: str, args_json: str, emit_data: Callable[[str], None]) -> str:
    """``module.function(**args)`` for the page's `call` request; returns the result as JSON.

    The page sends JSON arguments, not Python source (the tuning playground calls the engine's
    ``playground`` module so). A function with a ``send`` parameter gets `send_data` there, the
    page's `data` replies. The worker has checked the name against protocol.js's CALLABLE; errors
    propagate (the worker reports them) after their traceback is written to stderr.
    """
    import importlib
    import inspect

    target = getattr(importlib.import_module(module), function)
    kwargs = json.loads(args_json)
    if "send" in inspect.signature(target).parameters:
        kwargs["send"] = send_data
    DATA_CHANNEL.emit = emit_data
    try:
        return json.dumps(target(**kwargs), allow_nan=False)
    except BaseException as error:  # the page shows the traceback; the worker reports the summary
        called = error.__traceback__.tb_next if error.__traceback__ else None  # from the function on
        sys.stderr.write("".join(traceback.format_exception(type(error), error, called)))
        raise
    finally:
        DATA_CHANNEL.emit = None
        sys.stderr.flush()
