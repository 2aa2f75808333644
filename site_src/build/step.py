"""What every step of the build shares: the `Step` interface, the `BuildContext` it runs in, and
the one cached-item mechanism (`BuildContext.cached`: look up, make what is missing, store, log).

A step (experiments, live cells, exercises, figures, notebook) computes named items whose bytes
depend only on inputs it can hash: it asks `cached` for them by key, and makes only the misses.
Every item gets one log line in one format and one `StepRecord`, so the report (and the tests
that count recomputations) read all steps alike.

Under the preview a build may carry a `Deferral`: an item the page being edited does not need,
which the cache lacks, is then served as the last build made it (its key is in the deferral) and
listed in the report as still to make; the preview makes it in the background
(`site_src.serve`). A build without one (`scripts/build`, `mkdocs build`) makes every miss.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from site_src.build.cache import ContentCache, write_if_changed
from site_src.build.pages import markdown_pages
from site_src.markdown.fences import ScannedPage, scan
from site_src.project import Project

#: What a step's maker returns for each missing item: its bytes and the seconds making it took.
Made = Mapping[str, tuple[bytes, float]]


class BuildError(RuntimeError):
    """The build cannot finish; the message names the file, line or object and the fix."""


class Interrupted(Exception):
    """The preview's background build gave way to a build a save asked for (`BuildContext.interrupted`)."""


@dataclass(frozen=True)
class StepRecord:
    """One item of a step (an experiment, a page of live cells, an exercise, a figure): whether the
    cache served it, and how long it took."""

    kind: str
    name: str
    hit: bool
    seconds: float
    cache_state: str  # hit, absent, partial or corrupt; deferred: the last build's bytes, still to make


@dataclass
class BuildReport:
    """What one build did; tests count `misses` to prove the cache works."""

    records: list[StepRecord] = field(default_factory=list)
    files_written: list[Path] = field(default_factory=list)
    wall_seconds: dict[str, float] = field(default_factory=dict)  # per kind, parallel workers included
    #: Cache keys the build used, per cache kind: the pruning keeps them.
    used_keys: dict[str, set[str]] = field(default_factory=dict)
    #: (step kind, item name) -> the key of the bytes this build published for it (the next
    #: deferral's way back to them).
    item_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (step kind, item name) -> the pages that wait for it: items a `Deferral` left to the background.
    deferred: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def misses(self, kind: str) -> list[str]:
        return [record.name for record in self.records if record.kind == kind and not record.hit]

    def hits(self, kind: str) -> list[str]:
        return [record.name for record in self.records if record.kind == kind and record.hit]

    def summary(self) -> str:
        parts = []
        for kind, noun in (("experiment", "experiments"), ("cells", "pages of live cells"), ("figure", "figures")):
            count = len(self.hits(kind)) + len(self.misses(kind))
            parts.append(
                f"{count} {noun} ({len(self.hits(kind))} cached, {len(self.misses(kind))} computed, "
                f"{self.wall_seconds.get(kind, 0.0):.2f} s)"
            )
        return (f"assets: {', '.join(parts)}; {len(self.files_written)} files written; "
                f"{self.wall_seconds.get('step', 0.0):.2f} s in all")


@dataclass
class Deferral:
    """Under the preview: what `pages` need is made now; any other item the cache lacks is served
    as the last build made it (`previous_keys`) and made in the background afterwards.

    `needed_by` maps (step kind, item name) to the pages that show it; the pipeline fills it from
    its scan of the pages. An item it does not list is named by its page (a page's live cells, the
    notebook)."""

    pages: frozenset[str]  # as the build names pages: docs/<path>
    previous_keys: Mapping[tuple[str, str], str]
    needed_by: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def pages_of(self, kind: str, name: str) -> set[str]:
        return self.needed_by.get((kind, name), {name})

    def waits(self, kind: str, name: str) -> bool:
        return not self.pages & self.pages_of(kind, name)


@dataclass
class BuildContext:
    """One build's shared state: where it reads and writes, its cache, report and log, the runtime
    that computes (its identity enters every key), and what earlier steps published."""

    project: Project
    cache: ContentCache
    runtime: Mapping[str, object]
    log: Callable[[str], None] = print
    report: BuildReport = field(default_factory=BuildReport)
    #: experiment name -> its published JSON bytes (the experiments step fills it; figures and exercises read it)
    results: dict[str, bytes] = field(default_factory=dict)
    #: experiment name -> whole seconds its rerun takes (published beside its figures)
    rerun_seconds: dict[str, int] = field(default_factory=dict)
    #: the runtime those rerun times were measured in, in words ("Pyodide under Node", "CPython")
    rerun_timed_in: str = ""
    #: under the preview: items the page being edited does not need may wait (None: make every miss)
    deferral: Deferral | None = None
    #: the preview's background build: misses are made one at a time, and when this says so the
    #: build stops between two (`Interrupted`) so that a build a save asked for can start
    interrupted: Callable[[], bool] | None = None

    @functools.cached_property
    def pages(self) -> dict[str, str]:
        """``docs/<path>`` -> text of every Markdown page, read once per build for every step."""
        return markdown_pages(self.project.docs_dir, self.project.generated_dir)

    @functools.cached_property
    def scans(self) -> dict[str, ScannedPage]:
        """``docs/<path>`` -> the page scanned once per build: its fences and references for every step."""
        return {page: scan(text, page) for page, text in self.pages.items()}

    def cached(self, kind: str, keys: Mapping[str, str], make: Callable[[list[str]], Made], *,
               cache_kind: str | None = None, cache: ContentCache | None = None, verb: str = "computed",
               details: Mapping[str, str] | None = None) -> dict[str, bytes]:
        """The bytes of every named item: verified from the cache, or made (all misses in one call
        to `make`, so a step can make them in parallel or in one request) and stored. Logs a line and
        records a `StepRecord` per item; `details` adds to an item's line (e.g. "3 cells")."""
        start = time.perf_counter()
        cache, cache_kind = cache or self.cache, cache_kind or kind
        if cache is self.cache:
            self.report.used_keys.setdefault(cache_kind, set()).update(keys.values())
        looked_up = {name: cache.lookup(cache_kind, key) for name, key in keys.items()}
        used = dict(keys)
        for name, (payload, _) in looked_up.items():
            if payload is None and (previous := self._deferred(kind, name, cache, cache_kind)) is not None:
                used[name], looked_up[name] = previous, (cache.get(cache_kind, previous), "deferred")
        made = self._make(make, [name for name, (payload, _) in looked_up.items() if payload is None],
                          lambda name, payload: cache.put(cache_kind, keys[name], payload))
        payloads = {}
        for name, (payload, state) in looked_up.items():
            seconds = 0.0
            if payload is None:
                payload, seconds = made[name]
            self.report.item_keys[(kind, name)] = used[name]
            self._record(kind, name, state, seconds, verb, (details or {}).get(name))
            payloads[name] = payload
        self.report.wall_seconds[kind] = self.report.wall_seconds.get(kind, 0.0) + time.perf_counter() - start
        return payloads

    def _make(self, make: Callable[[list[str]], Made], missing: list[str],
              store: Callable[[str, bytes], None]) -> Made:
        """The misses, made in one call (a step may make them in parallel) or, in an interruptible
        build, one at a time; each stored as soon as it is made (an interrupted build keeps them)."""
        made: dict[str, tuple[bytes, float]] = {}
        for batch in [missing] if self.interrupted is None else [[name] for name in missing]:
            if self.interrupted is not None and self.interrupted():
                raise Interrupted(f"stopped before {batch[0]}: a save asked for a build")
            made.update(make(batch))
            for name in batch:
                store(name, made[name][0])
        return made

    def _deferred(self, kind: str, name: str, cache: ContentCache, cache_kind: str) -> str | None:
        """The key of the last build's bytes of an item the deferral lets wait (None: make it now)."""
        deferral = self.deferral
        if deferral is None or not deferral.waits(kind, name):
            return None
        previous = deferral.previous_keys.get((kind, name))
        if previous is None or cache.get(cache_kind, previous) is None:
            return None  # nothing to show meanwhile: made now
        if cache is self.cache:
            self.report.used_keys.setdefault(cache_kind, set()).add(previous)
        self.report.deferred[(kind, name)] = sorted(deferral.pages_of(kind, name))
        return previous

    def write(self, path: Path, data: bytes) -> None:
        """Write a generated file, only when its bytes change (so `mkdocs serve` does not loop)."""
        if write_if_changed(path, data):
            self.report.files_written.append(path)

    def _record(self, kind: str, name: str, state: str, seconds: float, verb: str, detail: str | None) -> None:
        hit = state in ("hit", "deferred")  # a deferred item is served from the cache too, for now
        self.report.records.append(StepRecord(kind, name, hit, seconds, state))
        replaced = "no entry" if state == "absent" else f"{state} entry replaced"
        outcome = ("deferred (last build's, in the background next)" if state == "deferred" else "cached" if hit
                   else f"{verb} ({detail + ', ' if detail else ''}{replaced})")
        self.log(f"assets: {kind:<10} {name:<28} {outcome:<34} {seconds:6.2f} s")


def one_at_a_time(make_one: Callable[[str], bytes]) -> Callable[[list[str]], Made]:
    """A maker for `BuildContext.cached` from one that makes a single item, timing each."""
    def make(names: list[str]) -> dict[str, tuple[bytes, float]]:
        made = {}
        for name in names:
            start = time.perf_counter()
            payload = make_one(name)
            made[name] = (payload, time.perf_counter() - start)
        return made
    return make


class Step(Protocol):
    """One step of the build: it reads the context (the project, earlier steps' results) and
    writes its items through `BuildContext.cached` and its files through `BuildContext.write`."""

    kind: str

    def run(self, build: BuildContext) -> None: ...
