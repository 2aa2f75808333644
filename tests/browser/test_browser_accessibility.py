"""axe-core on every page of the built site, in the light and the dark scheme, with no exclusions.

Material's own chrome is checked too: its findings are fixed by the theme overrides
(site_src/theme/overrides, site_src/theme/assets/chapter.css), not hidden from the checker. The live
cells are checked as a reader first sees them (the highlighted code standing in for the editor);
test_browser_livecells.py checks them with the editor open and output shown.
"""

from __future__ import annotations

import json
import re

import pytest

from site_server import SITE_DIR
from test_browser_livecells import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def site_pages() -> list[str]:
    """Every page in the built site's sitemap, as a path from the site root ('' is the overview)."""
    sitemap = SITE_DIR / "sitemap.xml"
    if not sitemap.is_file():
        return []  # the site_url fixture skips, saying to build first
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap.read_text(encoding="utf-8"))
    home = min(locations, key=len)
    return [location[len(home) :] for location in locations]


@pytest.fixture(scope="module", params=["light", "dark"])
def scheme_page(request, browser):
    context = browser.new_context(color_scheme=request.param)
    page = context.new_page()
    yield request.param, page
    context.close()


@pytest.mark.parametrize("path", site_pages() or ["(site not built)"])
def test_axe_finds_no_violations_on_every_page(scheme_page, site_url, path):
    scheme, page = scheme_page
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")  # cells mounted, figures and fonts in
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == ("slate" if scheme == "dark" else "default")
    violations = axe_violations(page)
    assert violations == [], f"{path or 'overview'} ({scheme}): " + json.dumps(violations, indent=1)
