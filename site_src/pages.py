"""The chapter's Markdown pages as the build steps see them, named as an author finds them."""

from __future__ import annotations

from pathlib import Path


def markdown_pages(docs_dir: Path, generated_dir: Path) -> dict[str, str]:
    """``docs/<path>`` -> text of every Markdown page, in path order (the generated folder, when
    it lies inside docs/, is build output and left out)."""
    return {
        f"{docs_dir.name}/{path.relative_to(docs_dir).as_posix()}": path.read_text(encoding="utf-8")
        for path in sorted(docs_dir.rglob("*.md"))
        if generated_dir not in path.parents
    }
