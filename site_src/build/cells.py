"""Every live cell executed at build time, in the reader's runtime, for its pre-rendered output.

For each page, the ``python-live`` cells run in Pyodide under Node (``PyodideHost.run_page``) in
page order in one namespace, each with its hidden setup, through the same ``livecells_runner``
the browser's worker uses. Their outputs are written to ``generated/cells.json`` keyed by
``chain_key`` (a cell's code after all the code above it), where the fence formatter finds them.
A page's run is cached by its cells' code, the engine sources and the runtime, so a prose edit
runs no cell. A cell that raises fails the build with ``docs/page.md:LINE`` unless its fence says
``raises``; a cell that says ``raises`` and does not raise fails it too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from site_src.build.cache import cache_key, canonical_json
from site_src.build.step import BuildContext, one_at_a_time
from site_src.markdown.fences import ScannedPage
from site_src.markdown.livecells import LIVE_CELL, OUTPUTS_FILE, FencedCell, chain_key
from site_src.project import DEFAULT_CELL_TIMEOUT


#: The build allows each cell this many times the page's time limit: its Pyodide under Node starts
#: cold and shares the machine with the experiments' Pyodide and the figures, a reader's does not.
BUILD_TIME_FACTOR = 2


class CellError(RuntimeError):
    """Live cells failed at build time; the message lists each with ``docs/page.md:LINE``."""


def page_cells(scans: Mapping[str, ScannedPage]) -> dict[str, list[FencedCell]]:
    """Every page's well-formed live cells, in order (``docs/<path>`` -> cells); pages without
    cells are left out. Malformed fences are reported by the pipeline (`fences.fence_errors`)."""
    found = {page: LIVE_CELL.parsed(scanned)[0] for page, scanned in scans.items()}
    return {page: cells for page, cells in found.items() if cells}


def error_line(cell: FencedCell, index: int, traceback_text: str) -> int:
    """The page line of the cell line where the error was raised (from its traceback); the fence
    line when the traceback names no line of this cell."""
    found = re.findall(rf'File "<cell {index}(?:: [^"]*)?(?P<setup> \(hidden setup\))?>", line (\d+)', traceback_text)
    if not found:
        return cell.line
    in_setup, line = found[-1]
    return cell.markdown_line(int(line), bool(in_setup))


class CellsStep:
    """Runs (or takes from the cache) every page's live cells and writes ``cells.json``."""

    kind = "cells"

    def __init__(self, host, engine_hash: Callable[[str], str], *, cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> None:
        """``engine_hash(code)`` hashes the engine files that code depends on: a page's cells
        are rerun only when their own code, the runtime or those files change. ``cell_timeout`` is
        the page's time limit of a cell without a ``timeout`` option."""
        self.host, self.engine_hash, self.cell_timeout = host, engine_hash, cell_timeout

    def run(self, build: BuildContext) -> None:
        """Writes the outputs of every cell. Raises CellError listing every cell that failed."""
        pages = page_cells(build.scans)
        keys = {page: cache_key("cells", {"page": page, "cells": [[c.setup, c.code, c.options.title] for c in cells],
                                          "runtime": dict(build.runtime), "engine": self.engine_hash(_code_of(cells))})
                for page, cells in pages.items()}
        counts = {page: f"{len(cells)} cells" for page, cells in pages.items()}
        make = one_at_a_time(lambda page: canonical_json(self._run_page(page, pages[page])))
        results = build.cached(self.kind, keys, make, details=counts)
        outputs, errors = {}, []
        for page, cells in pages.items():
            previous = ""
            for index, (cell, result) in enumerate(zip(cells, json.loads(results[page])), start=1):
                previous = chain_key(previous, cell.setup, cell.code)
                outputs[previous] = {"ok": result["ok"], "items": result["items"]}
                errors += filter(None, [self._problem(page, index, cell, result)])
        if errors:
            raise CellError("\n".join(errors))
        build.write(build.project.generated_dir / OUTPUTS_FILE,
                    json.dumps(outputs, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n")

    def _run_page(self, page: str, cells: list[FencedCell]) -> list[dict]:
        requests = [{"index": i, "title": c.options.title, "setup": c.setup, "code": c.code}
                    for i, c in enumerate(cells, start=1)]
        timeout = BUILD_TIME_FACTOR * sum(c.options.timeout or self.cell_timeout for c in cells)
        return self.host.run_page(page, requests, timeout)

    @staticmethod
    def _problem(page: str, index: int, cell: FencedCell, result: dict) -> str | None:
        if result["ok"] == (not cell.options.raises):
            return None
        if cell.options.raises:
            return (f"{page}:{cell.line}: live cell {index} is marked `raises` but ran without an error: "
                    "remove `raises` from its fence, or make it show the error it is meant to.")
        traceback_text = "".join(item.get("text", "") for item in result["items"] if item["kind"] == "stderr")
        line = error_line(cell, index, traceback_text)
        return (f"{page}:{line}: live cell {index} raised {result['error']}; fix the code, or add `raises` "
                f"to its fence if it is meant to end in an error. Its traceback:\n{traceback_text.rstrip()}")


def _code_of(cells: list[FencedCell]) -> str:
    return "\n".join(f"{c.setup}\n{c.code}" for c in cells)
