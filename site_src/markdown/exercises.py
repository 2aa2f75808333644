r"""The ``exercise`` fence: a self-checking exercise, verified at build time in the reader's Pyodide.

Authoring syntax (a ``pymdownx.superfences`` custom fence beside ``python-live``; the question
itself is ordinary page prose above the fence)::

    ```exercise id="patience-rule" title="The patience rule" kind="code"
    #| setup
    import math                       # hidden: runs before the reader's code (optional)
    #| starter
    def should_stop(val_losses, patience):
        return False                  # what the reader sees and edits
    #| solution
    def should_stop(val_losses, patience):
        best = val_losses.index(min(val_losses))
        return len(val_losses) - 1 - best >= patience
    #| check: stops after `patience` epochs without a new best
    assert should_stop([1.0, 0.8, 0.9, 0.95], 2), "should_stop([1.0, 0.8, 0.9, 0.95], 2) should be True"
    #| hidden check: keeps going while the loss improves
    assert not should_stop([1.0, 0.9, 0.8], 1)
    #| hint
    Find the epoch of the lowest loss so far.
    #| hint
    Count the epochs after it.
    #| explanation
    Shown with the solution: why it works.
    ```

Options (quoted, as for ``python-live``): ``id`` (required, letters, digits, ``-``, ``_``; unique
across the chapter: the reader's progress is stored under it), ``title`` (required), ``kind``
(required): ``code`` (code to complete), ``tuning`` (a tuning challenge: the starter trains a
network, the checks read the reader's run) or ``choice`` (a question with one right answer), and
``timeout="S"`` (seconds a Check may run, 0 < S <= 600, default 120).

Sections start at a line ``#| name`` (or ``#| name: label``):

``setup``
    Hidden code run before the reader's code (code and tuning only).
``starter`` / ``solution``
    The code the reader starts from, and the reference solution (required for code and tuning).
``check: what it checks`` / ``hidden check: what it checks``
    Python run after the reader's code, in its namespace; a failing ``assert`` fails the check and
    its message (or the failing line) is shown, with the check's label, also for hidden checks,
    whose code is not shown. Write ``{{ value: experiment.key.path }}`` to use a published number
    (inserted as a Python literal, so a target follows the results; never type it).
``choice: label`` / ``answer: label``
    The options of a ``choice`` question, each followed by its explanation (shown when the
    reader picks it); exactly one is the ``answer``.
``hint``
    One hint (Markdown); hints are revealed one at a time. At least one.
``explanation``
    Markdown shown with the solution (optional).

Prose sections may quote numbers with ``{{ value: experiment.key | .2f }}``, as page text does.
The build (``site_src/build/exercises.py``) runs every code and tuning exercise in Pyodide under Node
and fails if the solution fails a check or the starter already passes them all; a syntax error
fails it with ``docs/page.md:LINE`` and the fix. The fence ``exercise-progress``
(``site_src/markdown/progress.py``) shows the reader's progress on every page's exercises.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import markdown as python_markdown
from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor
from pymdownx.superfences import SuperFencesException

from site_src.markdown.fences import Fence, FenceError, FenceKind, highlighted
from site_src.markdown.results import (
    VALUE_PATTERN,
    GeneratedAssets,
    Reference,
    did_you_mean,
    parse_references,
    resolve_key_path,
)
from site_src.markdown.progress import ExerciseIndex
from site_src.runtime import CHECKER

FENCE_NAME = "exercise"
KINDS = ("code", "tuning", "choice")
KIND_LABELS = {"code": "Code to complete", "tuning": "Tuning challenge", "choice": "Diagnosis"}
VALID_OPTIONS = ("id", "title", "kind", "timeout")
SECTIONS = ("setup", "starter", "solution", "check", "hidden check", "choice", "answer", "hint", "explanation")
LABELLED = ("check", "hidden check", "choice", "answer")
CODE_SECTIONS = ("setup", "starter", "solution", "check", "hidden check")
DEFAULT_TIMEOUT = 120.0
#: Where the build writes every code and tuning exercise's check program (read by the fence; not served).
PROGRAMS_FILE = "exercise-programs.json"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_PAGE_LINK = re.compile(r"\]\(\s*([^)\s]*\.md(?:#[^)\s]*)?)\s*\)")
_SECTION = re.compile(r"^#\|\s*(?P<name>[A-Za-z][A-Za-z -]*?)\s*(?::\s*(?P<label>.*?))?\s*$")


class ExerciseSyntaxError(FenceError):
    """An ``exercise`` fence is malformed; ``line`` is the page line (0 when unknown)."""


@dataclass(frozen=True)
class Section:
    """One ``#| name: label`` section: its text and the page line of its marker."""

    name: str
    label: str
    text: str
    line: int


@dataclass(frozen=True)
class Exercise:
    """An exercise as written in a page (see the module docstring)."""

    line: int
    id: str
    title: str
    kind: str
    timeout: float
    sections: tuple[Section, ...] = field(default=())

    def text(self, name: str) -> str:
        found = [section.text for section in self.sections if section.name == name]
        return found[0] if found else ""

    def section(self, name: str) -> Section | None:
        return next((section for section in self.sections if section.name == name), None)

    def all(self, *names: str) -> list[Section]:
        return [section for section in self.sections if section.name in names]


def parse_options(values: Mapping[str, str], leftover: str) -> dict:
    """The fence line's options (``leftover``: the text there that is no option) as validated values;
    raises ExerciseSyntaxError."""
    valid = 'id="...", title="...", kind="code|tuning|choice", timeout="seconds"'
    if leftover.strip():
        raise ExerciseSyntaxError(f"cannot read {leftover.strip()!r} in the fence line: write options as key=\"value\" (quoted); valid options: {valid}")
    unknown = sorted(set(values) - set(VALID_OPTIONS))
    if unknown:
        raise ExerciseSyntaxError(f"unknown option(s) {', '.join(unknown)}{did_you_mean(unknown[0], VALID_OPTIONS)}; valid options: {valid}")
    missing = [name for name in ("id", "title", "kind") if not values.get(name)]
    if missing:
        raise ExerciseSyntaxError(f"missing option(s) {', '.join(missing)}; every exercise needs {valid.rsplit(',', 1)[0]}")
    if not _ID.match(values["id"]):
        raise ExerciseSyntaxError(f'option id="{values["id"]}" may hold only letters, digits, - and _')
    if values["kind"] not in KINDS:
        raise ExerciseSyntaxError(f'option kind="{values["kind"]}"{did_you_mean(values["kind"], KINDS)}: use one of {", ".join(KINDS)}')
    timeout = values.get("timeout", str(DEFAULT_TIMEOUT))
    try:
        seconds = float(timeout)
    except ValueError as err:
        raise ExerciseSyntaxError(f'option timeout="{timeout}" is not a number of seconds') from err
    if not 0 < seconds <= 600:
        raise ExerciseSyntaxError(f'option timeout="{timeout}" is out of range (0 < timeout <= 600 seconds)')
    return {"id": values["id"], "title": values["title"], "kind": values["kind"], "timeout": seconds}


def split_sections(body: str, first_line: int) -> tuple[Section, ...]:
    """The body's ``#| name`` sections; ``first_line`` is the page line of the body's first line."""
    sections: list[Section] = []
    current: tuple[str, str, int] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is not None:
            # Leading blank lines are kept: a line number inside the text is its page line's offset.
            sections.append(Section(current[0], current[1], "\n".join(lines).rstrip("\n"), current[2]))

    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        match = _SECTION.match(line.strip())
        if match:
            close()
            current, lines = _section_head(match, number), []
        elif current is None and line.strip():
            raise ExerciseSyntaxError(f"text before the first section: start the fence's body with a line `#| starter` (or another section: {', '.join(SECTIONS)})", number)
        else:
            lines.append(line)
    close()
    return tuple(sections)


def _section_head(match: re.Match, number: int) -> tuple[str, str, int]:
    name, label = match.group("name").strip().lower(), (match.group("label") or "").strip()
    if name not in SECTIONS:
        raise ExerciseSyntaxError(f"unknown section `#| {name}`{did_you_mean(name, SECTIONS)}; valid sections: {', '.join(SECTIONS)}", number)
    if name in LABELLED and not label:
        raise ExerciseSyntaxError(f"section `#| {name}` needs a label saying what it is: `#| {name}: ...`", number)
    if name not in LABELLED and label:
        raise ExerciseSyntaxError(f"section `#| {name}` takes no label: write `#| {name}` alone on its line", number)
    return name, label, number


def _require(condition: bool, message: str, line: int) -> None:
    if not condition:
        raise ExerciseSyntaxError(message, line)


def validate_structure(exercise: Exercise) -> None:
    """The sections an exercise of its kind needs, each once where once is meant."""
    line, names = exercise.line, [section.name for section in exercise.sections]
    for name in ("setup", "starter", "solution", "explanation"):
        section = exercise.all(name)
        _require(len(section) <= 1, f"section `#| {name}` appears {len(section)} times; keep one", section[-1].line if section else line)
    _require("hint" in names, "no `#| hint` section: give at least one hint (revealed one at a time)", line)
    for section in exercise.sections:
        link = _PAGE_LINK.search(section.text) if section.name not in CODE_SECTIONS else None
        _require(link is None, f"section `#| {section.name}` links to another page ({link and link.group(1)}): MkDocs does "
                 "not rewrite links inside an exercise; link to a heading of this page (`#anchor`), or put the link in "
                 "the prose around the exercise", section.line + 1 + section.text[:link.start()].count("\n") if link else 0)
    for section in exercise.all("hint", "choice", "answer", "starter", "solution", "check", "hidden check"):
        _require(bool(section.text.strip()), f"section `#| {section.name}` is empty: write its text or code below the marker", section.line)
    if exercise.kind == "choice":
        wrong = exercise.all("setup", "starter", "solution", "check", "hidden check")
        _require(not wrong, f'section `#| {wrong[0].name if wrong else ""}` is for kind="code" or "tuning"; a choice question has `#| choice:` and `#| answer:` sections', wrong[0].line if wrong else line)
        answers = exercise.all("answer")
        _require(len(answers) == 1, f"a choice question needs exactly one `#| answer: label` section (it has {len(answers)})", answers[1].line if len(answers) > 1 else line)
        _require(len(exercise.all("choice", "answer")) >= 2, "a choice question needs at least one `#| choice: label` besides its `#| answer:`", line)
        return
    wrong = exercise.all("choice", "answer")
    _require(not wrong, f'section `#| {wrong[0].name if wrong else ""}` is for kind="choice"; a {exercise.kind} exercise has checks', wrong[0].line if wrong else line)
    for name in ("starter", "solution"):
        _require(name in names, f"no `#| {name}` section: a {exercise.kind} exercise needs starter code and a reference solution", line)
    _require(bool(exercise.all("check", "hidden check")), "no `#| check: ...` section: write at least one check (Python that asserts on the reader's names)", line)
    for section in exercise.all("starter", "solution", "setup", "check", "hidden check"):
        try:
            # A quoted value is a Python literal once the build fills it in: a stand-in number here,
            # so a path with list indices (`{{ value: run.losses.1 }}`) is not read as Python.
            compile(VALUE_PATTERN.sub("0", section.text), f"#| {section.name}", "exec")
        except SyntaxError as err:
            raise ExerciseSyntaxError(f"section `#| {section.name}` is not valid Python: {err.msg} (its line {err.lineno})", section.line + (err.lineno or 0)) from err


def parse_exercise(fence: Fence) -> Exercise:
    """The exercise of a scanned fence (its sections numbered from the fence's line); raises ExerciseSyntaxError."""
    try:
        options = parse_options(fence.options, fence.leftover)
    except ExerciseSyntaxError as err:
        raise ExerciseSyntaxError(str(err), fence.line) from err
    exercise = Exercise(fence.line, sections=split_sections(fence.body, fence.line + 1), **options)
    validate_structure(exercise)
    return exercise


def value_references(exercise: Exercise, in_code: bool) -> list[Reference]:
    """The ``{{ value: }}`` references of the code sections (``in_code``; inserted as Python
    literals, so they may name lists too) or of the prose sections (formatted as in page text),
    with their page lines."""
    found = []
    for section in exercise.sections:
        if (section.name in CODE_SECTIONS) != in_code:
            continue
        for reference in parse_references(section.text.split("\n")):
            found.append(Reference(reference.kind, section.line + reference.line, reference.text, reference.target,
                                   reference.key_path, reference.spec))
    return found


def insert_values(code: str, assets: GeneratedAssets) -> str:
    """Check code with each ``{{ value: experiment.key }}`` replaced by the value as a Python literal."""
    def literal(match: re.Match) -> str:
        [reference] = parse_references([match.group(0)])
        return repr(resolve_key_path(assets.result(reference.target), reference.target, reference.key_path))

    return VALUE_PATTERN.sub(literal, code)


def quote_values(text: str, assets: GeneratedAssets) -> str:
    """Prose with each ``{{ value: ... | spec }}`` replaced by the formatted number, as page text."""
    return VALUE_PATTERN.sub(lambda match: assets.quote(parse_references([match.group(0)])[0]), text)


def check_spec(exercise: Exercise, assets: GeneratedAssets) -> dict:
    """What the checker needs: the hidden setup and the checks, published numbers inserted."""
    checks = [{"name": section.label, "hidden": section.name == "hidden check", "code": insert_values(section.text, assets)}
              for section in exercise.all("check", "hidden check")]
    return {"setup": insert_values(exercise.text("setup"), assets), "checks": checks}


@dataclass(frozen=True)
class CheckProgram:
    """The Python a Check runs around the reader's code (``head`` + the code as a JSON string +
    ``tail``), and the checks it reports (name, hidden). The build makes one per exercise, runs it
    on the solution and the starter, and writes it to ``generated/exercise-programs.json``, where
    the fence finds it: the page runs exactly the program the build verified.

    A JSON string is a valid Python string literal, so the page (``JSON.stringify``) and the build
    (``json.dumps``) insert the answer the same way. The checker is the module ``exercise_check``
    (``runtime/py/exercise_check.py``), which the worker and the build's Node host install beside
    the runner; one expression imports it, so the page's live-cell namespace gains no names, and the
    page carries only the spec, not the checker's source with every exercise.
    """

    head: str
    tail: str
    checks: tuple[Mapping[str, object], ...]

    @classmethod
    def of(cls, spec: Mapping) -> CheckProgram:
        """The program that runs the checker on ``spec`` (``check_spec``)."""
        spec_literal = json.dumps(json.dumps(dict(spec), ensure_ascii=False, sort_keys=True), ensure_ascii=False)
        head = f'__import__("{CHECKER.stem}").main(__import__("json").loads({spec_literal}), '
        return cls(head, ")", tuple({"name": check["name"], "hidden": check["hidden"]} for check in spec["checks"]))

    def around(self, answer: str) -> str:
        """The whole program that checks ``answer`` (what the build runs for the solution and the starter)."""
        return self.head + json.dumps(answer) + self.tail


class CheckPrograms:
    """The check programs the build wrote (``generated_dir``/exercise-programs.json), by exercise id."""

    def __init__(self, generated_dir: Path) -> None:
        self.path = generated_dir / PROGRAMS_FILE
        self._programs: dict | None = None

    def of(self, exercise_id: str) -> CheckProgram:
        if self._programs is None:
            try:
                self._programs = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError as err:
                raise SuperFencesException(f"{self.path} is missing: the build step that verifies the exercises writes it "
                                           "(`python -m site_src.build`, or the MkDocs plugin `chapter`)") from err
        if exercise_id not in self._programs:
            raise SuperFencesException(f'```{FENCE_NAME} fence: no check program was built for id="{exercise_id}"; '
                                       "rebuild: the step that builds them ran before this edit")
        entry = self._programs[exercise_id]
        return CheckProgram(entry["head"], entry["tail"], tuple(entry["checks"]))


# --- the page: superfences validator and formatter -------------------------------------------


def _prose(text: str, assets: GeneratedAssets | None) -> str:
    """A prose section as HTML (plain Markdown: inline code, emphasis, links)."""
    quoted = quote_values(text, assets) if assets is not None else text
    return python_markdown.markdown(quoted, extensions=["sane_lists"])


def _hidden_block(css: str, inner: str, extra: str = "") -> str:
    return f'<div class="exercise__{css}" hidden{extra}>{inner}</div>'


def _controls(exercise: Exercise) -> tuple[str, str]:
    """(what goes under the code or the choices, what goes above the hidden sections): the buttons,
    the code's editor and output areas, the announcement regions (js/fences/exercise.js wires them).

    In the page from the build, so that nothing moves when the script takes the exercise over;
    without JavaScript the buttons hide and a note says why (css/fences/exercise.css)."""
    title = html.escape(exercise.title)
    hints = len(exercise.all("hint"))
    hint = (f'<button type="button" class="md-button exercise__hint-button">Show hint 1 of {hints}</button>' if hints else
            '<button type="button" class="md-button exercise__hint-button" disabled>No more hints</button>')
    reset = ("" if exercise.kind == "choice" else
             f'<button type="button" class="md-button exercise__reset" aria-label="Reset code: {title}">Reset code</button>')
    buttons = (f'<div class="exercise__buttons live-cell__buttons" data-search-exclude>'
               f'<button type="button" class="md-button md-button--primary exercise__check" aria-label="Check: {title}">Check</button>'
               f'{hint}<button type="button" class="md-button exercise__solution-button" disabled aria-label="Show solution: {title}">'
               f'Show solution</button>{reset}</div>')
    if exercise.kind != "choice":
        buttons = (f'<div class="live-cell__editor exercise__editor"></div>{buttons}<div class="exercise__output live-cell__output" '
                   f'role="log" aria-live="off" aria-label="Output of your code: {title}" tabindex="0" hidden></div>')
    # Hints, the solution and resets are announced in the notice, so the verdict stays on screen.
    announcements = ('<p class="exercise__notice" role="status" aria-live="polite"></p>'
                     '<div class="exercise__feedback" role="status" aria-live="polite" aria-atomic="true"></div>'
                     f'<ul class="exercise__results" aria-label="Checks of: {title}" hidden></ul>')
    return buttons, announcements


def _choice_parts(exercise: Exercise, assets) -> tuple[str, str, list[str], int, str]:
    choices = exercise.all("choice", "answer")
    answer = next(index for index, section in enumerate(choices) if section.name == "answer")
    name = f"exercise-{exercise.id}-choice"
    items = "".join(
        f'<li><label><input type="radio" name="{name}" value="{index}"> {html.escape(section.label)}</label></li>'
        for index, section in enumerate(choices))
    static = (f'<fieldset class="exercise__choices"><legend>Your diagnosis</legend>'
              f'<ul class="exercise__options">{items}</ul></fieldset>')
    whys = "".join(_hidden_block("why", _prose(section.text, assets), f' data-choice="{index}"') for index, section in enumerate(choices))
    solution = f"<p><strong>Answer: {html.escape(choices[answer].label)}.</strong></p>{_prose(choices[answer].text, assets)}"
    return static, whys, [section.label for section in choices], answer, solution


class ExerciseFence(FenceKind[Exercise]):
    """The ``exercise`` fence: a scanned fence -> its exercise -> the page's HTML."""

    name = FENCE_NAME
    html_class = "exercise no-copy"

    def parse(self, fence: Fence) -> Exercise:
        return parse_exercise(fence)

    def render(self, exercise: Exercise, md: Markdown, class_name: str) -> str:
        """The exercise's static view plus what the page script needs as JSON."""
        assets = getattr(md, "exercise_assets", None)
        data = {"id": exercise.id, "title": exercise.title, "kind": exercise.kind, "timeout": exercise.timeout}
        hints = "".join(_hidden_block("hint", _prose(section.text, assets)) for section in exercise.all("hint"))
        explanation = _prose(exercise.text("explanation"), assets) if exercise.text("explanation") else ""
        if exercise.kind == "choice":
            static, whys, labels, answer, solution = _choice_parts(exercise, assets)
            data.update(choices=labels, answer=answer)
            solution += explanation
        else:
            programs = getattr(md, "exercise_programs", None)
            if programs is None:
                raise SuperFencesException(f"```{FENCE_NAME} fence: the exercises extension (site_src.markdown.exercises) is not configured")
            program = programs.of(exercise.id)
            data.update(starter=exercise.text("starter"), programHead=program.head, programTail=program.tail,
                        checks=list(program.checks))
            static = f'<div class="exercise__static">{highlighted(exercise.text("starter"), "", md)}</div>'
            whys = ""
            solution = highlighted(exercise.text("solution"), "Reference solution", md) + explanation
        payload = html.escape(json.dumps(data, ensure_ascii=False, sort_keys=True), quote=True)
        label = html.escape(f"{KIND_LABELS[exercise.kind]}: {exercise.title}")
        if hasattr(md, "page_exercise_ids"):  # for the page's summary line (PageSummaryTreeprocessor)
            md.page_exercise_ids.append(exercise.id)
        controls, announcements = _controls(exercise)
        return (
            f'<div class="{html.escape(class_name)} exercise--{exercise.kind}" id="exercise-{exercise.id}" '
            f'role="group" aria-label="Exercise: {label}" data-exercise="{payload}">'
            f'<p class="exercise__title"><span class="exercise__kind">{html.escape(KIND_LABELS[exercise.kind])}</span> '
            f'<strong>{html.escape(exercise.title)}</strong><span class="exercise__state" data-search-exclude>Not solved yet</span></p>'
            f'{static}{controls}'
            f'<p class="exercise__nojs">Checking an answer runs Python in the page: it needs JavaScript.</p>'
            f'{announcements}{whys}{hints}{_hidden_block("solution", solution)}</div>'
        )


EXERCISE = ExerciseFence()


def summary_html(ids: list[str]) -> str:
    """The page's "N of M exercises solved" line, as the page script shows it before any is solved.

    It is in the page from the start, not added by the script, so that the text under it does not
    move when the script runs (layout shift); the script counts the solved ones and wires the reset.
    Kept out of the search index: it says nothing about the page's subject.
    """
    return (
        f'<div class="exercise-summary" data-search-exclude><p class="exercise-summary__text" role="status" aria-live="polite">'
        f'Exercises on this page: 0 of {len(ids)} solved. <a href="#exercise-{ids[0]}">Go to the first exercise</a></p>'
        f'<button type="button" class="md-button exercise-summary__reset">Reset my progress on this page</button></div>'
    )


class PageSummaryTreeprocessor(Treeprocessor):
    """Puts the summary line under the page's title when the page has exercises."""

    def run(self, root: etree.Element) -> None:
        ids = self.md.page_exercise_ids
        if not ids:
            return
        # As raw HTML, like the exercises themselves: its link's target is in their raw HTML, which
        # MkDocs' anchor check does not see in the tree.
        block = etree.Element("p")
        block.text = self.md.htmlStash.store(summary_html(ids))
        title = next((index for index, child in enumerate(root) if child.tag == "h1"), -1)
        root.insert(title + 1, block)


class ExercisesExtension(Extension):
    """Gives the fences the published results, the check programs and the exercise index (``generated_dir``), and puts
    the summary line of a page's exercises under its title."""

    def __init__(self, **kwargs) -> None:
        self.config = {"generated_dir": ["generated", "Folder the build writes results, exercise-programs.json and exercises.json to."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        generated = Path(self.getConfig("generated_dir"))
        md.exercise_assets = GeneratedAssets(generated)
        md.exercise_programs = CheckPrograms(generated)
        md.exercise_index = ExerciseIndex(generated)  # for the progress fence (site_src.markdown.progress)
        md.page_exercise_ids = []
        # Fences are formatted by a preprocessor, so by now every exercise of the page is known.
        md.treeprocessors.register(PageSummaryTreeprocessor(md), "exercise_summary", 5)
        md.registerExtension(self)
        self.md = md

    def reset(self) -> None:
        self.md.exercise_assets = GeneratedAssets(Path(self.getConfig("generated_dir")))
        self.md.exercise_programs = CheckPrograms(Path(self.getConfig("generated_dir")))
        self.md.page_exercise_ids = []


def makeExtension(**kwargs) -> ExercisesExtension:  # noqa: N802 (Python-Markdown's entry point name)
    return ExercisesExtension(**kwargs)
