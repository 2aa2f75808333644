"""The chapter's Markdown pages as the build steps see them, named as an author finds them."""

from __future__ import annotations

from pathlib import Path

import yaml


def markdown_pages(docs_dir: Path, generated_dir: Path) -> dict[str, str]:
    """``docs/<path>`` -> text of every Markdown page, in path order (the generated folder, when
    it lies inside docs/, is build output and left out)."""
    return {
        f"{docs_dir.name}/{path.relative_to(docs_dir).as_posix()}": path.read_text(encoding="utf-8")
        for path in sorted(docs_dir.rglob("*.md"))
        if generated_dir not in path.parents
    }


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml without MkDocs: its !ENV and !!python/name tags are read as plain values."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def read_mkdocs_yml(config: Path) -> dict:
    """mkdocs.yml as plain data, read without MkDocs (its tags' values are None); {} when empty."""
    return yaml.load(config.read_text(encoding="utf-8"), Loader=_IgnoreTags) or {}


def nav_pages(config: Path) -> tuple[str, ...]:
    """Every entry of mkdocs.yml's navigation (paths relative to docs/, or links), in the reader's
    order, sections flattened; () without a nav."""
    def walk(entries) -> list[str]:
        found = []
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found += walk(value) if isinstance(value, list) else [value]
        return found

    return tuple(walk(read_mkdocs_yml(config).get("nav") or []))


#: Pages of the navigation that are tools, not chapter text (the tuning playground, the Python sandbox).
TOOL_PAGES = ("tuning-playground.md", "playground.md")
#: The pages a learner looks things up on (the first-run checklist, the glossary, further reading);
#: the others teach one hyperparameter or tool.
REFERENCE_PAGES = ("first-tuning-run.md", "key-concepts.md", "continue-learning.md")


def is_concept_page(page: str) -> bool:
    """A Markdown page of the navigation that teaches (not a tool, a reference page or a link)."""
    return page.endswith(".md") and page not in TOOL_PAGES + REFERENCE_PAGES


def last_concept_page(config: Path) -> str | None:
    """The navigation's last teaching page: a new one goes after it, before the reference pages,
    the tools and the notebook that close the chapter."""
    concept = [page for page in nav_pages(config) if is_concept_page(page)]
    return concept[-1] if concept else None
