"""Every claim test is bound to the sentence it guards (see tests/chapter/claims.py).

The claim tests live in ``tests/chapter/test_claims_<page>.py``. A test there that checks a result
without quoting the sentence of the prose it stands for could outlive the sentence; this fails it.
"""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).parent


def claim_test_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(HERE.glob("test_claims_*.py")):
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [(path.name, node) for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    return found


def calls_claim(function: ast.FunctionDef) -> bool:
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "claim" for node in ast.walk(function))


def test_every_claim_test_quotes_its_sentence():
    functions = claim_test_functions()
    assert len(functions) >= 10, "the chapter's claim tests are missing (tests/chapter/test_claims_<page>.py)"
    unbound = [f"{file}::{function.name}" for file, function in functions if not calls_claim(function)]
    assert not unbound, f"claim tests that quote no sentence with claim(page, sentence): {unbound}"
