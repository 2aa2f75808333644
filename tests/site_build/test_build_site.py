"""The fixture site, built with `mkdocs build --strict`: figures, data, numbers, theme, errors, bytes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from build_helpers import broken_links_under_sub_path, build_site, copy_fixture_site, links_of, remote_requests, resolve

def site_of(built_site) -> Path:
    return built_site[0] / "site"


def results_of(built_site, experiment: str) -> dict:
    return json.loads((site_of(built_site) / "generated" / "results" / f"{experiment}.json").read_text())


# --- what the build produces ----------------------------------------------------------------------


@pytest.mark.parametrize(("page", "figure", "experiment"), [("index.html", "toy_curves", "toy_curves"), ("part/sweeps/index.html", "toy_sweep", "toy_sweep")])
def test_figures_exist_are_referenced_and_have_their_data_beside(built_site, page, figure, experiment):
    page_path = site_of(built_site) / page
    links = links_of(page_path)
    images = [resolve(page_path, value) for tag, _, value, _ in links if tag == "img" and figure in value]
    assert images == [site_of(built_site) / "generated" / "figures" / f"{figure}.svg"]
    assert images[0].read_bytes().startswith(b"<svg ")
    data_links = [resolve(page_path, value) for tag, _, value, _ in links if tag == "a" and value.endswith(f"/{experiment}.json")]
    assert data_links == [site_of(built_site) / "generated" / "results" / f"{experiment}.json"]
    assert json.loads(data_links[0].read_text())["config"], "the data file is the experiment's result"
    html = page_path.read_text()
    assert re.search(rf'<figure class="result-figure" id="figure-{figure}"><a class="result-figure__enlarge" [^>]*><picture>(?:<source [^>]*>)?<img alt="[^"]{{20,}}"', html), "alt text present"


def test_quoted_numbers_match_the_results(built_site):
    curves, sweep = results_of(built_site, "toy_curves"), results_of(built_site, "toy_sweep")
    index = (site_of(built_site) / "index.html").read_text()
    assert (
        f"The best of {curves['config']['epochs']:d} epochs was learning rate\n{curves['best']['learning_rate']:g}, "
        f"final loss {curves['best']['final_loss']:.3e}." in index
    )
    sweeps = (site_of(built_site) / "part" / "sweeps" / "index.html").read_text()
    assert f"Trial {sweep['best']['trial']} won with learning rate {sweep['best']['learning_rate']:.3g}." in sweeps
    assert f"The first rate tried was {sweep['learning_rates'][0]:.4f}." in sweeps
    assert "{{ value: not.substituted }}" in index, "fenced code is not touched"


def test_only_the_experiments_the_pages_use_are_run(built_site):
    output = built_site[1].stdout + built_site[1].stderr
    assert re.search(r"assets: experiment\s+toy_curves\s+computed \(no entry\)\s+\d+\.\d\d s", output)
    assert "unused_experiment" not in output.replace("valid experiments", "")
    assert "assets: 2 experiments (0 cached, 2 computed" in output
    assert not (site_of(built_site) / "generated" / "results" / "unused_experiment.json").exists()


def test_figures_are_deterministic_accessible_svgs(built_site):
    for svg_path in sorted((site_of(built_site) / "generated" / "figures").glob("*.svg")):
        svg = svg_path.read_text()
        assert len(svg) < 80_000, f"{svg_path.name} is {len(svg)} bytes"
        assert "<dc:date>" not in svg and "Matplotlib v" not in svg, "no build date or version stamp"
        assert "<text " in svg, "text stays text (crisp, selectable, small)"
        assert "#0072b2" in svg.lower(), "the Okabe-Ito palette is used"
        assert 'style="fill:none"' in svg.split('id="patch_1"', 1)[1][:200], "transparent background"
        assert "fill:#333" in svg, "dark-grey ink (a light card sits behind it in dark mode)"
        assert "<metadata>" not in svg and not svg.startswith("<?xml"), "optimised by SVGO (matplotlib writes both)"


# --- theme: math, search, toggle, code copy, no request leaves the origin, any sub-path -----------


def test_math_is_typeset_at_build_time_with_css_only_where_needed(built_site):
    site = site_of(built_site)
    page = site / "index.html"
    html = page.read_text()
    # inline in the figure caption and the admonition, and one display formula
    assert html.count('<span class="arithmatex"><span class="katex">') == 2
    assert html.count('<div class="arithmatex"><span class="katex-display">') == 1
    assert '<annotation encoding="application/x-tex">L(w) = w^2</annotation>' in html, "MathML with the TeX, for copy and screen readers"
    every_url = [value for built in sorted(site.rglob("*.html")) for _, _, value, _ in links_of(built)]
    assert not [url for url in every_url if "katex" in url and url.endswith(".js")], "no KaTeX JavaScript"
    stylesheets = [resolve(page, value) for tag, _, value, rel in links_of(page) if rel == "stylesheet"]
    assert site / "assets" / "katex" / "katex.min.css" in stylesheets
    without_math = site / "part" / "sweeps" / "index.html"
    assert "katex" not in without_math.read_text(), "no math, no KaTeX stylesheet"
    css = (site / "assets" / "katex" / "katex.min.css").read_text()
    woff2 = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert len(woff2) > 15 and all((site / "assets" / "katex" / font).exists() for font in woff2)


def test_theme_features_are_on(built_site):
    site = site_of(built_site)
    html = (site / "index.html").read_text()
    config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S)[1])
    assert {"navigation.instant", "content.code.copy"} <= set(config["features"])
    assert "data-md-color-scheme" in html and "Switch to dark mode" in html
    assert (site / "search" / "search_index.json").exists()
    assert 'class="admonition note"' in html


def test_no_request_leaves_the_origin(built_site):
    assert remote_requests(site_of(built_site)) == []


def test_every_local_link_resolves_from_a_sub_path(built_site):
    assert broken_links_under_sub_path(site_of(built_site)) == []


# --- caching across real builds, errors, strictness, reproducibility -------------------------------


def summary_line(completed) -> str:
    return [line for line in (completed.stdout + completed.stderr).splitlines() if "assets: " in line and "experiments (" in line][-1]


@pytest.mark.slow
def test_markdown_edit_reruns_nothing_and_engine_edit_reruns_experiments(fixture_site):
    first = build_site(fixture_site)
    assert "2 experiments (0 cached, 2 computed" in summary_line(first)
    page = fixture_site / "docs" / "index.md"
    page.write_text(page.read_text() + "\nAn added sentence quoting {{ value: toy_sweep.best.trial }} again.\n")
    second = build_site(fixture_site)
    assert "2 experiments (2 cached, 0 computed" in summary_line(second)
    # two figures, the two-panel one drawn twice (side by side and stacked): three drawings, all cached
    assert "3 figures (3 cached, 0 computed" in summary_line(second)
    engine = fixture_site / "fixture_engine" / "descent.py"
    engine.write_text(engine.read_text() + "\n# an engine edit\n")
    third = build_site(fixture_site)
    assert "2 experiments (0 cached, 2 computed" in summary_line(third)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{{ value: toy_sweeep.best.trial }}", "unknown experiment 'toy_sweeep'"),
        ("{{ value: toy_sweep.best.trail }}", "toy_sweep.best has no key 'trail' (did you mean 'trial'?); valid keys: final_loss, learning_rate, trial"),
        ("{{ figure: toy_swep }}", "unknown figure 'toy_swep'"),
    ],
)
def test_unknown_names_fail_the_build_with_file_line_and_valid_names(fixture_site, line, expected):
    page = fixture_site / "docs" / "part" / "sweeps.md"
    page.write_text(page.read_text() + f"\n{line}\n")
    line_no = len(page.read_text().splitlines())
    completed = build_site(fixture_site, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert f"part/sweeps.md:{line_no}: " in output and expected in output
    if "experiment '" in expected:
        assert "valid experiments: toy_curves, toy_sweep, unused_experiment" in output
    if "figure '" in expected:
        assert "valid figures: toy_curves, toy_sweep" in output
    assert "Traceback" not in output, "a clean error message, not a stack trace"


def test_strict_mode_fails_on_a_broken_link(fixture_site):
    page = fixture_site / "docs" / "index.md"
    page.write_text(page.read_text() + "\nSee [the missing page](missing.md).\n")
    completed = build_site(fixture_site, check=False)
    assert completed.returncode != 0
    assert "missing.md" in completed.stdout + completed.stderr


def file_digests(site: Path) -> dict[str, str]:
    return {path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(site.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_two_clean_builds_are_byte_identical(built_site, tmp_path):
    other = copy_fixture_site(tmp_path / "elsewhere")
    build_site(other)
    first, second = file_digests(site_of(built_site)), file_digests(other / "site")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_the_extension_alone_names_page_line_and_valid_keys(fixture_site):
    """Without the assets step's checks (e.g. another host running only the extension), MkDocs
    still reports the page, and the extension the line and the valid names."""
    build_site(fixture_site)
    config = (fixture_site / "mkdocs.yml").read_text()
    (fixture_site / "mkdocs.nohook.yml").write_text(config.split("\n  # last in the file", 1)[0] + "\n")
    page = fixture_site / "docs" / "part" / "sweeps.md"
    page.write_text(page.read_text() + "\nBad {{ value: toy_sweep.best.trail }}\n")
    line_no = len(page.read_text().splitlines())
    completed = build_site(fixture_site, "-f", "mkdocs.nohook.yml", check=False)
    assert completed.returncode != 0
    assert (
        f"Error reading page 'part/sweeps.md': line {line_no} ('Bad {{{{ value: toy_sweep.best.trail }}}}'): "
        "toy_sweep.best has no key 'trail' (did you mean 'trial'?); valid keys: final_loss, learning_rate, trial." in completed.stderr
    )
