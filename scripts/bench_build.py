#!/usr/bin/env python3
"""Benchmark of the site build: a clean build, then a rebuild after a Markdown-only edit.

Builds a throw-away copy of the project (its tracked and untracked, not ignored files) so the
working tree, its `site/` and its experiment cache are left alone; `node_modules/` and the other
caches under `.cache/` (downloads such as the Pyodide mirror) are copied, not rebuilt, so "clean"
means: no experiment result, no figure, no site. Prints the clean build's wall time and the
share spent in experiments, figures, MkDocs' page build and start-up (imports, plugins,
configuration), read from the build's own progress lines and MkDocs' "built in" line.
Numbers, not assertions: timing depends on the machine.

    .venv/bin/python scripts/bench_build.py            # the chapter
    .venv/bin/python scripts/bench_build.py --fixture  # the small test site (tests/site_build/fixtures/site)
    .venv/bin/python scripts/bench_build.py --reproducible  # also: a second clean build, compared byte for byte
    .venv/bin/python scripts/bench_build.py --serve    # also: the author's loop under scripts/serve
    .venv/bin/python scripts/bench_build.py --serve --checkout DIR  # the same, of another checkout

With `--serve` it then starts the author's preview (`scripts/serve`: MkDocs' live-reload server)
on the built copy and times four kinds of edit as an author makes them, three times each (median
and all three), from the moment the file is saved to the moment the served page shows the change:
a sentence of prose, one experiment's default, one figure module's drawing code (the author has
the figure's page open), and a module every experiment imports (`lesson/train.py`, a comment
added, with the learning-rate page open): to that page served by a build after the save, and to
every page done (no page says that it waits for the background build). It counts the rebuilds
each edit caused and what each rebuild recomputed, and says where each edit's time went (`PHASES`,
from when the preview's log lines arrive): from the save to the build's start (the file event and
the settling), the build's steps (with the longest item they computed, e.g. the experiment), MkDocs'
pages and post-build events, and the page served.

`--checkout DIR` benchmarks another checkout of the project (e.g. a `git worktree` of an older
commit) with this script, this environment, node_modules and downloads: a before and after of
the same run. Each edit names its text by a pattern that both old and new sources match.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from site_src.runtime.node_host import LANES, WARM  # noqa: E402  (the project's own package)
from site_src.serve import BACKGROUND_DONE, BACKGROUND_FAILED, BACKGROUND_STARTED, BACKGROUND_YIELDED  # noqa: E402
FIXTURE = ROOT / "tests" / "site_build" / "fixtures" / "site"
SUMMARY = re.compile(
    r"assets: \d+ experiments \(.*?, (?P<experiment>\d+\.\d+) s\), \d+ pages of live cells \(.*?, (?P<cells>\d+\.\d+) s\), "
    r"\d+ figures \(.*?, (?P<figure>\d+\.\d+) s\); \d+ files written; (?P<step>\d+\.\d+) s in all")
BUILT_IN = re.compile(r"Documentation built in (?P<seconds>\d+\.\d+) seconds")
PROGRESS = re.compile(r"assets: (?P<kind>experiment|cells|figure)\s+(?P<name>\S+)\s+(?P<outcome>cached|computed).*?(?P<seconds>\d+\.\d+) s$")


#: The livereload script's epoch: the server's monotonic clock (ms) when the build that wrote the page started.
EPOCH = re.compile(rb"livereload\((\d+), \d+\)")
#: What the preview puts on the pages that wait for its background build (site_src/serve.py).
RUNNING_BANNER = b'id="build-running"'


def project_files(root: Path) -> list[str]:
    """The project's files as git sees them: tracked plus untracked-but-not-ignored."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True, check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name and (root / name).is_file())


def copy_project(destination: Path, checkout: Path = ROOT) -> Path:
    """A copy of the checkout's project with its build outputs and the asset cache left out
    (node_modules and the downloads in `.cache/` are this checkout's)."""
    for name in project_files(checkout):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(checkout / name, target)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    (destination / ".cache").mkdir(exist_ok=True)
    for cached in sorted((ROOT / ".cache").glob("*")) if (ROOT / ".cache").exists() else []:
        if cached.name != "assets" and cached.is_dir():  # copied, not linked: the copy must not write back
            shutil.copytree(cached, destination / ".cache" / cached.name, symlinks=True)
    return destination


def timed_build(root: Path) -> tuple[float, list[dict], dict[str, float]]:
    """Run `mkdocs build --strict` in `root`: wall seconds, the progress lines, wall seconds per phase."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"bench_build: the build in {root} failed:\n{completed.stdout}\n{completed.stderr}")
    lines = (completed.stdout + completed.stderr).splitlines()
    phases = [{kind: float(value) for kind, value in match.groupdict().items()} for line in lines if (match := SUMMARY.search(line))]
    built_in = [float(match["seconds"]) for line in lines if (match := BUILT_IN.search(line))]
    phases[-1]["build"] = built_in[-1]  # MkDocs' own clock: from on_pre_build to the last file written
    steps = [match.groupdict() for line in lines if (match := PROGRESS.search(line))]
    return seconds, steps, phases[-1]


def share(part: float, whole: float) -> str:
    return f"{part:6.2f} s ({100 * part / whole:4.1f} %)"


def report(label: str, seconds: float, steps: list[dict], phases: dict[str, float]) -> None:
    """Print the wall time and its shares (phases are wall times: parallel workers count once)."""
    experiments, cells, figures = phases["experiment"], phases["cells"], phases["figure"]
    computed = sum(step["outcome"] == "computed" for step in steps)
    print(f"{label}: {seconds:.2f} s wall, {computed} of {len(steps)} experiments/pages of cells/figures computed")
    print(f"  experiments        {share(experiments, seconds)}  in Pyodide under Node, start-up included")
    print(f"  live cells         {share(cells, seconds)}  every page's cells, in a second Pyodide, meanwhile")
    print(f"  figures            {share(figures, seconds)}  drawn in this process once the results are in, while the exercises are checked")
    print(f"  asset step         {share(phases['step'], seconds)}  all of the above: parts overlap, so this is less than their sum")
    print(f"  MkDocs build       {share(phases['build'] - phases['step'], seconds)}  pages, search, notebook, other plugin events")
    print(f"  start-up + config  {share(seconds - phases['build'], seconds)}  interpreter, imports, plugins, on_config")
    slowest = sorted(steps, key=lambda step: -float(step["seconds"]))[:5]
    print("  slowest (work, not wall): "
          + ", ".join(f"{step['kind']} {step['name']} {float(step['seconds']):.2f} s" for step in slowest))


#: What the live-reload server adds to every page it serves (a new request id each time).
LIVERELOAD_SCRIPT = re.compile(rb"<script>[^<]*livereload\(\d+, \d+\);?\s*</script>")


class ServedProject:
    """The author's preview (`python -m site_src.serve`) on a project copy, with its log lines."""

    def __init__(self, root: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.root = root
        self.lines: list[str] = []
        self.heard: list[float] = []  # when each line arrived (perf_counter): the phases of a build
        self.process = subprocess.Popen(
            [sys.executable, "-m", "site_src.serve", "-a", f"127.0.0.1:{self.port}"], cwd=root,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.heard.append(time.perf_counter())
            self.lines.append(line.rstrip())

    def page(self, path: str) -> bytes | None:
        body = self.raw_page(path)
        return None if body is None else LIVERELOAD_SCRIPT.sub(b"", body)

    def raw_page(self, path: str) -> bytes | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{path}", timeout=300) as response:
                return response.read()
        except OSError:
            return None

    def wait_for_build(self, path: str, saved_ms: int, done=lambda body: True, limit: float = 600.0) -> float:
        """Seconds until `path` is served by a build that started after `saved_ms` (the server's
        monotonic clock, which is this process's) and `done(body)` holds."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            body = self.raw_page(path)
            epoch = EPOCH.search(body) if body is not None else None
            if epoch is not None and int(epoch[1]) > saved_ms and done(body):
                return time.perf_counter() - start
            if self.process.poll() is not None:
                sys.exit("bench_build: the preview server ended:\n" + "\n".join(self.lines[-30:]))
            time.sleep(0.05)
        sys.exit(f"bench_build: /{path} was not rebuilt within {limit:.0f} s:\n" + "\n".join(self.lines[-30:]))

    def wait_until_idle(self, limit: float = 600.0) -> None:
        """Wait until no background build runs (an older checkout's preview has none)."""
        deadline = time.perf_counter() + limit
        while (sum(BACKGROUND_STARTED in line for line in self.lines)
               > sum(any(end in line for end in (BACKGROUND_DONE, BACKGROUND_FAILED, BACKGROUND_YIELDED))
                     for line in self.lines)):
            if time.perf_counter() > deadline:
                sys.exit(f"bench_build: the preview's background build ran past {limit:.0f} s")
            time.sleep(0.1)
        time.sleep(0.5)  # the rebuild it asks for starts within this

    def wait_for(self, path: str, changed_from: bytes | None, limit: float = 180.0) -> float:
        """Seconds until `path` answers with bytes other than `changed_from` (polled every 20 ms)."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            body = self.page(path)
            if body is not None and body != changed_from:
                return time.perf_counter() - start
            if self.process.poll() is not None:
                sys.exit("bench_build: the preview server ended:\n" + "\n".join(self.lines[-30:]))
            time.sleep(0.02)
        sys.exit(f"bench_build: /{path} did not change within {limit:.0f} s:\n" + "\n".join(self.lines[-30:]))

    def wait_for_log(self, text: str, count: int = 1, limit: float = 120.0) -> None:
        """Wait until the server has logged `text` `count` times."""
        deadline = time.perf_counter() + limit
        while sum(text in line for line in self.lines) < count:
            if time.perf_counter() > deadline:
                sys.exit(f"bench_build: the preview did not log {text!r} {count} times within {limit:.0f} s")
            time.sleep(0.1)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def serve_edit(served: ServedProject, label: str, path: Path, edits, page: str, settle: float = 4.0,
               open_page: str | None = None) -> None:
    """Apply each of `edits` to `path` in turn, time until `page` shows it, count the rebuilds it
    caused; print the median and the range (one sample says little on a shared machine).
    `open_page`: the page the author has open while editing (asked for just before the save)."""
    seconds, rebuilds, computed, phases = [], [], [], []
    for edit in edits:
        served.wait_until_idle()
        if open_page is not None:
            served.page(open_page)
        before = served.page(page)
        seen = len(served.lines)
        saved = time.perf_counter()
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        seconds.append(served.wait_for(page, before))
        phases.append(build_phases(served.lines[seen:], served.heard[seen:], saved, saved + seconds[-1]))
        time.sleep(settle)  # a second rebuild, if the edit causes one, starts within this
        lines = served.lines[seen:]
        rebuilds.append(sum("Building documentation" in line for line in lines))
        computed.append([f"{match['kind']} {match['name']}" for line in lines
                         if (match := PROGRESS.search(line)) and match["outcome"] == "computed"])
    print(f"  {label:<26} visible in {statistics.median(seconds):5.2f} s (median of {len(seconds)}: "
          f"{', '.join(f'{value:.2f}' for value in seconds)}), rebuilds {'/'.join(map(str, rebuilds))}, "
          f"recomputed: {', '.join(sorted(set(computed[0]))) or 'nothing'}"
          + ("" if all(sorted(c) == sorted(computed[0]) for c in computed) else " (the first edit; others differed)"))
    print(f"  {'':<26} where the time went (medians): "
          + ", ".join(f"{name} {statistics.median(phase[name] for phase in phases):.2f} s"
                      for name in (*PHASES, "longest item")))


#: A build's phases, from the save to the page served, as the preview's log marks them.
PHASES = ("save heard + settle", "config + build steps", "MkDocs pages + post-build", "page served")


def build_phases(lines: list[str], heard: list[float], saved: float, served: float) -> dict[str, float]:
    """Seconds of each of PHASES in the first build after a save, from when the preview's log
    lines arrived: its "Building documentation" line, the build steps' summary ("assets: N
    experiments ..."), MkDocs' "Documentation built in", and the page seen changed; and the
    longest item the steps computed ("longest item", e.g. the edited experiment's run)."""
    def first(pattern, after: float) -> float:
        return next((at for line, at in zip(lines, heard) if at >= after and re.search(pattern, line)), after)
    started = first("Building documentation", saved)
    steps_done = first(SUMMARY, started)
    built = first(BUILT_IN, steps_done)
    marks = [saved, started, steps_done, built, served]
    phases = dict(zip(PHASES, [later - earlier for earlier, later in zip(marks, marks[1:])]))
    items = [float(match["seconds"]) for line, at in zip(lines, heard)
             if at <= steps_done and (match := PROGRESS.search(line)) and match["outcome"] == "computed"]
    phases["longest item"] = max(items, default=0.0)
    return phases


def shared_module_edit(served: ServedProject, path: Path, page: str, other: str, samples: int = 3) -> None:
    """Save a comment into a module every experiment imports while `page` is open: time until
    `page` is served by a build after the save (its experiments and cells rerun), and until
    `other` (a page using other experiments) is too, with no banner saying that it still waits."""
    to_page, to_all, rebuilds, computed = [], [], [], []
    for sample in range(samples):
        served.wait_until_idle()
        served.page(page)  # the author's open page: the one the preview builds first
        seen = len(served.lines)
        saved_ms = round(time.monotonic() * 1000)
        path.write_text(path.read_text(encoding="utf-8") + f"# A comment saved by the benchmark ({sample}).\n",
                        encoding="utf-8")
        start = time.perf_counter()
        served.wait_for_build(page, saved_ms)
        to_page.append(time.perf_counter() - start)
        served.wait_for_build(other, saved_ms, done=lambda body: RUNNING_BANNER not in body)
        to_all.append(time.perf_counter() - start)
        served.wait_until_idle()
        lines = served.lines[seen:]
        rebuilds.append(sum("Building documentation" in line for line in lines))
        computed.append(sum(bool((match := PROGRESS.search(line)) and match["outcome"] == "computed") for line in lines))
    print(f"  {'module all experiments import':<26} {page or 'overview'} in {statistics.median(to_page):5.2f} s "
          f"({', '.join(f'{value:.2f}' for value in to_page)}), every page in {statistics.median(to_all):5.2f} s "
          f"({', '.join(f'{value:.2f}' for value in to_all)}), rebuilds {'/'.join(map(str, rebuilds))}, "
          f"items recomputed {'/'.join(map(str, computed))}")


def serve_loop(root: Path) -> None:
    """The author's loop: prose, experiment and figure edits under the preview server, three of each."""
    served = ServedProject(root)
    try:
        served.wait_for("", None, limit=600)
        served.wait_for_log(WARM, count=len(LANES))  # an author's first edit comes after the warm-up
        time.sleep(1)
        print("under scripts/serve (from the save to the served page showing it):")
        serve_edit(served, "prose edit", root / "docs" / "index.md",
                   [lambda text, n=n: text + f"\nSentence {n} added by the benchmark.\n" for n in range(3)], "")
        serve_edit(served, "experiment default", root / "lesson" / "experiments" / "basics.py",
                   [one_seed_fewer] * 3, "")
        serve_edit(served, "figure drawing code", root / "lesson_figures" / "learning_rate.py",
                   [lambda text, old=old, new=new: text.replace(old, new, 1) for old, new in (
                       ('"learning rate η (log scale)"', '"learning rate η, log scale"'),
                       ('"learning rate η, log scale"', '"learning rate η (log)"'),
                       ('"learning rate η (log)"', '"learning rate η (log axis)"'))],
                   "generated/figures/lr_sweep.svg", open_page="learning-rate/")
        shared_module_edit(served, root / "lesson" / "train.py", "learning-rate/", "tuning-session/")
    finally:
        served.close()


def one_seed_fewer(text: str) -> str:
    """The first experiment default of `seeds` (bad_vs_good's, the overview's), one lower."""
    edited = re.sub(r"^    seeds: int = (\d+)$", lambda match: f"    seeds: int = {int(match[1]) - 1}", text, count=1,
                    flags=re.MULTILINE)
    if edited == text:
        sys.exit("bench_build: lesson/experiments/basics.py has no `seeds: int = N` default to edit")
    return edited


def differing_files(first: Path, second: Path) -> list[str]:
    """Files whose bytes differ between two built sites (or that exist in only one)."""
    def digests(site: Path) -> dict[str, str]:
        return {
            path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(site.rglob("*")) if path.is_file()
        }

    left, right = digests(first), digests(second)
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", action="store_true", help="benchmark the small fixture site instead of the chapter")
    parser.add_argument("--reproducible", action="store_true", help="build a second copy clean and compare bytes")
    parser.add_argument("--serve", action="store_true", help="then time edits under the preview server (scripts/serve)")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="benchmark this checkout of the project (default: this one), with this environment")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as temp:
        root = Path(temp) / "project"
        if args.fixture:
            shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "site", ".cache", "generated"))
        else:
            copy_project(root, args.checkout.resolve())
        twin = Path(temp) / "twin"
        shutil.copytree(root, twin, symlinks=True)  # the same snapshot, even if the work tree changes meanwhile
        report("clean build", *timed_build(root))
        if args.reproducible:
            timed_build(twin)
            differing = differing_files(root / "site", twin / "site")
            print(f"second clean build of the same snapshot: {len(differing)} files differ"
                  + "".join(f"\n  {name}" for name in differing))
        page = root / "docs" / "index.md"
        page.write_text(page.read_text(encoding="utf-8") + "\nA sentence added by the benchmark.\n", encoding="utf-8")
        report("rebuild after a markdown-only edit", *timed_build(root))
        if args.serve:
            serve_loop(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
