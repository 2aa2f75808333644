"""Where the chapter's sources and built pages are, and how to read a built page's text.

A module with its own name (not `conftest`), so that the chapter tests import it unambiguously
next to the other test folders' conftest files.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from site_src.build.pages import TOOL_PAGES, is_concept_page
from site_src.build.pages import nav_pages as site_nav_pages

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = PROJECT_ROOT / "docs"
SITE_DIR = PROJECT_ROOT / "site"


def nav_pages(config: Path = PROJECT_ROOT / "mkdocs.yml") -> tuple[str, ...]:
    """Every page of mkdocs.yml's navigation, in order (sections flattened): the build's reader."""
    return site_nav_pages(config)


#: The chapter's Markdown pages, from the navigation: a new page is tested without editing a list.
CHAPTER_PAGES = tuple(page for page in nav_pages() if page.endswith(".md") and page not in TOOL_PAGES)
#: The pages that teach one hyperparameter or tool (not TOOL_PAGES or REFERENCE_PAGES, from
#: site_src.build.pages, where the scaffold reads them too): each needs a figure, a question and a live cell.
CONCEPT_PAGES = tuple(page for page in CHAPTER_PAGES if is_concept_page(page))


def built_page_path(source_name: str) -> Path:
    """`learning-rate.md` -> site/learning-rate/index.html (use_directory_urls)."""
    stem = source_name.removesuffix(".md").removesuffix(".ipynb")
    return SITE_DIR / "index.html" if stem == "index" else SITE_DIR / stem / "index.html"


def visible_text(page_html: str) -> str:
    """The page's text without tags, entities decoded, whitespace collapsed."""
    without_scripts = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", without_scripts))
    return re.sub(r"\s+", " ", text)
