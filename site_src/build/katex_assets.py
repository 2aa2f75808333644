"""KaTeX's fonts and CSS cut down to what the site's formulas use, after each build.

KaTeX's fonts cover all of TeX's math (KaTeX_Main-Regular alone is 26 KB) and its CSS styles all of
it (25 KB, render-blocking); a page with one formula loads both, and two fonts, before its text
settles. The math is typeset at build time, so every formula is in the built pages: once MkDocs has
written the site, each KaTeX font it copied is replaced by its subset to the characters inside the
site's formulas and the Greek block (fontTools; the 20 fonts from 254 KiB to 125 KiB, and the two
nearly every formula uses, Main-Regular and Math-Italic, from 42 KiB to 21 KiB), and katex.min.css
by the rules whose class names occur in them (PurgeCSS, as ``page_css`` uses it: 24 KiB -> 7 KiB).
Both are cut from KaTeX's own files, never from an earlier cut, keep their names (the theme's links
and preloads need nothing), and are cached by their inputs. A browser test compares every page's
formulas, pixel by pixel, with KaTeX's whole fonts and CSS.
"""

from __future__ import annotations

import contextlib
import html
import importlib.metadata
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from site_src.build.cache import ContentCache, cache_key, sha256_hex, write_if_changed
from site_src.node.process import helper_identity
from site_src.node.page_css import PURGER, PageCssError, purge

CACHE_KIND = "katex"
#: Kept whatever the formulas hold: the digits and parentheses KaTeX's CSS numbers equations with
#: (generated content), and the Greek block: FreeType's auto-hinter (Chromium on Linux) sets a
#: script's alignment zones from that script's letters in the font, and an η in a font without
#: the other Greek letters is drawn a pixel off (measured: 19 % of the formulas' ink pixels moved
#: on the learning-rate page; with the block, none). It costs 19 KiB over the 20 fonts.
ALWAYS_KEPT = "0123456789()" + "".join(map(chr, range(0x370, 0x400)))
_FORMULA = re.compile(r'<span class="katex(?:-display)?">')
_SPAN = re.compile(r"<(/?)span\b[^>]*>")
_ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.S)  # the TeX source, never drawn
_TAG = re.compile(r"<[^>]*>")
_OPENING_TAG = re.compile(r"<([a-z][a-z0-9]*)\b([^>]*)>")
_CLASSES = re.compile(r'\bclass="([^"]*)"')


def formulas(page: str) -> Iterator[str]:
    """The HTML of each KaTeX formula of a page (a display formula once, with its inline box)."""
    position = 0
    while start := _FORMULA.search(page, position):
        depth = 0
        for span in _SPAN.finditer(page, start.start()):  # to the formula's own closing </span>
            depth += -1 if span[1] else 1
            if depth == 0:
                break
        yield page[start.start():span.end()]
        position = span.end()


def formula_characters(formula: str) -> set[str]:
    """The characters a formula's HTML holds (its MathML's too, a superset; not its TeX source)."""
    return set(html.unescape(_TAG.sub("", _ANNOTATION.sub("", formula))))


def formula_selectors(formula: str) -> set[str]:
    """The element and class names in a formula's HTML: what PurgeCSS matches selectors against."""
    names = set()
    for tag in _OPENING_TAG.finditer(formula):
        names.add(tag[1])
        for classes in _CLASSES.findall(tag[2]):
            names.update(classes.split())
    return names


def subset_woff2(font: bytes, characters: Iterable[str]) -> bytes:
    """The WOFF2 font with only the glyphs of `characters` (their hinting kept, for Windows at
    small sizes), byte-identical for the same input."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    with _quiet_fonttools():
        options = subset.Options()
        parsed = TTFont(io.BytesIO(font), recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted({ord(character) for character in characters}))
        subsetter.subset(parsed)
        out = io.BytesIO()
        parsed.flavor = "woff2"
        parsed.save(out)
    return out.getvalue()


@contextlib.contextmanager
def _quiet_fonttools() -> Iterator[None]:
    """fontTools logs about KaTeX's own fonts ("'created' timestamp seems very low", "maxp
    pruned"): nothing an author can act on, so only its errors reach the build's log."""
    logger = logging.getLogger("fontTools")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def trim_site_katex(site_dir: Path, katex_dist: Path, site_katex: Path, cache: ContentCache) -> dict[str, tuple[int, int]]:
    """Write into `site_katex` KaTeX's fonts and katex.min.css (from `katex_dist`) cut down to the
    formulas of `site_dir`'s pages; returns {"fonts": (bytes before, after), "css": (before, after)}."""
    characters, selectors = set(ALWAYS_KEPT), set()
    for page in sorted(site_dir.rglob("*.html")):
        for formula in formulas(page.read_text(encoding="utf-8")):
            characters |= formula_characters(formula)
            selectors |= formula_selectors(formula)
    used: set[str] = set()
    code = sha256_hex(Path(__file__).read_bytes())

    def cached(inputs: dict, make: Callable[[], bytes]) -> bytes:
        key = cache_key(CACHE_KIND, {**inputs, "code": code})
        used.add(key)
        return cache.through(CACHE_KIND, key, make)[0]

    css = (katex_dist / "katex.min.css").read_bytes()
    purger = helper_identity(PURGER)  # our script and PurgeCSS's version
    purged = cached({"css": sha256_hex(css), "selectors": sorted(selectors), "purger": purger}, lambda: _purged_css(css, selectors))
    write_if_changed(site_katex / "katex.min.css", purged)
    sizes = {"css": (len(css), len(purged)), "fonts": (0, 0)}
    versions = {library: importlib.metadata.version(library) for library in ("fonttools", "brotli")}  # brotli: WOFF2's compression
    for source in sorted((katex_dist / "fonts").glob("*.woff2")):
        font = source.read_bytes()
        inputs = {"font": sha256_hex(font), "characters": "".join(sorted(characters)), **versions}
        subset = cached(inputs, lambda: subset_woff2(font, characters))  # noqa: B023 (called at once)
        write_if_changed(site_katex / "fonts" / source.name, subset)
        sizes["fonts"] = (sizes["fonts"][0] + len(font), sizes["fonts"][1] + len(subset))
    cache.prune(CACHE_KIND, used, spare=40)
    return sizes


def _purged_css(css: bytes, selectors: set[str]) -> bytes:
    # PurgeCSS keeps a rule when every class and element its selector names occurs in the content:
    # the names are the content (the pages themselves would only add names no KaTeX rule uses).
    reply = purge([css.decode("utf-8")], " ".join(sorted(selectors)))
    if reply["unparsable"]:
        raise PageCssError("katex.min.css: PurgeCSS cannot parse it (a new KaTeX?); see site_src/build/katex_assets.py")
    return reply["css"].encode("utf-8")
