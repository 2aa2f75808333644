"""The runtime's messages are declared once, in site_src/runtime/protocol.json: the page's and the
worker's JavaScript read it (protocol.js, bundled by esbuild), the build's Python reads it
(site_src/runtime/protocol.py) and the build's Pyodide host reads it (host.mjs). These tests fail
when a side drifts: a kind sent but not declared, a field missing, a table the JS does not take
from the file, a module installed under another name than the one declared."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from lesson.playground import stream_training
from site_src.project import Project
from site_src.runtime import CHECKER
from site_src.runtime.node_host import PyodideHost, PyodideHostError
from site_src.runtime.protocol import PROTOCOL, PROTOCOL_FILE, TABLES, ending_problems, message_problem
from site_src.runtime.py import exercise_check
from site_server import ON_CI

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "site_src" / "runtime" / "js"
needs_node = pytest.mark.skipif(
    not (ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").is_file() and not ON_CI,
    reason="node_modules missing: run scripts/setup",
)


def test_every_declared_kind_says_what_it_is_for_and_nothing_undeclared_is_described():
    for table in TABLES:
        assert set(PROTOCOL["about"][table]) == set(PROTOCOL[table]), table
        for kind, fields in PROTOCOL[table].items():
            assert isinstance(fields, list) and all(isinstance(field, str) for field in fields), (table, kind)


def test_a_message_without_a_declared_field_or_of_an_undeclared_kind_is_refused():
    assert message_problem("replies", "stdout", {"text": "hi"}) == ""
    assert message_problem("replies", "stdout", {}).startswith("protocol: replies stdout lacks text")
    assert message_problem("data", "epoch", {"epoch": 1}).startswith("protocol: data epoch lacks train_loss, val_loss")
    assert message_problem("build_host", "nope", {}).startswith("protocol: unknown build_host kind 'nope' (valid: experiment, page")


@needs_node
def test_the_javascript_tables_are_the_files_tables(tmp_path):
    # protocol.js bundled as esbuild bundles it for the page, then asked for its tables by Node.
    bundle = tmp_path / "protocol.mjs"
    subprocess.run([str(ROOT / "node_modules" / ".bin" / "esbuild"), str(JS / "protocol.js"), "--bundle", "--format=esm",
                    "--define:EXPERIMENTS_MODULE=\"e\"", "--define:PLAYGROUND_MODULE=\"p\"", f"--outfile={bundle}",
                    "--log-level=warning"], check=True)
    script = f'import {{ REQUESTS, REPLIES, DATA, ENDS }} from "{bundle.as_uri()}"; console.log(JSON.stringify({{REQUESTS, REPLIES, DATA, ENDS}}));'
    tables = json.loads(subprocess.run(["node", "--input-type=module", "-e", script], check=True, capture_output=True, text=True).stdout)
    assert tables == {"REQUESTS": PROTOCOL["requests"], "REPLIES": PROTOCOL["replies"], "DATA": PROTOCOL["data"], "ENDS": PROTOCOL["ends"]}


def test_every_reply_that_ends_a_request_is_a_declared_reply_that_resolves_or_rejects_with_its_error():
    assert ending_problems() == []
    broken = {**PROTOCOL, "ends": {"nope": "resolve", "stdout": "finish", "ready": "reject"}}
    assert [problem.split(" (see ")[0] for problem in ending_problems(broken)] == [
        "protocol: ends names 'nope', which is no declared reply",
        "protocol: ends 'stdout': 'finish' is not one of resolve, reject",
        "protocol: reply 'ready' rejects its request, so it must declare the field error"]


def dispatched(tmp_path: Path, protocol: dict) -> dict:
    """What RuntimeClient.dispatch (bundled with `protocol` as its protocol.json) does with one reply
    of each declared kind but ``input`` to a request of its own: {kind: "resolve" | "reject: ERROR" | "reply"},
    "reply" when the request's onReply got it and the request is still pending."""
    runtime = tmp_path / "runtime"
    shutil.copytree(JS, runtime / "js")
    (runtime / "protocol.json").write_text(json.dumps(protocol), encoding="utf-8")
    (runtime / "js" / "dispatch-probe.js").write_text("""
import { RuntimeClient } from "./runtime-client.js";
import { REPLIES } from "./protocol.js";
const client = new RuntimeClient({}, null);
const outcomes = {};
let id = 0;
for (const [kind, fields] of Object.entries(REPLIES)) {
  if (kind === "input") continue; // answered through the typed-input buffer (protocol.js STDIN), not by a handler
  id += 1;
  const settled = new Promise((resolve, reject) => {
    client.pending.set(id, { onReply: () => { outcomes[kind] = "reply"; }, resolve, reject });
  }).then(() => { outcomes[kind] = "resolve"; }, (error) => { outcomes[kind] = `reject: ${error.message}`; });
  client.dispatch({ type: kind, id, ...Object.fromEntries(fields.map((field) => [field, `${field} of ${kind}`])) });
  if (outcomes[kind] === "reply" && !client.pending.has(id)) outcomes[kind] = "reply, but the request was dropped";
  await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 10))]);
}
console.log(JSON.stringify(outcomes));
""", encoding="utf-8")
    bundle = tmp_path / "probe.mjs"
    subprocess.run([str(ROOT / "node_modules" / ".bin" / "esbuild"), str(runtime / "js" / "dispatch-probe.js"), "--bundle", "--format=esm",
                    "--define:EXPERIMENTS_MODULE=\"e\"", "--define:PLAYGROUND_MODULE=\"p\"", f"--outfile={bundle}",
                    "--log-level=warning"], check=True)
    return json.loads(subprocess.run(["node", str(bundle)], check=True, capture_output=True, text=True).stdout)


def expected_outcomes(protocol: dict) -> dict:
    ends = protocol["ends"]
    return {kind: "resolve" if ends.get(kind) == "resolve" else f"reject: error of {kind}" if ends.get(kind) == "reject" else "reply"
            for kind in protocol["replies"] if kind != "input"}


@needs_node
def test_the_page_ends_a_request_on_exactly_the_replies_protocol_json_declares_as_ending_it(tmp_path):
    outcomes = dispatched(tmp_path, PROTOCOL)
    assert outcomes == expected_outcomes(PROTOCOL)


@needs_node
def test_a_reply_newly_declared_as_ending_a_request_ends_it_with_no_change_to_the_page_script(tmp_path):
    protocol = json.loads(json.dumps(PROTOCOL))
    protocol["replies"] |= {"pong": ["python"], "refused": ["error"]}
    protocol["ends"] |= {"pong": "resolve", "refused": "reject", "done": "reject"}
    outcomes = dispatched(tmp_path, protocol)
    assert outcomes == expected_outcomes(protocol)
    assert outcomes["pong"] == "resolve" and outcomes["refused"] == "reject: error of refused" and outcomes["done"] == "reject: error of done"


def test_no_javascript_of_the_runtime_spells_out_a_table_of_its_own():
    for script in [*JS.glob("*.js"), *JS.glob("*.mjs"), ROOT / "site_src" / "runtime" / "node" / "host.mjs"]:
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\b(REQUESTS|REPLIES|DATA)\s*=\s*\{", text), f"{script.name} declares a message table: use protocol.json"


def test_the_checker_and_the_runner_are_installed_under_the_declared_names():
    modules = PROTOCOL["python_modules"]
    assert CHECKER.stem == modules["checker"], "a Check's program imports the checker by its file's name"
    host_module = (ROOT / "site_src" / "runtime" / "py" / "build_host.py").read_text(encoding="utf-8")
    assert f"import {modules['runner']}\n" in host_module
    for script in (JS / "worker.js", ROOT / "site_src" / "runtime" / "node" / "host.mjs"):
        text = script.read_text(encoding="utf-8")
        assert "installRunnerAndChecker(" in text, f"{script.name} installs the runner its own way"
        assert "FS.writeFile(\"/home/pyodide/livecells_runner" not in text and "exercise_check.py\", " not in text


def test_the_playgrounds_messages_are_declared_data_with_their_fields():
    messages: list[dict] = []
    stream_training({"epochs": 3, "boundary_every": 2, "grid_size": 4}, messages.append)
    assert {message["kind"] for message in messages} == {"start", "epoch", "boundary", "done"}
    for message in messages:
        assert message_problem("data", message["kind"], message) == "", message["kind"]


def test_an_exercises_verdict_is_declared_data_with_its_fields(monkeypatch):
    sent: list[dict] = []
    runner = types.SimpleNamespace(DATA_CHANNEL=types.SimpleNamespace(emit=print), send_data=sent.append)
    monkeypatch.setitem(sys.modules, PROTOCOL["python_modules"]["runner"], runner)
    exercise_check.main({"setup": "", "checks": [{"name": "one", "code": "assert x == 1", "hidden": False}]}, "x = 1")
    assert [message["kind"] for message in sent] == ["verdict"]
    assert message_problem("data", "verdict", sent[0]) == "" and sent[0]["passed"] is True


def test_the_build_host_refuses_an_undeclared_request_before_starting_node():
    host = PyodideHost(Project(ROOT))
    with pytest.raises(PyodideHostError, match=f"unknown build_host kind 'nope' .*see {re.escape(str(PROTOCOL_FILE))}"):
        host._request("nope", {}, "an undeclared request")
    assert host._node is None, "Node was not started for a request the protocol does not declare"


@needs_node
def test_the_build_hosts_cell_output_is_made_of_declared_worker_replies():
    # The build pre-renders a cell's output from these items; the page draws the same kinds from
    # the worker's replies: each item must be a reply protocol.json declares, with its fields.
    code = ("import sys\nprint('out')\nprint('err', file=sys.stderr)\n"
            "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.title('a line')\nplt.show()\n")
    with PyodideHost(Project(ROOT)) as host:
        [output] = host.run_page("docs/protocol-test.md", [{"index": 1, "title": "kinds", "setup": "", "code": code}])
    assert output["ok"], output["error"]
    assert [item["kind"] for item in output["items"]] == ["stdout", "stderr", "image"]
    for item in output["items"]:
        assert message_problem("replies", item["kind"], item) == "", item["kind"]
