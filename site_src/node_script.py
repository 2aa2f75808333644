"""The build's helpers written in JavaScript (npm packages run by Node): one JSON request on stdin,
one JSON reply on stdout. KaTeX (``markdown/katex_render.mjs``), PurgeCSS (``purge_css.mjs``) and
SVGO (``svg_optimize.mjs``) run this way; each raises its own error class, with the fix."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def run_json_script(script: Path, request: object, *, package: str, error: type[Exception], node: str = "node") -> object:
    """What `script` replies to `request`; `error` (naming `package`, the npm package the script
    needs, and how to install it) when Node is missing or the script fails."""
    try:
        completed = subprocess.run(
            [node, str(script)], input=json.dumps(request), capture_output=True, text=True, check=True, cwd=script.parent
        )
    except FileNotFoundError as err:
        raise error(f"'{node}' not found: install Node 20, then run scripts/setup (npm ci installs {package})") from err
    except subprocess.CalledProcessError as err:
        raise error(
            f"{script.name} failed: {err.stderr.strip()[-500:]}\n(is {package} installed? run scripts/setup, which runs npm ci)"
        ) from err
    return json.loads(completed.stdout)
