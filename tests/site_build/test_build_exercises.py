"""Exercises verified at build time: authoring errors with file and line, a solution that fails its
checks or a starter that passes them fails the build, cached verdicts, and the fixture site's build.

The verification runs ``site_src.build.exercises.ExercisesStep`` with the real build Pyodide (Node), the
way the asset step runs it for the chapter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_helpers import CountingHost, build_site

from site_src.build.cache import ContentCache
from site_src.build.pages import markdown_pages
from site_src.build.exercises import (ExerciseError, ExercisesStep, check_programs, nav_order, scan_exercises, write_index,
                                     write_programs)
from site_src.build.step import BuildContext
from site_src.markdown.exercises import EXERCISE, CheckProgram, check_spec
from site_src.markdown.fences import fence_errors, fence_kinds, scan, superfences_entries
from site_src.project import Project
from site_src.runtime import node_host

ROOT = Path(__file__).resolve().parents[2]


SOUND = '''# Doubling

Write `double`.

```exercise id="double" title="Double it" kind="code"
#| starter
def double(x):
    return x
#| solution
def double(x):
    return 2 * x
#| check: doubles 2
assert double(2) == 4, f"double(2) returned {double(2)!r}, not 4"
#| hidden check: doubles a negative number
assert double(-3) == -6, f"double(-3) returned {double(-3)!r}, not -6"
#| hint
Multiply.
```
'''

CHOICE = '''# Quiz

```exercise id="quiz" title="Pick one" kind="choice"
#| choice: Underfitting
No: the training loss is low.
#| answer: Overfitting
Yes: the gap widens.
#| hint
Look at the gap.
```
'''


def line_of(text: str, line: str) -> int:
    return text.split("\n").index(line) + 1


def write_docs(tmp_path: Path, pages: dict[str, str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")


def scanned_docs(tmp_path: Path) -> dict:
    """The docs folder's pages, each scanned once, as the build's steps get them."""
    return {page: scan(text, page) for page, text in markdown_pages(tmp_path / "docs", tmp_path / "generated").items()}


def verify(tmp_path: Path, host, runtime: dict | None = None) -> CountingHost:
    """Scan the docs folder and verify its exercises (raises ExerciseError)."""
    pages, errors, _, _ = scan_exercises(scanned_docs(tmp_path))
    assert errors == []
    counting = CountingHost(host)
    build = BuildContext(Project(tmp_path), ContentCache(tmp_path / "cache"), runtime or {"pyodide": "0.27.7"},
                         log=lambda _: None)
    ExercisesStep(pages, check_programs(pages, {}), counting, lambda code: "engine").run(build)
    return counting


def scan_errors(tmp_path: Path, text: str) -> list[str]:
    """The build's errors for a page: its malformed fences of every kind, and the ids used twice."""
    write_docs(tmp_path, {"page.md": text})
    scans = scanned_docs(tmp_path)
    return fence_errors(scans, fence_kinds()) + scan_exercises(scans)[1]


# --- authoring errors: file, line and the fix --------------------------------------------------


@pytest.mark.parametrize(("broken", "bad_line", "expected"), [
    ("#| hint", "#| hnit", "exercise fence: unknown section `#| hnit` (did you mean 'hint'?); valid sections:"),
    ("#| check: doubles 2", "#| check", "exercise fence: section `#| check` needs a label saying what it is: `#| check: ...`"),
    ('```exercise id="double" title="Double it" kind="code"', '```exercise id="double" title="Double it" kind="cod"',
     "exercise fence: option kind=\"cod\" (did you mean 'code'?): use one of code, tuning, choice"),
    ('```exercise id="double" title="Double it" kind="code"', '```exercise id="double" kind="code"',
     "exercise fence: missing option(s) title"),
    ("    return 2 * x", "    return 2 *", "exercise fence: section `#| solution` is not valid Python: invalid syntax"),
    ("Multiply.", "See [the other page](other.md#there).", "section `#| hint` links to another page (other.md#there)"),
])
def test_an_authoring_error_names_the_page_line_and_the_fix(tmp_path, broken, bad_line, expected):
    text = SOUND.replace(broken, bad_line, 1)
    errors = scan_errors(tmp_path, text)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"docs/page.md:{line_of(text, bad_line)}: "), errors
    assert expected in errors[0], errors


def test_a_quoted_value_with_list_indices_is_valid_python_in_an_exercise(tmp_path):
    # `{{ value: ... }}` becomes a literal when the build fills it in; before, its path's indices
    # (`.1.0`) were read as Python and the section was "not valid Python".
    quoted = SOUND.replace("assert double(2) == 4,", "assert double(2) == 4 + 0 * {{ value: run.losses.1.0 }},")
    assert scan_errors(tmp_path, quoted) == []
    broken = quoted.replace("    return 2 * x", "    return 2 *")
    [error] = scan_errors(tmp_path, broken)
    assert "section `#| solution` is not valid Python" in error


def test_missing_and_misplaced_sections_are_named(tmp_path):
    no_hint = SOUND.replace("#| hint\nMultiply.\n", "")
    [error] = scan_errors(tmp_path, no_hint)
    assert error.startswith(f"docs/page.md:{line_of(no_hint, SOUND.splitlines()[4])}: ") and "no `#| hint` section" in error
    two_answers = CHOICE.replace("#| choice: Underfitting", "#| answer: Underfitting")
    [error] = scan_errors(tmp_path, two_answers)
    assert "a choice question needs exactly one `#| answer: label` section (it has 2)" in error
    assert error.startswith(f"docs/page.md:{line_of(two_answers, '#| answer: Overfitting')}: ")
    code_in_choice = CHOICE.replace("#| hint", "#| starter\nx = 1\n#| hint")
    [error] = scan_errors(tmp_path, code_in_choice)
    assert error.startswith(f"docs/page.md:{line_of(code_in_choice, '#| starter')}: ") and 'is for kind="code" or "tuning"' in error


def test_an_exercise_id_is_unique_across_the_chapter(tmp_path):
    write_docs(tmp_path, {"a.md": SOUND, "b.md": SOUND.replace("# Doubling", "# Again")})
    _, errors, _, _ = scan_exercises(scanned_docs(tmp_path))
    assert errors == [f'docs/b.md:5: exercise fence: id="double" is already used at docs/a.md:5; ids are unique across '
                      "the chapter (the reader's progress is stored under them)"]


def test_the_progress_table_belongs_on_the_overview_page(tmp_path):
    [error] = scan_errors(tmp_path, "# Page\n\n```exercise-progress\n```\n")
    assert error.startswith("docs/page.md:3: exercise-progress fence: it belongs on docs/index.md")


# --- verification in the reader's Pyodide -------------------------------------------------------


def test_a_sound_exercise_passes_and_its_verdict_is_cached(tmp_path, host):
    write_docs(tmp_path, {"page.md": SOUND, "quiz.md": CHOICE})
    assert verify(tmp_path, host).pages == ["exercise:double"]  # a choice question needs no Python
    write_docs(tmp_path, {"page.md": SOUND.replace("Multiply.", "Multiply by two.").replace("Write `double`.", "Edited prose.")})
    assert verify(tmp_path, host).pages == []  # prose and hints are not in the key: nothing reruns
    write_docs(tmp_path, {"page.md": SOUND.replace("double(-3) == -6", "double(-4) == -8")})
    assert verify(tmp_path, host).pages == ["exercise:double"]  # a check changed: verified again


@pytest.mark.parametrize("name", ["HOST_SCRIPT", "RUNNER", "BUILD_HOST", "CHECKER", "PYTHON_MODULES_SCRIPT", "PROTOCOL_FILE", "SERVE_LINES"])
def test_an_edit_of_the_code_around_the_engine_changes_the_runtime_every_key_holds(tmp_path, monkeypatch, name):
    """A Check's program only imports the checker, and the host's script, runner and build module
    shape every result, cell output and verdict: their bytes are part of the runtime's identity."""
    source = getattr(node_host, name)
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    monkeypatch.setattr(node_host, name, copy)
    paths = Project(ROOT)
    before = node_host.runtime_identity(paths)
    assert node_host.runtime_identity(paths) == before
    copy.write_bytes(source.read_bytes() + b"\n// edited\n")
    assert node_host.runtime_identity(paths) != before


def test_an_edit_of_the_runtime_verifies_every_exercise_again(tmp_path, host):
    write_docs(tmp_path, {"page.md": SOUND})
    assert verify(tmp_path, host).pages == ["exercise:double"]
    assert verify(tmp_path, host).pages == []
    assert verify(tmp_path, host, runtime={"pyodide": "0.27.7", "host": "edited"}).pages == ["exercise:double"]


def test_a_solution_that_fails_a_check_fails_the_build_naming_the_check(tmp_path, host):
    text = SOUND.replace("    return 2 * x", "    return 2 * abs(x)")
    write_docs(tmp_path, {"page.md": text})
    with pytest.raises(ExerciseError) as caught:
        verify(tmp_path, host)
    line = line_of(text, "#| hidden check: doubles a negative number")
    assert str(caught.value) == (f'docs/page.md:{line}: exercise "double": the reference solution fails check '
                                 "'doubles a negative number': double(-3) returned 6, not -6; fix the solution or the check")


def test_a_solution_that_raises_fails_the_build_at_the_solution(tmp_path, host):
    text = SOUND.replace("    return 2 * x\n", "    return 2 * x\nnot_defined_anywhere()\n")
    write_docs(tmp_path, {"page.md": text})
    with pytest.raises(ExerciseError) as caught:
        verify(tmp_path, host)
    line = line_of(text, "#| solution")
    assert str(caught.value).startswith(f'docs/page.md:{line}: exercise "double": the reference solution raised NameError')


def test_a_starter_that_already_passes_fails_the_build(tmp_path, host):
    text = SOUND.replace("def double(x):\n    return x\n", "def double(x):\n    return x + x\n", 1)
    write_docs(tmp_path, {"page.md": text})
    with pytest.raises(ExerciseError) as caught:
        verify(tmp_path, host)
    assert str(caught.value).startswith(f'docs/page.md:{line_of(text, "#| starter")}: exercise "double": the starter code '
                                        "already passes every check")


def test_the_program_the_page_runs_is_the_one_the_build_verified():
    """The page inserts the reader's code with JSON.stringify between programHead and programTail;
    json.dumps gives the same literal, so the build checked exactly what a Check runs."""
    [exercise] = EXERCISE.parsed(scan(SOUND, "docs/page.md"))[0]
    answer = 'print("quotes \\" and \\\\ and ünïcode")\n'
    program = CheckProgram.of(check_spec(exercise, assets=None)).around(answer)
    compile(program, "<program>", "eval")  # one expression: it leaves no names in the page's namespace
    assert json.dumps(answer) in program


def test_the_program_imports_the_checker_rather_than_carrying_its_source():
    """Every exercise's payload in the page holds its program's head: the spec and an import (the
    checker's 6.7 KB of source, repeated per exercise, made up 16 KB of the learning-rate page)."""
    [exercise] = EXERCISE.parsed(scan(SOUND, "docs/page.md"))[0]
    spec = check_spec(exercise, assets=None)
    program = CheckProgram.of(spec)
    head, tail = program.head, program.tail
    assert head.startswith('__import__("exercise_check").main(') and tail == ")"
    assert "def check(" not in head
    assert len(head) < len(json.dumps(json.dumps(spec))) + 100


# --- the fixture site: the MkDocs build stops on an authoring error ------------------------------


def test_the_fixture_site_build_fails_on_a_malformed_exercise(fixture_site):
    page = fixture_site / "docs" / "index.md"
    text = page.read_text(encoding="utf-8") + "\n" + SOUND.replace("#| hint", "#| hnit").split("\n", 2)[2]
    page.write_text(text, encoding="utf-8")
    completed = build_site(fixture_site, check=False)
    assert completed.returncode != 0
    line = line_of(text, "#| hnit")
    assert f"docs/index.md:{line}: exercise fence: unknown section `#| hnit` (did you mean 'hint'?)" in completed.stdout + completed.stderr


def test_the_progress_table_lists_pages_in_the_navs_order(tmp_path):
    write_docs(tmp_path, {"a.md": SOUND, "b.md": CHOICE})
    # A section, a link, tags MkDocs reads, and a .md list outside the nav (a line-based reader took it in).
    (tmp_path / "mkdocs.yml").write_text(
        "site_url: !ENV [SITE_URL, 'http://127.0.0.1/']\nnav:\n  - Home: index.md\n  - Part one:\n    - Quiz first: b.md\n"
        "  - a.md\n  - Elsewhere: https://example.org/\nextra:\n  drafts:\n    - c.md\n", encoding="utf-8")
    pages, _, _, _ = scan_exercises(scanned_docs(tmp_path))
    assert nav_order(tmp_path / "docs") == ["docs/index.md", "docs/b.md", "docs/a.md"]
    write_index(pages, tmp_path / "generated", nav_order(tmp_path / "docs"))
    index = json.loads((tmp_path / "generated" / "exercises.json").read_text(encoding="utf-8"))
    assert list(index) == ["docs/b.md", "docs/a.md"]
    assert index["docs/a.md"] == {"title": "Doubling", "url": "a/", "exercises": [{"id": "double", "title": "Double it", "kind": "code"}]}


def test_the_progress_table_takes_no_options(tmp_path):
    write_docs(tmp_path, {"index.md": "# Overview\n\n```exercise-progress pages=\"all\"\n```\n"})
    errors = fence_errors(scanned_docs(tmp_path), fence_kinds())
    assert errors == ["docs/index.md:3: exercise-progress fence: it takes no options (it has pages): "
                      "write the fence line as ```exercise-progress alone"]


# --- the check programs: built once by the build, read by the fence -------------------------------


def render_exercise(text: str, generated: Path) -> dict:
    """The page script's data of the page's one exercise, rendered as MkDocs renders it."""
    import html as html_module
    import re

    import markdown

    page = markdown.markdown(text, extensions=["pymdownx.highlight", "pymdownx.superfences", "site_src.markdown.exercises"],
                             extension_configs={
                                 "site_src.markdown.exercises": {"generated_dir": str(generated)},
                                 "pymdownx.superfences": {"custom_fences": superfences_entries([EXERCISE])}})
    [payload] = re.findall(r'data-exercise="([^"]*)"', page)
    return json.loads(html_module.unescape(payload))


def test_the_page_carries_the_check_program_the_build_wrote(tmp_path):
    write_docs(tmp_path, {"page.md": SOUND})
    pages, _, _, _ = scan_exercises(scanned_docs(tmp_path))
    programs = check_programs(pages, {})
    generated = tmp_path / "generated"
    write_programs(programs, generated)
    data = render_exercise(SOUND, generated)
    assert (data["programHead"], data["programTail"]) == (programs["double"].head, programs["double"].tail)
    assert data["checks"] == [{"name": "doubles 2", "hidden": False}, {"name": "doubles a negative number", "hidden": True}]
    # The fence reads the program; it does not build one of its own.
    path = generated / "exercise-programs.json"
    path.write_text(path.read_text(encoding="utf-8").replace('__import__(\\"exercise_check\\")', "written_by_the_build"), encoding="utf-8")
    assert render_exercise(SOUND, generated)["programHead"].startswith("written_by_the_build")


def test_an_exercise_the_build_made_no_program_for_says_rebuild(tmp_path):
    write_programs({}, tmp_path / "generated")
    with pytest.raises(Exception, match='no check program was built for id="double"; rebuild'):
        render_exercise(SOUND, tmp_path / "generated")


def test_the_check_programs_stay_out_of_the_site(tmp_path):
    from site_src.plugin import _generated_files

    generated = tmp_path / "generated"
    write_programs({}, generated)
    write_index([], generated)
    assert [site_path for site_path, _ in _generated_files(Project(tmp_path))] == ["generated/exercises.json"]
