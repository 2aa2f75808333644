"""The messages of the runtime, read from ``protocol.json``: the page <-> worker protocol
(``js/protocol.js`` bundles the same file in), the replies that end a request (``ends``), the messages a ``data`` reply carries (the tuning
playground's, an exercise's verdict) and the requests of the build's Pyodide (``node_host``).
Declared once, so the Python side and the JavaScript side cannot disagree on a kind or a field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

PROTOCOL_FILE = Path(__file__).with_name("protocol.json")
PROTOCOL: dict = json.loads(PROTOCOL_FILE.read_text(encoding="utf-8"))
#: The tables of kinds (each kind: the fields its message must carry).
TABLES = ("requests", "replies", "data", "build_host")
#: How a reply that ends its request ends it (``RuntimeClient.dispatch`` reads the same table).
ENDINGS = ("resolve", "reject")


def ending_problems(protocol: Mapping = PROTOCOL) -> list[str]:
    """What is wrong with the ``ends`` table: a kind that is no declared reply, an ending other
    than resolve or reject, a rejecting reply without the ``error`` field the page's error is made of."""
    problems = []
    for kind, ending in protocol["ends"].items():
        if kind not in protocol["replies"]:
            problems.append(f"protocol: ends names {kind!r}, which is no declared reply (see {PROTOCOL_FILE})")
        elif ending not in ENDINGS:
            problems.append(f"protocol: ends {kind!r}: {ending!r} is not one of {', '.join(ENDINGS)} (see {PROTOCOL_FILE})")
        elif ending == "reject" and "error" not in protocol["replies"][kind]:
            problems.append(f"protocol: reply {kind!r} rejects its request, so it must declare the field error (see {PROTOCOL_FILE})")
    return problems


def message_problem(table: str, kind: str, message: Mapping) -> str:
    """What is wrong with a `kind` message of `table` (its fields in `message`), or "" when it
    is declared and carries its fields (the same check as protocol.js ``checkMessage``)."""
    kinds = PROTOCOL[table]
    if kind not in kinds:
        return f"protocol: unknown {table} kind {kind!r} (valid: {', '.join(kinds)}; see {PROTOCOL_FILE})"
    missing = [field for field in kinds[kind] if field not in message]
    return f"protocol: {table} {kind} lacks {', '.join(missing)} (see {PROTOCOL_FILE})" if missing else ""
