"""The build's long-running Node scripts, one protocol for all: KaTeX, PurgeCSS and SVGO (the
helpers beside this file) and Pyodide (``site_src/runtime/node/host.mjs``).

Each script serves JSON lines (``json_lines.mjs``): a request per line on stdin,
``{"id", "kind", "args"}``; a reply per line on stdout, ``{"id", "ok": true, "result"}`` or
``{"id", "ok": false, "error"}``. `NodeProcess` is one such script running; a failure raises the
owner's own error class, naming the script, what was asked and (when the script died) its last
stderr lines and the fix. Starting Node and loading a package takes about half a second (Pyodide
3-4 s), once per build process: under ``scripts/serve`` an edit does not pay it at every rebuild.
"""

from __future__ import annotations

import atexit
import collections
import json
import queue
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from site_src.build.cache import files_hash
from site_src.project import PACKAGE_LOCK

#: The protocol's side in JavaScript, which every script imports.
SERVE_LINES = Path(__file__).with_name("json_lines.mjs")
#: The stderr lines an error quotes (the last ones), each cut to STDERR_LINE_CHARS: Pyodide prints minified sources.
STDERR_LINES = 40
STDERR_LINE_CHARS = 500
#: How much of a malformed reply an error quotes.
QUOTED_REPLY_CHARS = 200


class NodeProcess:
    """One running ``node script *arguments``; `request` is thread-safe (one request at a time).

    error: the owner's exception class, raised for every failure; fix: what to do when Node is
    missing or the script dies (e.g. "run scripts/setup (npm ci installs KaTeX)"). A process that
    died stays dead (`alive` is False): its owner starts a new one.
    """

    def __init__(self, script: Path, arguments: Sequence[str] = (), *, error: type[Exception], fix: str,
                 node: str = "node", name: str | None = None) -> None:
        self.script, self.error, self.fix = script, error, fix
        self.name = name or script.name
        try:
            self._process = subprocess.Popen(
                [node, str(script), *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8", bufsize=1,
            )
        except FileNotFoundError as err:
            raise error(f"'{node}' not found: install Node 20, then {fix}") from err
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._stderr_reader = threading.Thread(target=self._keep_stderr, daemon=True)
        self._stderr_reader.start()
        threading.Thread(target=self._keep_replies, daemon=True).start()
        self._next_id = 0
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def request(self, kind: str, args: object = None, *, what: str | None = None, timeout: float | None = None) -> object:
        """The script's result for request `kind` with `args` (`what` names it in errors); waits
        at most `timeout` seconds (None: as long as it takes), then stops the process."""
        what = what or f"request {kind!r}"
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            try:
                self._process.stdin.write(json.dumps({"id": request_id, "kind": kind, "args": args}) + "\n")
                self._process.stdin.flush()
            except OSError as err:  # the pipe broke: Node had exited
                raise self._ended(what) from err
            try:
                line = self._replies.get(timeout=timeout)
            except queue.Empty as err:
                self._process.kill()
                self._process.wait()
                raise self.error(f"{what} did not finish within {timeout:.0f} s in {self.name}; stopped it") from err
            if line is None:
                raise self._ended(what)
        reply = self._parsed(line, request_id, what)
        if not reply["ok"]:
            raise self.error(f"{self.name} failed ({what}): {reply['error']}")
        return reply["result"]

    def close(self) -> None:
        """Ends the process (closing its input ends its request loop; killed if it hangs)."""
        try:
            self._process.stdin.close()
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()

    def _parsed(self, line: str, request_id: int, what: str) -> dict:
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool) or ("result" if reply["ok"] else "error") not in reply:
            raise self.error(f"{self.name} broke the JSON-lines protocol ({what}): it wrote {line[:QUOTED_REPLY_CHARS]!r}, "
                             f"not a reply {{id, ok, result}} or {{id, ok: false, error}} (see {SERVE_LINES.name})")
        if reply.get("id") != request_id:
            raise self.error(f"{self.name} answered request {reply.get('id')} instead of {request_id} ({what})")
        return reply

    def _ended(self, what: str) -> Exception:
        self._process.wait()
        self._stderr_reader.join(timeout=5)  # its last lines say why
        return self.error(f"{self.name} ended during {what}:\n{''.join(self._stderr).strip()}\n(if a package is missing: {self.fix})")

    def _keep_replies(self) -> None:
        for line in self._process.stdout:
            self._replies.put(line)
        self._replies.put(None)  # the process ended

    def _keep_stderr(self) -> None:
        for line in self._process.stderr:
            self._stderr.append(line if len(line) < STDERR_LINE_CHARS else line[:STDERR_LINE_CHARS] + " …\n")


def helper_identity(script: Path) -> str:
    """What decides a helper's replies besides its requests, for cache keys: its script, the
    protocol's side it imports and the npm packages the lock pins."""
    return files_hash([script, SERVE_LINES, PACKAGE_LOCK])


_RUNNING: dict[tuple[Path, str], tuple[int, NodeProcess]] = {}
_RUNNING_LOCK = threading.Lock()


def run_helper(script: Path, kind: str, args: object, *, package: str, error: type[Exception], node: str = "node") -> object:
    """What helper `script` replies to request `kind` with `args`, from its running process
    (started at the first request, and again when it stopped or its file changed); `error`
    (naming `package`, the npm package the script needs) when Node is missing or the script fails."""
    key, saved = (script, node), script.stat().st_mtime_ns
    with _RUNNING_LOCK:
        running = _RUNNING.get(key)
        if running is None or running[0] != saved or not running[1].alive:
            if running is not None:
                running[1].close()
            fix = f"run scripts/setup (npm ci installs {package})"
            _RUNNING[key] = running = (saved, NodeProcess(script, error=error, fix=fix, node=node))
    return running[1].request(kind, args)


@atexit.register
def _close_all() -> None:
    for _, helper in list(_RUNNING.values()):
        helper.close()
