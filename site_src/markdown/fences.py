"""The fence toolkit every fenced block of the chapter and every value or figure reference uses:
one scanner with page line numbers (`scan`), one option reader (`header_options`), one error style
(`FenceError`, `where`), one highlighted-code view, and one interface for a kind of fence
(`FenceKind`: `scan`, `parse`, `render`), and the register of every kind defined (`fence_kinds`).

A fence module (`livecells`, `exercises`, `progress`) subclasses `FenceKind` with its own options
and body rules and makes its one instance, which registers the kind: the chapter plugin hands every
registered kind to SuperFences (`superfences_entries`) and the build reports every kind's
malformed fences (`fence_errors`). The kinds are found by importing every module of this package,
and the modules a chapter names in the plugin's ``fences`` setting (`fence_kinds`). The build (`site_src.build`) reads and scans every page once per build
(`BuildContext.scans`), so authoring errors carry `docs/page.md:LINE` from the page's file, front
matter included; SuperFences renders the same fences in the page through the kind's `validate`
and `format`, which parse the fence again from SuperFences' own text (it has no page lines) and
stop the build on any error.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from markdown import Markdown
from pymdownx.superfences import RE_OPTIONS, SuperFencesException

#: What a kind of fence makes of a fence (a live cell's options and code, an exercise, ...).
Spec = TypeVar("Spec")


#: A fence's opening line (inside quotes or lists too), as Markdown sees it: groups ``indent``,
#: ``fence`` (the backticks or tildes), ``name`` (the first word) and ``header`` (what follows it).
FENCE_START = re.compile(r"^(?P<indent>[ \t>]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<name>[^\s]*)(?P<header>.*)$")


class FenceError(ValueError):
    """A fence is malformed: the message says what is wrong and the fix; ``line`` is the page line
    it concerns (0: the fence's opening line, or unknown)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Fence:
    """One fenced block as written: its page (``docs/<path>``; "" when SuperFences renders it), the
    page line of its opening line (0 when unknown), its name, the ``key="value"`` options of that
    line (a bare flag maps to its own name), the text there that is no option (blank when
    well-formed) and its body without the fence's indentation."""

    page: str
    line: int
    name: str
    options: Mapping[str, str]
    leftover: str
    body: str


@dataclass(frozen=True)
class ScannedPage:
    """A page read once: every fence in it (any name, in order) and the lines outside them."""

    page: str
    fences: tuple[Fence, ...]
    #: (1-based page line, text) of every line outside the fences (the value and figure references live there)
    prose: tuple[tuple[int, str], ...]

    def named(self, name: str) -> list[Fence]:
        return [fence for fence in self.fences if fence.name == name]


def closes(line: str, fence: str) -> bool:
    """A closing fence is the opening character alone (after the quote markers and indentation of
    its container), at least as many times as it opened."""
    stripped = line.lstrip(" \t>").strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def scan(markdown: str, page: str = "") -> ScannedPage:
    r"""The one pass over a page that every fence and every value or figure reference is found by.

    >>> found = scan('Intro\n```python-live title="Try"\nprint(1)\n```\nEnd', "docs/a.md")
    >>> [(f.line, f.name, dict(f.options), f.body) for f in found.fences], found.prose
    ([(2, 'python-live', {'title': 'Try'}, 'print(1)')], ((1, 'Intro'), (5, 'End')))
    """
    lines = markdown.split("\n")
    fences, prose = [], []
    number = 0
    while number < len(lines):
        line, number = lines[number], number + 1
        start = FENCE_START.match(line)
        if not start:
            prose.append((number, line))
            continue
        opening, indent, body = number, len(start["indent"]), []
        while number < len(lines) and not closes(lines[number], start["fence"]):
            body.append(lines[number][indent:])
            number += 1
        number += 1  # past the closing line
        options, leftover = header_options(start["header"])
        fences.append(Fence(page, opening, start["name"], options, leftover, "\n".join(body)))
    return ScannedPage(page, tuple(fences), tuple(prose))


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


class FenceKind(Generic[Spec]):
    """One kind of fence: what each fence module provides, and the glue that runs it in the build
    and in the page.

    A subclass names its fence (``name``) and says what a fence means (``parse``: a scanned fence ->
    its spec, or FenceError saying the fix, with the line when it knows a better one than the
    fence's) and how it looks (``render``: the spec -> the page's HTML). The build takes a kind's
    fences from each page it read once (``scan``, ``parsed``); SuperFences calls ``validate`` and
    ``format`` (the plugin adds them to SuperFences' ``custom_fences``: `superfences_entries`).

    Making the instance registers the kind under its name (a subclass that defines ``__init__``
    calls ``super().__init__()``); a module makes one instance, at import.
    """

    #: The fence's name, the word after the backticks: ```name
    name: str
    #: The class attribute of the fence's HTML element (SuperFences' ``class``; ``render`` gets it as
    #: ``class_name``). Its first class names the elements the fence's page script mounts
    #: (``runtime/js/fences/<name>.js``); ``no-copy`` keeps Material's copy button off code the
    #: fence shows.
    html_class: str

    def __init__(self) -> None:
        registered = _KINDS.setdefault(self.name, self)
        same_definition = type(registered).__qualname__ == type(self).__qualname__ and type(registered).__module__ == type(self).__module__
        if registered is not self and not same_definition:
            raise FenceKindError(
                f"{type(self).__module__}: a fence named {self.name!r} is already defined by {type(registered).__module__}; "
                "give this kind another name")
        _KINDS[self.name] = self  # a module imported again (importlib.reload) replaces its own kind

    def parse(self, fence: Fence) -> Spec:
        raise NotImplementedError

    def render(self, spec: Spec, md: Markdown, class_name: str) -> str:
        raise NotImplementedError

    def scan(self, page: ScannedPage) -> list[Fence]:
        """This kind's fences in a page read once (``scan``)."""
        return page.named(self.name)

    def parsed(self, page: ScannedPage) -> tuple[list[Spec], list[str]]:
        """(the specs of the page's well-formed fences of this kind, an error in the one style for
        each malformed one, with the page's own line, front matter included)."""
        specs, errors = [], []
        for fence in self.scan(page):
            try:
                specs.append(self.parse(fence))
            except FenceError as err:
                errors.append(where(page.page, err.line or fence.line, self.name, str(err)))
        return specs, errors

    def validate(self, language: str, inputs: dict, options: dict, attrs: dict, md: Markdown) -> bool:
        """SuperFences validator: keeps the fence line's options for ``format`` (which checks them
        with the body: ``parse`` reads both)."""
        options[_FENCE_OPTIONS] = dict(inputs)
        return True

    def format(self, src: str, language: str, class_name: str, options: dict, md: Markdown, **kwargs: object) -> str:
        """SuperFences formatter: ``parse`` then ``render``; a malformed fence stops the build.

        SuperFences renders a fence whose formatter raises anything but its SuperFencesException as
        a plain code block: the build would pass and the page silently lose its live cell or
        exercise. Such an exception is a bug in our code, not the author's: it stops the build too.
        """
        fence = Fence("", 0, self.name, options.get(_FENCE_OPTIONS, {}), "", src)
        try:
            return self.render(self.parse(fence), md, class_name)
        except FenceError as err:
            raise SuperFencesException(f"```{self.name} fence: {err}") from err
        except SuperFencesException:
            raise
        except Exception as err:
            raise SuperFencesException(
                f"{type(self).__module__}: the {self.name} fence failed ({type(err).__name__}: {err}): "
                "a bug in the site's build code, not in the page; the traceback above shows where") from err


#: Where ``validate`` keeps the fence line's options for ``format``.
_FENCE_OPTIONS = "fence_options"

#: Every kind of fence defined so far, by name (each registers itself: ``FenceKind.__init__``).
_KINDS: dict[str, FenceKind] = {}


class FenceKindError(ValueError):
    """A kind of fence cannot be registered or found: the message names the module and the fix."""


def fence_kinds(modules: Iterable[str] = ()) -> list[FenceKind]:
    """Every kind of fence, by name: those of every module of this package (``site_src.markdown``)
    and of `modules` (a chapter's own fence modules, the plugin's ``fences`` setting), imported so
    that each registers its kind."""
    package = __name__.rpartition(".")[0]
    found = [f"{package}.{module.name}" for module in pkgutil.iter_modules([str(Path(__file__).parent)])]
    for module in [*found, *modules]:
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise FenceKindError(f"fence module {module}: cannot import it ({err}); name a module importable "
                                 "from the folder of mkdocs.yml, e.g. my_fences.takeaway") from err
    return [_KINDS[name] for name in sorted(_KINDS)]


def superfences_entries(kinds: Iterable[FenceKind]) -> list[dict]:
    """The ``custom_fences`` entries of `kinds`, as pymdownx.superfences takes them."""
    return [{"name": kind.name, "class": kind.html_class, "format": kind.format, "validator": kind.validate} for kind in kinds]


def fence_errors(scans: Mapping[str, ScannedPage], kinds: Iterable[FenceKind]) -> list[str]:
    """Every malformed fence of `kinds` in the pages read once, in the one style with the page's own
    line (front matter included): the build reports them all at once."""
    return [error for kind in kinds for scanned in scans.values() for error in kind.parsed(scanned)[1]]
