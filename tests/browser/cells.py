"""Helpers that drive a live cell the way a reader does (click, type, read the output)."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

#: Loading Python cold takes ~15 s on the 2-core test machine; matplotlib ~8 s more.
LOAD_TIMEOUT_MS = 120_000
FINISHED = re.compile(r"^(Finished|Error|Stopped|Python failed)")


def cell(page: Page, title: str) -> Locator:
    """The live cell whose title bar reads `title`."""
    return page.locator(".live-cell", has=page.locator(".live-cell__title", has_text=re.compile(f"^{re.escape(title)}$")))


def set_code(target: Locator, code: str) -> None:
    """Replace the cell's code as a reader would: select all in the editor and type."""
    target.locator(".cm-content").click()
    target.page.keyboard.press("Control+a")
    target.page.keyboard.insert_text(code)


def code_of(target: Locator) -> str:
    """The code in the cell's editor, line by line (waits for the editor to be mounted)."""
    target.locator(".cm-content").wait_for()
    return "\n".join(target.locator(".cm-line").all_inner_texts())


def run(target: Locator, timeout_ms: int = LOAD_TIMEOUT_MS) -> str:
    """Click Run, wait for the run to end, return the status line."""
    target.locator(".live-cell__run").click()
    return wait_done(target, timeout_ms)


def wait_done(target: Locator, timeout_ms: int = LOAD_TIMEOUT_MS) -> str:
    """Wait until the Run button is enabled again and the status says how the run ended."""
    status = target.locator(".live-cell__status")
    expect(target.locator(".live-cell__run")).to_be_enabled(timeout=timeout_ms)
    expect(status).to_have_text(FINISHED, timeout=timeout_ms)
    return status.inner_text()


def output_text(target: Locator) -> str:
    """All text the run printed (stdout and stderr)."""
    return target.locator(".live-cell__output").inner_text()
