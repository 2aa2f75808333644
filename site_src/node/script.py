"""The build's helpers written in JavaScript (npm packages run by Node), kept running between requests.

KaTeX (``markdown/katex_render.mjs``), PurgeCSS (``purge_css.mjs``) and SVGO (``svg_optimize.mjs``)
each serve JSON lines (``json_lines.mjs``): a request per line on stdin, a reply per line on stdout.
Starting Node and loading one of those packages takes about half a second, once per build process:
under ``scripts/serve`` a figure edit no longer pays it at every rebuild. Each caller raises its own
error class, with the fix; a helper that stopped is started again at the next request.
"""

from __future__ import annotations

import atexit
import collections
import json
import subprocess
import threading
from pathlib import Path

from site_src.build.cache import files_hash
from site_src.project import PACKAGE_LOCK
#: The stderr lines an error message quotes.
STDERR_LINES = 20


class NodeScript:
    """One running ``node script``; `request` is thread-safe (requests are answered in order)."""

    def __init__(self, script: Path, *, package: str, error: type[Exception], node: str = "node") -> None:
        self.script, self.package, self.error, self.node = script, package, error, node
        self._process: subprocess.Popen | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._stderr_reader: threading.Thread | None = None
        self._lock = threading.Lock()

    def request(self, payload: object) -> object:
        """The script's result for `payload`; `error` if Node is missing or the script failed."""
        with self._lock:
            process = self._running()
            try:
                process.stdin.write(json.dumps(payload) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except OSError:  # the pipe broke: Node exited while reading the request
                line = ""
            if not line:
                process.wait()
                self._stderr_reader.join(timeout=5)  # its last lines say why
                self._process = None
                raise self.error(self._failure("".join(self._stderr).strip()[-500:]))  # the end says why it stopped
        reply = json.loads(line)
        if "error" in reply:
            raise self.error(self._failure(reply["error"][:500]))  # a stack: the message comes first
        return reply["result"]

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.stdin.close()
                self._process.wait()
                self._process = None

    def _running(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            try:
                self._process = subprocess.Popen(
                    [self.node, str(self.script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, encoding="utf-8", cwd=self.script.parent,
                )
            except FileNotFoundError as err:
                raise self.error(f"'{self.node}' not found: install Node 20, then run scripts/setup (npm ci installs {self.package})") from err
            self._stderr.clear()
            self._stderr_reader = threading.Thread(target=self._keep_stderr, args=(self._process.stderr,), daemon=True)
            self._stderr_reader.start()
        return self._process

    def _keep_stderr(self, stream) -> None:
        for line in stream:
            self._stderr.append(line)

    def _failure(self, message: str) -> str:
        return f"{self.script.name} failed: {message}\n(is {self.package} installed? run scripts/setup, which runs npm ci)"


def helper_identity(script: Path) -> str:
    """What decides a helper's replies besides its requests, for cache keys: its script and the
    npm packages the lock pins."""
    return files_hash([script, PACKAGE_LOCK])


_RUNNING: dict[tuple[Path, str, int], NodeScript] = {}
_RUNNING_LOCK = threading.Lock()


def run_json_script(script: Path, request: object, *, package: str, error: type[Exception], node: str = "node") -> object:
    """What `script` replies to `request`, from its running process (started at the first request,
    and again when the script's file changes); `error` (naming `package`, the npm package the
    script needs, and how to install it) when Node is missing or the script fails."""
    key = (script, node, script.stat().st_mtime_ns)
    with _RUNNING_LOCK:
        if key not in _RUNNING:
            for stale in [other for other in _RUNNING if other[:2] == key[:2]]:
                _RUNNING.pop(stale).close()
            _RUNNING[key] = NodeScript(script, package=package, error=error, node=node)
        helper = _RUNNING[key]
    return helper.request(request)


@atexit.register
def _close_all() -> None:
    for helper in list(_RUNNING.values()):
        helper.close()
