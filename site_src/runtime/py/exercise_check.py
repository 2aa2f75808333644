"""Checks a reader's answer to an exercise, inside Pyodide (the browser's worker and the build's Node).

The browser's worker and the build's Node host install this file as the module ``exercise_check``
beside the runner; the program a Check runs (built by ``site_src/markdown/exercises.py``) imports
it, so the build's verification and the reader's Check run the same code in the same runtime. ``main(spec, answer)`` runs the hidden setup and the reader's code in a fresh namespace
(not the page's, so live cells cannot make an answer pass), then every check in a copy of it, and
reports a verdict::

    {"passed": bool, "error": "what the reader's code raised" or "",
     "cases": [{"name", "hidden", "passed", "message"}]}

In the browser the verdict goes to the page as a ``data`` reply of kind ``verdict``
(``livecells_runner.send_data``; declared in site_src/runtime/protocol.json); under the build's
Node host, which takes no data replies, it is printed after ``VERDICT_MARKER``.
"""

from __future__ import annotations

import json
import linecache
import sys
import traceback

#: Prefix of the stdout line that carries the verdict at build time.
VERDICT_MARKER = "\x1eexercise-verdict:"
ANSWER_FILE = "<your code>"


def _register(filename: str, code: str) -> None:
    # Tracebacks and failure messages quote the lines of code that has no file.
    linecache.cache[filename] = (len(code), None, [line + "\n" for line in code.splitlines()], filename)


def _run(code: str, filename: str, namespace: dict) -> None:
    _register(filename, code)
    exec(compile(code, filename, "exec"), namespace)  # noqa: S102 (running the reader's code is the point)


def _answer_traceback(error: BaseException) -> str:
    """The traceback from the reader's code down, without the checker's own frames."""
    if isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(type(error), error))
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != ANSWER_FILE:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))


def _failing_line(error: BaseException, filename: str) -> str:
    """The source line of the check that raised (what an assert without a message failed on)."""
    line = ""
    for frame, number in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == filename:
            line = linecache.getline(filename, number).strip()
    return line


def run_case(case: dict, namespace: dict) -> dict:
    """One check against a copy of the namespace (a check cannot change what the next one sees)."""
    filename = f"<check: {case['name']}>"
    outcome = {"name": case["name"], "hidden": case["hidden"], "passed": True, "message": ""}
    try:
        _run(case["code"], filename, dict(namespace))
    except AssertionError as error:
        outcome.update(passed=False, message=str(error) or f"this did not hold: {_failing_line(error, filename)}")
    except Exception as error:  # the reader's function raised while a check called it: say which and what
        outcome.update(passed=False, message=f"{type(error).__name__}: {error} (at: {_failing_line(error, filename)})")
    return outcome


def check(spec: dict, answer: str) -> dict:
    """The verdict on ``answer`` (the reader's code) for the exercise ``spec`` ({setup, checks})."""
    namespace = {"__name__": "__main__"}
    if spec["setup"].strip():
        _run(spec["setup"], "<exercise setup>", namespace)  # the author's code: an error here is a bug
    try:
        _run(answer, ANSWER_FILE, namespace)
    except KeyboardInterrupt:
        raise  # Stop (or the time limit): the page reports it
    except BaseException as error:  # SystemExit too: any way the reader's code ends is reported, not a crash
        sys.stderr.write(_answer_traceback(error))
        summary = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()[-1]
        return {"passed": False, "error": summary, "cases": []}
    cases = [run_case(case, namespace) for case in spec["checks"]]
    return {"passed": all(case["passed"] for case in cases), "error": "", "cases": cases}


def main(spec: dict, answer: str) -> None:
    """Check ``answer`` and report the verdict to whoever runs this (page or build)."""
    verdict = check(spec, answer)
    import livecells_runner  # the runner module both the worker and the build's host load

    if livecells_runner.DATA_CHANNEL.emit is not None:
        livecells_runner.send_data({"kind": "verdict", **verdict})  # protocol.json data.verdict
    else:
        sys.stdout.flush()
        print(VERDICT_MARKER + json.dumps(verdict))
