"""README.md and ARCHITECTURE.md describe what exists: every file path, `lesson.`/`site_src.`
module or attribute, and code name (snake_case or CamelCase) they quote in backticks must exist in
the project. A renamed file or function that the docs still name fails here, naming both."""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "ARCHITECTURE.md")
#: Folders the docs name that the build, setup or a reader's download makes (not in git).
MADE_BY_THE_BUILD = ("site/", ".venv/", "node_modules/", ".cache/", "generated/", "lab/")
#: Files of other packages, or written by the build, that the docs name by their own name.
NOT_OURS = ("pyodide-lock.json", "index.json")
#: Placeholders in the docs' recipes (`docs/NAME.md`, `run_NAME`).
PLACEHOLDER = re.compile(r"NAME|PORT")
SKIPPED_PARTS = {".git", ".venv", "node_modules", "site", ".cache", "generated", "__pycache__"}
CODE_SUFFIXES = {".py", ".js", ".mjs", ".css", ".html", ".json", ".yml", ".toml", ".md", ".ipynb", ".lock"}
PATH = re.compile(r"[\w./-]+\.(py|js|mjs|css|json|md|html|yml|toml|ipynb|lock|whl)|[\w.-]+/[\w./-]*")
DOTTED = re.compile(r"(lesson|site_src)(\.\w+)+")
CODE_NAME = re.compile(r"[A-Za-z_]\w*(\(\))?")
#: `module.NAME` or `Class.method` of a sub-package the docs name by its short path (`mirror.dependency_closure`).
ATTRIBUTE = re.compile(r"[a-z_]\w*(\.[A-Za-z_]\w*)+(\(\))?")


@cache
def project_files() -> tuple[str, ...]:
    return tuple(str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                 if p.is_file() and not SKIPPED_PARTS & set(p.relative_to(ROOT).parts))


@cache
def code_text() -> str:
    """Every source file but the two docs (and this test, which names a missing function on
    purpose), for the names they quote."""
    this = str(Path(__file__).resolve().relative_to(ROOT))
    return "\n".join((ROOT / f).read_text(encoding="utf-8", errors="ignore") for f in project_files()
                     if Path(f).suffix in CODE_SUFFIXES and f not in (*DOCS, this))


def quoted(doc: str) -> list[str]:
    """The backticked spans of a doc, outside fenced code blocks."""
    lines, in_fence = [], False
    for line in (ROOT / doc).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence:
            lines.append(line)
    return [span.strip() for span in re.findall(r"`+([^`\n]+?)`+", "\n".join(lines))]


def path_exists(path: str) -> bool:
    """A path as the docs write it: from the root, or the tail of one (`js/protocol.js`)."""
    path = path.rstrip("/")
    return any(f == path or f.endswith("/" + path) or f.startswith(path + "/") or f"/{path}/" in f"/{f}"
               for f in project_files())


def dotted_exists(name: str) -> bool:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


def is_code_name(span: str) -> bool:
    """snake_case or CamelCase: a name of code (a plain word may be prose)."""
    return "_" in span.strip("_") or bool(re.search(r"[a-z][A-Z]", span))


def names_exist(parts: list[str]) -> bool:
    """Every code name among `parts` is defined or used in the project's sources."""
    return all(re.search(rf"\b{re.escape(part)}\b", code_text()) for part in parts if is_code_name(part))


def missing(doc: str) -> list[str]:
    wrong = []
    for span in quoted(doc):
        if PLACEHOLDER.search(span) or span.startswith(MADE_BY_THE_BUILD) or span in NOT_OURS or " " in span:
            continue
        if DOTTED.fullmatch(span):
            if not dotted_exists(span):
                wrong.append(f"module or attribute {span}")
        elif PATH.fullmatch(span):
            if not path_exists(span):
                wrong.append(f"file {span}")
        elif ATTRIBUTE.fullmatch(span):
            if not names_exist(span.removesuffix("()").split(".")):
                wrong.append(f"name {span}")
        elif CODE_NAME.fullmatch(span) and is_code_name(span):
            if not names_exist([span.removesuffix("()")]):
                wrong.append(f"name {span}")
    return wrong


@pytest.mark.parametrize("doc", DOCS)
def test_the_docs_name_only_files_modules_and_functions_that_exist(doc):
    wrong = missing(doc)
    assert not wrong, f"{doc} names what does not exist (rename it there, or drop it): " + "; ".join(wrong)


def test_the_check_finds_a_missing_file_module_and_name(tmp_path, monkeypatch):
    assert path_exists("js/protocol.js") and not path_exists("js/no_such_file.js")
    assert dotted_exists("lesson.experiments.result_json") and not dotted_exists("lesson.experiments.published_result_json")
    assert re.search(r"\bresult_json\b", code_text()) and not re.search(r"\bpublished_result_json\b", code_text())
    assert names_exist(["mirror", "dependency_closure"]) and not names_exist(["mirror", "CHAPTER_PACKAGES"])
