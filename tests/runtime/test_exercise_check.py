"""The exercise checker (site_src/runtime/py/exercise_check.py), run in CPython: what a reader is
told for each way an answer can fail. The build and the browser run the same file in Pyodide."""

from __future__ import annotations

from site_src.runtime.py.exercise_check import check


def spec(*checks: tuple[str, str, bool], setup: str = "") -> dict:
    return {"setup": setup, "checks": [{"name": name, "code": code, "hidden": hidden} for name, code, hidden in checks]}


def test_a_passing_answer_passes_every_check_in_its_own_namespace():
    verdict = check(spec(("one", "assert f(1) == 2\nleaked = True", False), ("two", "assert 'leaked' not in globals()", True),
                         setup="OFFSET = 1"), "def f(x):\n    return x + OFFSET\n")
    assert verdict == {"passed": True, "error": "", "cases": [
        {"name": "one", "hidden": False, "passed": True, "message": ""},
        {"name": "two", "hidden": True, "passed": True, "message": ""}]}


def test_a_failing_assert_reports_its_message_or_else_its_line():
    verdict = check(spec(("with message", 'assert f(1) == 3, "f(1) should be 3"', False),
                         ("without message", "assert f(2) == 5", True)), "def f(x):\n    return 2 * x\n")
    assert not verdict["passed"]
    assert [case["message"] for case in verdict["cases"]] == ["f(1) should be 3", "this did not hold: assert f(2) == 5"]


def test_an_error_raised_while_a_check_calls_the_readers_code_names_the_error_and_the_check_line():
    verdict = check(spec(("divides", "assert f(0) == 0", False)), "def f(x):\n    return 1 / x\n")
    assert verdict["cases"][0]["message"] == "ZeroDivisionError: division by zero (at: assert f(0) == 0)"


def test_an_error_in_the_readers_code_is_the_verdict_and_its_traceback_goes_to_stderr(capsys):
    verdict = check(spec(("any", "assert True", False)), "x = 1\ny = undefined_name\n")
    assert verdict == {"passed": False, "error": "NameError: name 'undefined_name' is not defined", "cases": []}
    traceback_text = capsys.readouterr().err
    assert 'File "<your code>", line 2, in <module>' in traceback_text and "y = undefined_name" in traceback_text
    assert "exercise_check" not in traceback_text  # the checker's frames are not the reader's concern


def test_system_exit_in_the_readers_code_is_reported_not_a_crash():
    verdict = check(spec(("any", "assert True", False)), "raise SystemExit(3)\n")
    assert verdict["error"] == "SystemExit: 3" and not verdict["passed"]
