"""Every exercise checked at build time, in the reader's runtime, before a reader can try it.

For each ``exercise`` fence of kind ``code`` or ``tuning`` (``site_src/markdown/exercises.py``),
the build runs the exact program a reader's Check runs, in Pyodide under Node
(``PyodideHost.run_page``), twice: with the reference solution, which must pass every check, and
with the starter code, which must fail at least one (otherwise a reader would be told they solved
it without doing anything). Either failure stops the build with ``docs/page.md:LINE`` and the fix.
The verdicts are cached by the exercise's checks, setup, starter and solution (with the published
numbers they use), the engine sources and the runtime, so a prose edit reruns nothing.

The step also writes ``generated/exercises.json`` (every page's exercises, for the progress table
of the overview page) and reports duplicate ids and the values the exercises quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from site_src.build.cache import cache_key, canonical_json, write_if_changed
from site_src.build.step import BuildContext, one_at_a_time
from site_src.markdown.exercises import (
    EXERCISE,
    FENCE_NAME,
    PROGRAMS_FILE,
    CheckProgram,
    Exercise,
    check_spec,
    value_references,
)
from site_src.markdown.results import Reference, ResultReferenceError, resolve_key_path
from site_src.runtime.py.exercise_check import VERDICT_MARKER
from site_src.build.pages import nav_pages
from site_src.markdown.fences import ScannedPage, where
from site_src.markdown.progress import INDEX_FILE

_TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*$")


class ExerciseError(RuntimeError):
    """Exercises failed their verification; the message lists each with ``docs/page.md:LINE``."""


@dataclass(frozen=True)
class PageExercises:
    """The exercises of one page (``docs/<path>``) and the page's title and overview link."""

    page: str
    title: str
    url: str
    exercises: tuple[Exercise, ...]


def page_url(page: str) -> str:
    """The page's (``docs/<path>``) address relative to the site root, as MkDocs writes it with directory URLs."""
    path = page.partition("/")[2].removesuffix(".md")
    if path == "index" or path.endswith("/index"):
        return path.removesuffix("index") or "./"
    return f"{path}/"


PageReferences = list[tuple[str, Reference]]


def scan_exercises(scans: Mapping[str, ScannedPage]) -> tuple[list[PageExercises], list[str], PageReferences, PageReferences]:
    """(pages with exercises, the ids used twice with ``docs/page.md:LINE``, (page, value reference)
    pairs of the prose sections, and of the code sections) of the pages (``docs/<path>`` -> the page
    scanned once). Malformed fences are reported by the pipeline (`fences.fence_errors`)."""
    pages, errors, prose, code, seen = [], [], [], [], {}
    for page, scanned in scans.items():
        exercises, _ = EXERCISE.parsed(scanned)
        found = []
        for item in exercises:
            if item.id in seen:
                errors.append(where(page, item.line, FENCE_NAME, f'id="{item.id}" is already used at {seen[item.id]}; '
                                    "ids are unique across the chapter (the reader's progress is stored under them)"))
                continue
            seen[item.id] = f"{page}:{item.line}"
            found.append(item)
            prose += [(page, reference) for reference in value_references(item, in_code=False)]
            code += [(page, reference) for reference in value_references(item, in_code=True)]
        if found:
            pages.append(PageExercises(page, _title(scanned), page_url(page), tuple(found)))
    return pages, errors, prose, code


def _title(scanned: ScannedPage) -> str:
    """The page's first level-1 heading (its name in the progress table), or its path."""
    titles = (_TITLE.match(line) for _, line in scanned.prose)
    return next((title.group("title") for title in titles if title), scanned.page)


def code_value_errors(references: PageReferences, results: Mapping[str, dict]) -> list[str]:
    """Every key of a code section's ``{{ value: }}`` that does not exist, with its file and line
    (it is inserted as a Python literal, so lists and dicts are fine; unknown experiments are
    reported with the other names)."""
    errors = []
    for page, reference in references:
        if reference.target not in results:
            continue
        try:
            resolve_key_path(results[reference.target], reference.target, reference.key_path)
        except ResultReferenceError as err:
            errors.append(f"{page}:{reference.line}: {reference.text!r}: {err}")
    return errors


def nav_order(docs_dir: Path) -> list[str]:
    """The Markdown pages (``docs/<path>``) in the order of mkdocs.yml's nav beside the docs folder, if any."""
    config = docs_dir.parent / "mkdocs.yml"
    if not config.is_file():
        return []
    return [f"{docs_dir.name}/{page}" for page in nav_pages(config) if page.endswith(".md")]


def write_index(pages: list[PageExercises], generated_dir: Path, order: list[str] = ()) -> bool:
    """Write ``exercises.json`` (page -> title, url, exercises; pages in ``order`` first, as the
    reader meets them); True if its bytes changed."""
    rank = {page: index for index, page in enumerate(order)}
    ordered = sorted(pages, key=lambda entry: (rank.get(entry.page, len(rank)), entry.page))
    index = {entry.page: {"title": entry.title, "url": entry.url,
                          "exercises": [{"id": e.id, "title": e.title, "kind": e.kind} for e in entry.exercises]}
             for entry in ordered}
    return write_if_changed(generated_dir / INDEX_FILE, json.dumps(index, indent=1, ensure_ascii=False).encode() + b"\n")


def verdict_of(result: dict) -> dict | None:
    """The checker's verdict in one run's output (None if the checker itself failed)."""
    for item in reversed(result["items"]):
        if item["kind"] == "stdout" and VERDICT_MARKER in item["text"]:
            return json.loads(item["text"].rsplit(VERDICT_MARKER, 1)[1].strip())
    return None


def _output_text(result: dict) -> str:
    return "".join(item.get("text", "") for item in result["items"]).replace(VERDICT_MARKER, "verdict: ").rstrip()


def problems(page: str, exercise: Exercise, solution: dict, starter: dict) -> list[str]:
    """What is wrong with an exercise given its solution's and its starter's runs (none: it is sound)."""
    prefix = f'{page}:{{line}}: exercise "{exercise.id}"'
    found = []
    for name, result in (("solution", solution), ("starter", starter)):
        if verdict_of(result) is None:
            found.append(f"{prefix.format(line=exercise.line)}: the checker failed running the {name} (an error in `#| setup` "
                         f"or in a check?): {result.get('error', '')}\n{_output_text(result)}")
    if found:
        return found
    verdict = verdict_of(solution)
    if verdict["error"]:
        found.append(f"{prefix.format(line=exercise.section('solution').line)}: the reference solution raised {verdict['error']}; "
                     f"fix the `#| solution` (or the `#| setup` it relies on). Its output:\n{_output_text(solution)}")
    checks = exercise.all("check", "hidden check")
    for section, case in zip(checks, verdict["cases"]):
        if not case["passed"]:
            found.append(f"{prefix.format(line=section.line)}: the reference solution fails check {case['name']!r}: "
                         f"{case['message']}; fix the solution or the check")
    if verdict_of(starter)["passed"]:
        found.append(f"{prefix.format(line=exercise.section('starter').line)}: the starter code already passes every check, so "
                     "a reader would be told they solved it without changing anything; make the starter incomplete, "
                     "or add a check it fails")
    return found


class PublishedResults:
    """The results the asset step computed, read as the fence reads the generated folder
    (``GeneratedAssets.result``): the step runs before that folder's index is written."""

    def __init__(self, results: Mapping[str, dict]) -> None:
        self.results = results

    def result(self, experiment: str) -> dict:
        return self.results[experiment]


def check_programs(pages: list[PageExercises], results: Mapping[str, dict]) -> dict[str, CheckProgram]:
    """Every code and tuning exercise's check program (by id), the published numbers inserted: built
    once per build, verified by `ExercisesStep` and written for the pages by `write_programs`."""
    assets = PublishedResults(results)
    return {exercise.id: CheckProgram.of(check_spec(exercise, assets))
            for entry in pages for exercise in entry.exercises if exercise.kind != "choice"}


def write_programs(programs: Mapping[str, CheckProgram], generated_dir: Path) -> bool:
    """Write ``exercise-programs.json`` (id -> head, tail, checks) for the exercise fence; True if its bytes changed."""
    data = {exercise_id: {"head": program.head, "tail": program.tail, "checks": list(program.checks)}
            for exercise_id, program in programs.items()}
    return write_if_changed(generated_dir / PROGRAMS_FILE, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n")


class ExercisesStep:
    """Verifies (or takes from the cache) every code and tuning exercise in the build's Pyodide."""

    kind = "exercise"

    def __init__(self, pages: list[PageExercises], programs: Mapping[str, CheckProgram], host,
                 engine_hash: Callable[[str], str]) -> None:
        """``programs``: `check_programs` of the pages; ``engine_hash(code)`` hashes the engine files
        that code depends on (as for live cells)."""
        self.pages, self.check_programs, self.host, self.engine_hash = pages, programs, host, engine_hash

    def run(self, build: BuildContext) -> None:
        """Raises ExerciseError listing every unsound exercise."""
        checked = [(entry.page, exercise) for entry in self.pages for exercise in entry.exercises if exercise.kind != "choice"]
        programs = {exercise.id: [self.check_programs[exercise.id].around(exercise.text(name)) for name in ("solution", "starter")]
                    for _, exercise in checked}
        keys = {exercise.id: cache_key("exercise", {"programs": programs[exercise.id], "runtime": dict(build.runtime),
                                                     "engine": self.engine_hash("\n".join(programs[exercise.id]))})
                for _, exercise in checked}
        by_id = {exercise.id: exercise for _, exercise in checked}
        make = one_at_a_time(lambda exercise_id: canonical_json(self._run(by_id[exercise_id], programs[exercise_id])))
        verdicts = build.cached(self.kind, keys, make, verb="verified")
        errors = [problem for page, exercise in checked
                  for problem in problems(page, exercise, *json.loads(verdicts[exercise.id]))]
        if errors:
            raise ExerciseError("\n".join(errors))

    def _run(self, exercise: Exercise, programs: list[str]) -> list[dict]:
        """The solution's and the starter's runs of the program a reader's Check runs."""
        name = f"exercise {exercise.id}"
        cells = [{"index": index, "title": title, "setup": "", "code": program}
                 for index, (title, program) in enumerate(zip((f"{name}: solution", f"{name}: starter"), programs), start=1)]
        return self.host.run_page(f"exercise:{exercise.id}", cells, 2 * exercise.timeout)
