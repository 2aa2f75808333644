"""Trim a page's inline stylesheets to the rules its HTML uses (PurgeCSS from npm, run by Node).

The lab notebook's page carries mkdocs-jupyter's JupyterLab styles inline: ~570 KB in every load of
that page, almost none of it used by one notebook. `purge_inline_styles` keeps the rules whose
selectors match the page (plus the dark-scheme rules, which match the <body> the fragment lacks).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from site_src.build.cache import ContentCache
from site_src.node.process import helper_identity, run_helper

PURGER = Path(__file__).with_name("purge_css.mjs")
CACHE_KIND = "page-css"
STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
#: Selectors kept whatever the page holds: the colour scheme is an attribute of <body>, not of the fragment.
SAFELIST = [r"data-md-color-scheme", r"data-jp-theme"]


class PageCssError(RuntimeError):
    """Node or PurgeCSS failed."""


def purge_inline_styles(html: str, cache: ContentCache | None = None, node: str = "node") -> str:
    """`html` with each <style> block reduced to the rules that match the rest of `html`
    (PurgeCSS takes about a second: with `cache`, its answer for the same page is reused)."""
    styles = list(STYLE.finditer(html))
    if not styles:
        return html
    markup = STYLE.sub("", html)
    css = [match[2] for match in styles]
    request = json.dumps({"html": markup, "css": css, "safelist": SAFELIST}).encode()
    key = hashlib.sha256(request + b"\0" + helper_identity(PURGER).encode()).hexdigest()  # PurgeCSS's version too
    def make() -> bytes:
        return json.dumps(purge(css, markup, SAFELIST, node)).encode()

    payload, hit = cache.through(CACHE_KIND, key, make) if cache else (make(), False)
    if cache and not hit:
        cache.prune(CACHE_KIND, {key}, spare=4)
    return _with_purged_css(html, styles, json.loads(payload))


def purge(css: list[str], html: str, safelist: Sequence[str] = (), node: str = "node") -> dict:
    """PurgeCSS's reply ({"css": the rules of `css` that `html` uses, "unparsable": indexes of the
    stylesheets it could not parse}); `safelist`: regexes of selectors kept whatever `html` holds."""
    request = {"html": html, "css": css, "safelist": list(safelist)}
    return run_helper(PURGER, "purge", request, package="PurgeCSS", error=PageCssError, node=node)


def _with_purged_css(html: str, styles: list[re.Match], reply: dict) -> str:
    # The purged CSS takes the first stylesheet's place (cascade order kept: they were purged in
    # order); a block that is not CSS (mkdocs-jupyter writes one as a Python list's repr) stays as
    # it is, for the browser to make of it what it did before; the other blocks go.
    parsed = [index for index in range(len(styles)) if index not in reply["unparsable"]]
    replacements = {index: "" for index in parsed}
    if parsed:
        first = styles[parsed[0]]
        replacements[parsed[0]] = f"{first[1]}{reply['css']}{first[3]}"
    counter = iter(range(len(styles)))
    return STYLE.sub(lambda match: replacements.get(next(counter), match[0]), html)
