"""How long each experiment's rerun takes, as the figures' "Rerun in your browser" control quotes it.

The times are measurements an author asks for (`scripts/time-reruns NAME`), kept in
`rerun-seconds.json` (the project's root, committed) and only read by the build. A build's own
clock never reaches the site or the working tree: a clock's reading depends on the machine and its
load (one engine edit on a busy machine once "updated" six unrelated experiments), while the site
must be the same bytes for the same sources and a build of unchanged sources must leave the
checkout as it was. An experiment the file lacks is published without a time (the control then
says no duration) and the build's log names the command that measures it.

Why not a cost model (steps x a constant)? The label is a promise about wall time in a browser;
an experiment's cost depends on how its runs stack in the fast kernel, its evaluation passes and
its search logic, which no step count captures without instrumenting the engine. A measurement
taken on purpose, on a machine the author chose, is the honest figure; it is whole seconds, and
the page says "a few seconds" up to 3 s and "about N s" above.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from site_src.build.cache import write_if_changed
from site_src.build.step import BuildError
from site_src.project import RERUN_SECONDS_FILE

#: The command that measures reruns, as the build's log and the scaffold name it.
TIME_RERUNS_COMMAND = "scripts/time-reruns"


class RerunSeconds:
    """The kept rerun times of one project (`path`); the build reads them, `record` writes them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept = self._read()

    def published(self, names: Iterable[str]) -> dict[str, int]:
        """Whole seconds per experiment of `names` that has a kept time."""
        return {name: self.kept[name] for name in names if name in self.kept}

    def missing(self, names: Iterable[str]) -> list[str]:
        """The experiments of `names` without a kept time."""
        return [name for name in names if name not in self.kept]

    def missing_note(self, names: Iterable[str]) -> str | None:
        """One log line naming the experiments without a time and the command that measures them."""
        missing = self.missing(names)
        if not missing:
            return None
        return (f"assets: no rerun time in {RERUN_SECONDS_FILE} for {', '.join(missing)}: their figures' Rerun "
                f"button gives no duration; `{TIME_RERUNS_COMMAND} {' '.join(missing)}` measures them (commit the file)")

    def record(self, measured: Mapping[str, float], registered: Iterable[str]) -> dict[str, int]:
        """Keep the `measured` seconds (rounded up, at least 1) and write the file; experiments no
        longer `registered` drop out of it. Returns what the file now holds."""
        registered = set(registered)
        updated = {**self.kept, **{name: max(1, math.ceil(seconds)) for name, seconds in measured.items()}}
        self.kept = {name: seconds for name, seconds in sorted(updated.items()) if name in registered}
        write_if_changed(self.path, (json.dumps(self.kept, indent=2) + "\n").encode())
        return self.kept

    def quickest(self, registered: Iterable[str]) -> str | None:
        """The registered experiment with the shortest kept time (the first by name among equals);
        None when none is kept. What the build's Pyodides warm up with under `mkdocs serve`."""
        timed = sorted((seconds, name) for name, seconds in self.kept.items() if name in set(registered))
        return timed[0][1] if timed else None

    def _read(self) -> dict[str, int]:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        except json.JSONDecodeError as err:
            raise BuildError(f"{self.path}:{err.lineno}: not JSON ({err.msg}); fix it, or delete it and run "
                             f"`{TIME_RERUNS_COMMAND} --all` to measure every experiment again") from err
        wrong = ([name for name, seconds in kept.items() if type(seconds) is not int or seconds < 1]
                 if isinstance(kept, dict) else [kept])
        if wrong:
            raise BuildError(f"{self.path}: expected {{experiment name: whole seconds >= 1}}; wrong: {wrong!r}; fix it, "
                             f"or delete it and run `{TIME_RERUNS_COMMAND} --all` to measure every experiment again")
        return kept


def time_reruns(path: Path, names: list[str], registered: Iterable[str],
                measure: Callable[[list[str]], Mapping[str, tuple[bytes, float]]],
                log: Callable[[str], None] = print) -> dict[str, int]:
    """Measure the reruns of `names` (`measure` runs them: a build backend's `experiments`) and keep
    their times in the file at `path`; returns the times kept for `names`."""
    times = RerunSeconds(path)
    measured = {name: seconds for name, (_, seconds) in measure(names).items()}
    kept = times.record(measured, registered)
    for name in names:
        log(f"time-reruns: {name:<28} {measured[name]:6.2f} s -> {kept[name]} s kept in {path.name}")
    return {name: kept[name] for name in names}
