"""KaTeX's fonts cut down to the characters the site's formulas show (fontTools), after each build.

KaTeX's fonts cover all of TeX's math (KaTeX_Main-Regular alone is 26 KB), and a page with one
formula loads two of them before its text settles. The math is typeset at build time, so every
character a formula can show is in the built pages: once MkDocs has written the site, each KaTeX
font it copied is replaced by its subset to the characters inside the site's formulas (the chapter:
63 characters; Main-Regular 26 KB -> 6 KB, the 20 fonts 254 KB -> 68 KB). An edit that adds a
character changes the subsets at its build. The file names stay, so katex.min.css and the theme's
preloads need nothing. Subsets are cached by the font's bytes and the characters.
"""

from __future__ import annotations

import html
import importlib.metadata
import io
import re
from collections.abc import Iterable
from pathlib import Path

from site_src.cache import ContentCache, cache_key, sha256_hex, write_if_changed

CACHE_KIND = "katex-font"
#: Kept whatever the formulas hold: KaTeX's CSS numbers equations as "(1)" with generated content.
ALWAYS_KEPT = "0123456789()"
_FORMULA = re.compile(r'<span class="katex(?:-display)?">')
_SPAN = re.compile(r"<(/?)span\b[^>]*>")
_ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.S)  # the TeX source, never drawn
_TAG = re.compile(r"<[^>]*>")


def formula_characters(page: str) -> set[str]:
    """The characters inside the KaTeX formulas of a page's HTML (the MathML's too: a superset)."""
    characters: set[str] = set()
    position = 0
    while start := _FORMULA.search(page, position):
        depth = 0
        for span in _SPAN.finditer(page, start.start()):  # to the formula's own closing </span>
            depth += -1 if span[1] else 1
            if depth == 0:
                break
        formula = page[start.start():span.end()]
        characters |= set(html.unescape(_TAG.sub("", _ANNOTATION.sub("", formula))))
        position = span.end()
    return characters


def subset_woff2(font: bytes, characters: Iterable[str]) -> bytes:
    """The WOFF2 font with only the glyphs of `characters` (without hinting, as browsers ignore
    most of it on high-density screens; byte-identical for the same input)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.desubroutinize = True
    parsed = TTFont(io.BytesIO(font), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(character) for character in characters}))
    subsetter.subset(parsed)
    out = io.BytesIO()
    parsed.flavor = "woff2"
    parsed.save(out)
    return out.getvalue()


def subset_site_fonts(site_dir: Path, katex_fonts: Path, site_fonts: Path, cache: ContentCache) -> tuple[int, int]:
    """Write into `site_fonts` each of KaTeX's .woff2 fonts (from `katex_fonts`, the package's own:
    never a subset of an earlier subset) cut down to the formulas of `site_dir`'s pages; returns
    the fonts' total bytes before and after."""
    characters = set(ALWAYS_KEPT)
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if 'class="katex' in text:
            characters |= formula_characters(text)
    shown = "".join(sorted(characters))
    version = importlib.metadata.version("fonttools")
    before = after = 0
    used = set()
    for source in sorted(katex_fonts.glob("*.woff2")):
        font = source.read_bytes()
        key = cache_key(CACHE_KIND, {"font": sha256_hex(font), "characters": shown, "fonttools": version,
                                     "subsetter": sha256_hex(Path(__file__).read_bytes())})
        used.add(key)
        subset = cache.get(CACHE_KIND, key)
        if subset is None:
            subset = subset_woff2(font, characters)
            cache.put(CACHE_KIND, key, subset)
        write_if_changed(site_fonts / source.name, subset)
        before, after = before + len(font), after + len(subset)
    cache.prune(CACHE_KIND, used, spare=40)
    return before, after
