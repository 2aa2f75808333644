#!/usr/bin/env python3
"""Page benchmark: Lighthouse on every page of the built site and on a plain Material baseline.

The baseline is built in the same run (a temporary MkDocs project: Material with this site's theme
settings, the overview's text and one of its SVG figures, none of our hooks, CSS or scripts), and
both sites are served on 127.0.0.1, so the scores are compared under the same load of the machine.
Lighthouse (npm, pinned in package.json) drives Debian's Chromium with the default mobile profile.

Prints per page: performance, accessibility, best practices, LCP, TBT, CLS and bytes transferred
(the page's load, before any Run), and the difference to the baseline; under it, where the main
thread's time went (Lighthouse's groups) and each long task (> 50 ms, what TBT counts) with the
script it is attributed to, from the run with the median TBT, so a regression names its cause;
then the failing audits of the accessibility and best-practices categories. A benchmark, not a test: nothing is asserted.
About a minute a page on a 2-core machine; `--pages` measures some (with the baseline).

Both sites are served as `python -m http.server` serves them (no compression), the measure of
issue 10; `--compress` serves text gzip-compressed instead, as static hosts (GitHub Pages, Netlify,
Read the Docs) do, which is what a reader downloads.

Usage: .venv/bin/python scripts/bench_pages.py [--site site] [--runs 1] [--compress] [--pages learning-rate/ ...]
       (build first: scripts/build; wrap it in `flock /tmp/heavy.lock`: it keeps both cores busy)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from site_server import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402 - the browser tests' server and flags

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
#: The one figure of the baseline page (the overview's first).
BASELINE_FIGURE = "bad_vs_good"


@dataclass(frozen=True)
class Score:
    """One page's Lighthouse numbers (scores 0-1, times in ms, bytes)."""

    performance: float
    accessibility: float
    best_practices: float
    lcp_ms: float
    tbt_ms: float
    cls: float
    bytes: int
    failing: tuple[str, ...]  # ids of failing accessibility / best-practices audits
    main_thread: tuple[tuple[str, float], ...] = ()  # (kind of work, ms), the most first
    long_tasks: tuple[tuple[str, float], ...] = ()  # (script or "page", ms) of tasks over 50 ms


def run_lighthouse(url: str, runs: int) -> Score:
    """Median over `runs` Lighthouse runs of `url` (one fresh Chromium each)."""
    reports = []
    for _ in range(runs):
        command = [
            str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROMIUM_ARGS)}",
        ]
        completed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
        if completed.returncode != 0:
            raise RuntimeError(f"lighthouse failed on {url} (exit {completed.returncode}): {completed.stderr.strip()[-2000:]}")
        reports.append(json.loads(completed.stdout))
    return _median_score(reports)


def _median_score(reports: list[dict]) -> Score:
    def median(read) -> float:
        return statistics.median(read(report) for report in reports)

    def category(name: str):
        return lambda report: report["categories"][name]["score"] or 0.0

    def audit(name: str):
        return lambda report: report["audits"][name]["numericValue"]

    failing = set()
    for report in reports:
        for name in ("accessibility", "best-practices"):
            for ref in report["categories"][name]["auditRefs"]:
                result = report["audits"][ref["id"]]
                if ref["weight"] > 0 and result["score"] is not None and result["score"] < 1:
                    failing.add(ref["id"])
    typical = sorted(reports, key=audit("total-blocking-time"))[len(reports) // 2]  # the median TBT's run
    return Score(
        performance=median(category("performance")),
        accessibility=median(category("accessibility")),
        best_practices=median(category("best-practices")),
        lcp_ms=median(audit("largest-contentful-paint")),
        tbt_ms=median(audit("total-blocking-time")),
        cls=median(audit("cumulative-layout-shift")),
        bytes=int(median(audit("total-byte-weight"))),
        failing=tuple(sorted(failing)),
        main_thread=main_thread_work(typical),
        long_tasks=long_tasks(typical),
    )


def main_thread_work(report: dict) -> tuple[tuple[str, float], ...]:
    """Where the load's main-thread time went (Lighthouse's groups: style & layout, script, ...)."""
    items = report["audits"]["mainthread-work-breakdown"].get("details", {}).get("items", [])
    return tuple((item["groupLabel"], item["duration"]) for item in sorted(items, key=lambda item: -item["duration"]))


def long_tasks(report: dict) -> tuple[tuple[str, float], ...]:
    """The load's tasks over 50 ms (the ones TBT counts) and the script each is attributed to."""
    items = report["audits"]["long-tasks"].get("details", {}).get("items", [])
    return tuple((_short_source(item.get("url", "")), item["duration"]) for item in items)


def _short_source(url: str) -> str:
    # Lighthouse names a script by URL, and work no script owns (style, layout, parsing) by the page's URL.
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    return name if name.endswith(".js") else "page (style, layout, HTML)"


def site_pages(site: Path) -> list[tuple[str, str]]:
    """(path relative to the site root, page title) of every page in the sitemap, in its order."""
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    home = min(locations, key=len)  # the home page is site_url itself
    pages = []
    for location in locations:
        path = location[len(home):]
        html = (site / path / "index.html").read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).split(" - ")[0].strip()
        pages.append((path, title))
    return pages


def baseline_markdown(generated: Path) -> str:
    """The overview's Markdown with our directives resolved to plain Markdown (same text, one SVG)."""
    from site_src.markdown.results import FIGURE_LINE_PATTERN, VALUE_PATTERN, GeneratedAssets, parse_references

    lines = (ROOT / "docs" / "index.md").read_text(encoding="utf-8").split("\n")
    assets = GeneratedAssets(generated)
    quotes = {ref.text: assets.quote(ref) for ref in parse_references(lines) if ref.kind == "value"}
    output = []
    for line in lines:
        figure = FIGURE_LINE_PATTERN.match(line)
        if figure and figure["name"] == BASELINE_FIGURE:
            output.append(f"![{assets.figure(BASELINE_FIGURE)['alt']}]({BASELINE_FIGURE}.svg)")
        elif not figure:
            line = VALUE_PATTERN.sub(lambda match: quotes[match[0]], line)
            output.append(line.replace("```python-live", "```python").split(" title=")[0] if "```python-live" in line else line)
    return "\n".join(output)


def build_baseline(site: Path, workdir: Path, served_at: str) -> None:
    """Build the plain Material baseline into `workdir`/site for the address `served_at`.

    Built for the address it is served at, as a deployed site is: Material switches instant
    navigation on only when the sitemap's addresses match the page's (the chapter's pages do so on
    any address), and setting it up (the sitemap fetched and read) is part of a page's load."""
    import yaml

    ours = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # Only the theme section: the rest of mkdocs.yml holds tags (!ENV, !!python/name) safe_load refuses.
    theme = yaml.safe_load(ours[ours.index("\ntheme:") : ours.index("\nnav:")])["theme"]
    theme.pop("custom_dir", None)  # plain Material: none of our overrides
    docs = workdir / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(baseline_markdown(ROOT / "generated"), encoding="utf-8")
    shutil.copyfile(site / "generated" / "figures" / f"{BASELINE_FIGURE}.svg", docs / f"{BASELINE_FIGURE}.svg")
    config = {
        "site_name": "Hyperparameter Tuning (plain Material baseline)",
        "site_url": served_at,
        "theme": theme,
        "markdown_extensions": [
            "admonition", "attr_list", "md_in_html", "tables", "pymdownx.details",
            "pymdownx.highlight", "pymdownx.superfences", {"toc": {"permalink": True}},
        ],
        "plugins": ["search"],
    }
    (workdir / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(workdir / "mkdocs.yml")],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


HEADER = f"{'page':26s} {'perf':>5s} {'Δperf':>6s} {'a11y':>5s} {'bp':>5s} {'LCP s':>6s} {'TBT ms':>7s} {'CLS':>5s} {'KiB':>6s} {'ΔKiB':>6s}"


def row(name: str, score: Score, baseline: Score) -> str:
    """One line of the table: the page's numbers and their difference to the baseline."""
    return (
        f"{name[:26]:26s} {score.performance:5.2f} {score.performance - baseline.performance:+6.2f} "
        f"{score.accessibility:5.2f} {score.best_practices:5.2f} {score.lcp_ms / 1000:6.1f} {score.tbt_ms:7.0f} "
        f"{score.cls:5.3f} {score.bytes / 1024:6.0f} {(score.bytes - baseline.bytes) / 1024:+6.0f}"
    )


def causes(score: Score) -> str:
    """The main thread's biggest kinds of work and the long tasks' sources, for a line under the row."""
    work = ", ".join(f"{label} {ms:.0f}" for label, ms in score.main_thread[:4])
    tasks = ", ".join(f"{source} {ms:.0f}" for source, ms in score.long_tasks) or "none"
    return f"{'':26s} main thread ms: {work}\n{'':26s} long tasks ms: {tasks}"


def summary(baseline: Score, scores: list[tuple[str, Score]]) -> str:
    """Failing audits per page, and the worst page against the goals of issue 10."""
    lines = [f"{name}: failing audits: {', '.join(score.failing)}" for name, score in scores if score.failing]
    worst = min(score.performance for _, score in scores)
    heaviest = max(score.bytes for _, score in scores)
    lines.append(
        f"worst performance {worst:.2f} (baseline {baseline.performance:.2f}); heaviest page {heaviest / 1024:.0f} KiB "
        f"(baseline {baseline.bytes / 1024:.0f} KiB, goal <= {baseline.bytes / 1024 + 100:.0f} KiB)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default: site/)")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page; the median is shown (default: 1)")
    parser.add_argument("--pages", nargs="*", help="only these page paths, e.g. learning-rate/ ('' is the overview)")
    parser.add_argument("--compress", action="store_true", help="serve text gzip-compressed, as static hosts do")
    args = parser.parse_args()
    if not (args.site / "sitemap.xml").is_file():
        sys.exit(f"{args.site}/sitemap.xml is missing: run scripts/build first")
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: run scripts/setup (npm ci installs Lighthouse from package-lock.json)")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: run scripts/setup --browser")

    pages = [(path, title) for path, title in site_pages(args.site) if args.pages is None or path in args.pages]
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as workdir:
        baseline_site = Path(workdir) / "site"
        baseline_site.mkdir()
        baseline_server, _ = serve(baseline_site, compress=args.compress)  # its address goes into the build
        base_url = f"http://127.0.0.1:{baseline_server.server_address[1]}/"
        build_baseline(args.site, Path(workdir), base_url)
        server, _ = serve(args.site, compress=args.compress)
        site_url = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"Lighthouse {subprocess.run([str(LIGHTHOUSE), '--version'], capture_output=True, text=True).stdout.strip()}, "
              f"{args.runs} run(s) per page, mobile profile, {'gzip' if args.compress else 'no'} compression; "
              f"baseline {base_url}, site {site_url}", flush=True)
        baseline = run_lighthouse(base_url, args.runs)
        print(HEADER, "-" * len(HEADER), row("plain Material (baseline)", baseline, baseline), causes(baseline), sep="\n", flush=True)
        scores = []
        for path, title in pages:  # a line as soon as a page is measured: a run takes ~1 min a page
            scores.append((title, run_lighthouse(site_url + path, args.runs)))
            print(row(title, scores[-1][1], baseline), causes(scores[-1][1]), sep="\n", flush=True)
        server.shutdown()
        baseline_server.shutdown()
    print(summary(baseline, [("plain Material (baseline)", baseline), *scores]))


if __name__ == "__main__":
    main()
