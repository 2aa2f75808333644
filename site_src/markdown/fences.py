"""The fence toolkit every fenced block of the chapter uses (live cells, exercises, progress):
one scanner with page line numbers, one option reader, one error style, one highlighted-code
view, and the guard that makes a fence's own bug fail the build.

A fence module (`livecells`, `exercises`) names its fence and keeps its own options and body
rules; the build (`site_src.build`) scans every page with `fenced_blocks` once per build, so
authoring errors carry `docs/page.md:LINE` from the page itself (`where`), and SuperFences
renders the same fences in the page (its formatter and validator, wrapped in `fails_the_build`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from pymdownx.superfences import RE_OPTIONS, SuperFencesException

Function = TypeVar("Function", bound=Callable)


def fence_start(name: str) -> re.Pattern:
    """The opening line of a fence named `name` (inside quotes or lists too), as Markdown sees it:
    groups ``indent``, ``fence`` (the backticks or tildes) and ``header`` (what follows the name)."""
    return re.compile(r"^(?P<indent>[ \t>]*)(?P<fence>`{3,}|~{3,})[ \t]*" + re.escape(name) + r"(?=[ \t]|$)(?P<header>.*)$")


#: Any fence's opening line (for what lies outside every fence).
ANY_FENCE_START = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")


def closes(line: str, fence: str) -> bool:
    """A closing fence is the opening character alone, at least as many times as it opened."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def fenced_blocks(markdown: str, name: str) -> Iterator[tuple[int, str, str]]:
    """(1-based page line of the opening, header, body) of every fence named `name`, the body
    without the fence's indentation."""
    start = fence_start(name)
    lines = markdown.split("\n")
    for number, line in enumerate(lines, start=1):
        match = start.match(line)
        if match:
            indent = len(match.group("indent"))
            body = []
            for text in lines[number:]:
                if closes(text, match.group("fence")):
                    break
                body.append(text[indent:])
            yield number, match.group("header"), "\n".join(body)


def header_options(header: str) -> tuple[dict[str, str], str]:
    """A fence line's ``key="value"`` options (a bare flag maps to its own name), and the text left
    that is neither (blank when the line is well-formed), read as SuperFences reads them."""
    values: dict[str, str] = {}
    leftover = header
    for match in RE_OPTIONS.finditer(header):
        key, value = match.group("key"), match.group("value")
        values[key] = key if value is None else value
        leftover = leftover.replace(match.group(0), " ", 1)
    return values, leftover


def where(page: str, line: int, fence: str, message: str) -> str:
    """An authoring error in the one style: ``docs/page.md:LINE: NAME fence: what is wrong and the fix``."""
    return f"{page}:{line}: {fence} fence: {message}"


def highlighted(code: str, title: str, md: object) -> str:
    """The code as the site's ordinary highlighted Python block (the no-JS / print view), with a
    title bar when `title` is not empty."""
    fences = md.preprocessors["fenced_code_block"]
    options = {"title": title} if title else {}
    return fences.highlight(src=code, language="python", options=options, md=md, classes=[], id_value="", attrs={})


def fails_the_build(function: Function) -> Function:
    """Re-raise an unexpected exception of a fence's formatter or validator as SuperFencesException.

    SuperFences catches any exception a custom fence's formatter or validator raises, other than its
    own SuperFencesException, and renders the fence as a plain code block: the build would pass and
    the page silently lose its live cell or exercise. Such an exception is a bug in our code, not the
    author's; this stops the build with the cause.
    """

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SuperFencesException:
            raise
        except Exception as err:
            raise SuperFencesException(
                f"{function.__module__}.{function.__name__} failed ({type(err).__name__}: {err}): "
                "a bug in the site's build code, not in the page; the traceback above shows where") from err

    return guarded
