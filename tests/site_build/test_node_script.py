"""The build's Node helpers stay running between requests (site_src/node/script.py): one process
answers every request until its script changes or it stops, and a failure names the script, its
message and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_src.node.script import run_json_script

SERVE_LINES = (Path(__file__).resolve().parents[2] / "site_src" / "node" / "json_lines.mjs").as_uri()


class HelperError(RuntimeError):
    pass


def helper(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "helper.mjs"
    script.write_text(f'import {{ serveLines }} from "{SERVE_LINES}";\nserveLines((request) => {body});\n')
    return script


def ask(script: Path, request: object) -> object:
    return run_json_script(script, request, package="nothing", error=HelperError)


def test_one_process_answers_every_request_until_its_script_changes(tmp_path):
    script = helper(tmp_path, "[process.pid, request * 2]")
    first, second = ask(script, 1), ask(script, 2)
    assert first[1] == 2 and second[1] == 4
    assert first[0] == second[0], "Node started again for the second request"
    script.write_text(script.read_text().replace("* 2", "* 3"))
    os.utime(script, ns=(script.stat().st_mtime_ns + 10**9,) * 2)  # a later save, even within the clock's tick
    edited = ask(script, 2)
    assert edited[1] == 6 and edited[0] != first[0], "the edited script runs in a new process"


def test_an_error_names_the_script_and_the_fix_and_the_next_request_is_answered(tmp_path):
    script = helper(tmp_path, '{ if (request === "exit") { console.error("gone for good"); process.exit(3); } '
                              'if (request === "throw") throw new Error("bad request " + "x".repeat(600)); return "fine"; }')
    with pytest.raises(HelperError, match=r"helper\.mjs failed: Error: bad request") as thrown:
        ask(script, "throw")
    assert "(is nothing installed? run scripts/setup, which runs npm ci)" in str(thrown.value)
    assert ask(script, "hello") == "fine", "a request that threw does not stop the helper"
    with pytest.raises(HelperError, match="helper.mjs failed: gone for good"):
        ask(script, "exit")
    assert ask(script, "hello") == "fine", "a helper that stopped starts again"


def test_a_missing_node_says_how_to_install_it(tmp_path):
    with pytest.raises(HelperError, match="'no-such-node' not found: install Node 20, then run scripts/setup"):
        run_json_script(helper(tmp_path, "1"), 1, package="nothing", error=HelperError, node="no-such-node")
