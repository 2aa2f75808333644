"""How long each experiment's rerun takes, as the figures' "Rerun in your browser" control quotes it.

Measured whenever an experiment is computed, but published from `rerun-seconds.json` (the
project's root, committed): a clock's reading varies from build to build, and the published site
must not (same sources, same site). A measurement replaces the kept time only when it is more than
`TOLERANCE` times off (a changed config, a slower engine, a new experiment); the build then
rewrites the file and says so, to be committed with the change. An experiment the file lacks is
timed once more (the caller runs it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from site_src.build.cache import write_if_changed
from site_src.build.step import BuildError
from site_src.project import RERUN_SECONDS_FILE

#: A measured rerun time replaces the kept one only when it is more than this factor off.
TOLERANCE = 2


class RerunSeconds:
    """The kept rerun times of one project (`path`), and the rule that updates them."""

    def __init__(self, path: Path, log: Callable[[str], None]) -> None:
        self.path, self.log = path, log
        self.kept = self._read()

    def untimed(self, names: Iterable[str], measured: Mapping[str, float]) -> list[str]:
        """The experiments with neither a kept time nor a measurement: the caller times them."""
        return [name for name in names if name not in measured and name not in self.kept]

    def publish(self, names: Iterable[str], measured: Mapping[str, float], registered: Iterable[str]) -> dict[str, int]:
        """Whole seconds per experiment of `names`; rewrites the file when a time is kept anew.
        Experiments no longer `registered` drop out of it; those no page uses today keep their time."""
        published = {}
        for name in names:
            old, new = self.kept.get(name), (max(1, math.ceil(measured[name])) if name in measured else None)
            off = new is not None and (old is None or not old / TOLERANCE <= new <= old * TOLERANCE)
            published[name] = new if off else old
            if off and old is not None:
                self.log(f"assets: experiment {name:<28} reruns in {new} s, not {old} s: {RERUN_SECONDS_FILE} updated, commit it")
        registered = set(registered)
        updated = {name: seconds for name, seconds in {**self.kept, **published}.items() if name in registered}
        write_if_changed(self.path, (json.dumps(dict(sorted(updated.items())), indent=2) + "\n").encode())
        return published

    def quickest(self, registered: Iterable[str]) -> str | None:
        """The registered experiment with the shortest kept time (the first by name among equals);
        None when none is kept. What the build's Pyodides warm up with under `mkdocs serve`."""
        timed = sorted((seconds, name) for name, seconds in self.kept.items() if name in set(registered))
        return timed[0][1] if timed else None

    def _read(self) -> dict[str, int]:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        except json.JSONDecodeError as err:
            raise BuildError(f"{self.path}:{err.lineno}: not JSON ({err.msg}); delete the file and build again to rewrite it") from err
        wrong = ([name for name, seconds in kept.items() if type(seconds) is not int or seconds < 1]
                 if isinstance(kept, dict) else [kept])
        if wrong:
            raise BuildError(f"{self.path}: expected {{experiment name: whole seconds >= 1}}; wrong: {wrong!r}; "
                             "delete the file and build again to rewrite it")
        return kept
