"""The build's long-running Node scripts, one process class (site_src/node/process.py): a helper
stays running between requests until its script changes or it stops; every failure raises the
caller's error class naming the script, what was asked and, when it died, its stderr and the fix;
a reply outside the JSON-lines protocol is an error naming the script."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_src.node.process import SERVE_LINES, NodeProcess, run_helper


class HelperError(RuntimeError):
    pass


def helper(tmp_path: Path, body: str, prelude: str = "") -> Path:
    """A script serving one request kind, `answer`, whose reply is `body` (JS, `request` in scope)."""
    script = tmp_path / "helper.mjs"
    script.write_text(f'import {{ serveLines }} from "{SERVE_LINES.as_uri()}";\n{prelude}\n'
                      f"serveLines({{ answer: async (request) => {body} }});\n")
    return script


def ask(script: Path, request: object) -> object:
    return run_helper(script, "answer", request, package="nothing", error=HelperError)


def test_one_process_answers_every_request_until_its_script_changes(tmp_path):
    script = helper(tmp_path, "[process.pid, request * 2]")
    first, second = ask(script, 1), ask(script, 2)
    assert first[1] == 2 and second[1] == 4
    assert first[0] == second[0], "Node started again for the second request"
    script.write_text(script.read_text().replace("* 2", "* 3"))
    os.utime(script, ns=(script.stat().st_mtime_ns + 10**9,) * 2)  # a later save, even within the clock's tick
    edited = ask(script, 2)
    assert edited[1] == 6 and edited[0] != first[0], "the edited script runs in a new process"


def test_an_error_the_script_throws_names_the_script_and_the_request_and_the_next_request_is_answered(tmp_path):
    script = helper(tmp_path, '{ if (request === "throw") throw new Error("bad request"); return "fine"; }')
    with pytest.raises(HelperError, match=r"^helper\.mjs failed \(request 'answer'\): bad request$"):
        ask(script, "throw")
    assert ask(script, "hello") == "fine", "a request that threw does not stop the helper"


def test_a_helper_that_dies_mid_request_raises_the_callers_error_with_its_stderr_and_the_fix(tmp_path):
    script = helper(tmp_path, '{ if (request === "exit") { console.error("gone for good"); process.exit(3); } return "fine"; }')
    with pytest.raises(HelperError, match=r"helper\.mjs ended during request 'answer':\ngone for good\n") as thrown:
        ask(script, "exit")
    assert str(thrown.value).endswith("(if a package is missing: run scripts/setup (npm ci installs nothing))")
    assert ask(script, "hello") == "fine", "a helper that stopped starts again"


def test_a_reply_outside_the_protocol_is_an_error_naming_the_helper(tmp_path):
    # A script that writes to stdout itself (a stray console.log) breaks the protocol: the error
    # says which script, what it wrote and what a reply must be.
    script = helper(tmp_path, '{ console.log("stray output"); return 1; }')
    with pytest.raises(HelperError, match=r"helper\.mjs broke the JSON-lines protocol \(request 'answer'\): "
                                          r"it wrote 'stray output\\n', not a reply \{id, ok, result\}"):
        ask(script, "anything")


def test_a_request_of_a_kind_the_script_does_not_serve_lists_the_kinds_it_does(tmp_path):
    process = NodeProcess(helper(tmp_path, "1"), error=HelperError, fix="nothing to fix")
    try:
        with pytest.raises(HelperError, match=r"unknown request kind \"question\"; valid: answer"):
            process.request("question", 1)
        assert process.request("answer", 1) == 1
    finally:
        process.close()


def test_a_request_that_outlives_its_timeout_stops_the_process(tmp_path):
    process = NodeProcess(helper(tmp_path, "new Promise(() => {})"), error=HelperError, fix="nothing to fix")
    with pytest.raises(HelperError, match=r"waiting forever did not finish within 1 s in helper\.mjs; stopped it"):
        process.request("answer", 1, what="waiting forever", timeout=1)
    assert not process.alive


def test_a_missing_node_says_how_to_install_it(tmp_path):
    with pytest.raises(HelperError, match=r"'no-such-node' not found: install Node 20, then run scripts/setup \(npm ci installs nothing\)"):
        run_helper(helper(tmp_path, "1"), "answer", 1, package="nothing", error=HelperError, node="no-such-node")
