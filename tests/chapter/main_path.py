"""A built page's main path: the prose a beginner reads straight through.

The main path is the article's paragraphs, list items and admonitions outside collapsed blocks
(Material's ``???``, ``<details>``), code, formulas, tables, figures, live cells and exercises.
``python tests/chapter/main_path.py`` prints, for every concept page of the built site, its
main-path word count, its share of sentences with more than three numbers, and its "In short"
block; ``tests/chapter/test_beginner_path.py`` holds every page to the limits below.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

#: At most this many words on a concept page's main path.
MAX_MAIN_PATH_WORDS = 1500
#: A sentence with more numbers than this is number-heavy ...
MAX_NUMBERS_IN_A_SENTENCE = 3
#: ... and at most one main-path sentence in 20 may be.
MAX_NUMBER_HEAVY_SHARE = 1 / 20
#: The title of the admonition that opens every concept page.
IN_SHORT_TITLE = "In short"

# Containers whose text is not on the main path (collapsed, code, math, tables, figures, widgets).
_OFF_PATH = ("details", "pre", "code", "table", "figure", "svg", "script", "style", "nav")
_OFF_PATH_CLASSES = ("katex", "katex-display", "arithmatex", "live-cell", "exercise", "result-figure",
                     "headerlink", "md-source-file", "exercise-summary", "tuning-playground")
# A number: digits with optional decimals or thousands separators, optionally a percent sign.
_NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:[.,]\d+)*%?")
# A sentence ends at . ! or ? followed by space and a capital letter, a digit or an opening mark.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”)]?\s+(?=[A-Z0-9(\"“*])")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "et al.", "cf.", "etc.", "Fig.")


@dataclass(frozen=True)
class MainPath:
    """What a page's main path holds."""

    words: int
    sentences: tuple[str, ...]
    in_short: tuple[str, ...] | None   # the sentences of the opening "In short" block, if any

    @property
    def number_heavy(self) -> tuple[str, ...]:
        return tuple(s for s in self.sentences if count_numbers(s) > MAX_NUMBERS_IN_A_SENTENCE)


def count_numbers(sentence: str) -> int:
    return len(_NUMBER.findall(sentence))


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (abbreviations such as "e.g." do not end one)."""
    protected = text
    for i, abbreviation in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbreviation, f"\0{i}\0")
    parts = [p.strip() for p in _SENTENCE_END.split(protected) if p.strip()]
    restored = []
    for part in parts:
        for i, abbreviation in enumerate(_ABBREVIATIONS):
            part = part.replace(f"\0{i}\0", abbreviation)
        restored.append(part)
    return restored


def _off_path(tag: Tag) -> bool:
    for node in (tag, *tag.parents):
        if not isinstance(node, Tag):
            continue
        if node.name in _OFF_PATH:
            return True
        if any(cls in _OFF_PATH_CLASSES for cls in node.get("class") or ()):
            return True
    return False


def _text(tag: Tag) -> str:
    """The tag's text without the parts that are off the main path (inline code, formulas)."""
    copy = BeautifulSoup(str(tag), "html.parser")
    for name in _OFF_PATH:
        for node in copy.find_all(name):
            node.decompose()
    for cls in _OFF_PATH_CLASSES:
        for node in copy.find_all(class_=cls):
            node.decompose()
    return re.sub(r"\s+", " ", copy.get_text(" ")).strip()


def _in_short(article: Tag) -> tuple[str, ...] | None:
    first = article.find("div", class_="admonition")
    if first is None:
        return None
    title = first.find(class_="admonition-title")
    if title is None or title.get_text(strip=True) != IN_SHORT_TITLE:
        return None
    if first.find_previous("h2") is not None and article in first.find_previous("h2").parents:
        return None  # it must open the page, before the first section
    body = " ".join(_text(p) for p in first.find_all(["p", "li"]) if "admonition-title" not in (p.get("class") or ()))
    return tuple(sentences(body))


def main_path(page_html: str) -> MainPath:
    """The main path of a built page's article."""
    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.find("article")
    if article is None:
        raise ValueError("the page has no <article>: is it a built MkDocs Material page?")
    blocks = []
    for tag in article.find_all(["p", "li"]):
        if _off_path(tag) or "admonition-title" in (tag.get("class") or ()):
            continue
        if tag.name == "li" and tag.find(["p", "ul", "ol"]):
            continue  # its paragraphs are counted on their own
        text = _text(tag)
        if text:
            blocks.append(text)
    all_sentences = tuple(s for block in blocks for s in sentences(block))
    words = sum(len(block.split()) for block in blocks)
    return MainPath(words=words, sentences=all_sentences, in_short=_in_short(article))


def _report() -> None:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from chapter_site import CONCEPT_PAGES, built_page_path

    print(f"{'page':32} {'words':>6} {'sentences':>9} {'>3 numbers':>10} {'share':>6}  in short")
    for page in CONCEPT_PAGES:
        path = main_path(built_page_path(page).read_text(encoding="utf-8"))
        heavy = len(path.number_heavy)
        share = heavy / max(1, len(path.sentences))
        short = "-" if path.in_short is None else f"{len(path.in_short)} sentences"
        print(f"{page:32} {path.words:6d} {len(path.sentences):9d} {heavy:10d} {share:6.1%}  {short}")
        if "-v" in sys.argv:
            for sentence in path.number_heavy:
                print(f"    {sentence}")


if __name__ == "__main__":
    _report()
