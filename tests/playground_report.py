"""Reads the report that the playground's "copy as code" Python prints (lesson.playground.settings_code).

Shared by the engine test (the code run in CPython) and the browser test (run in a live cell).
"""

from __future__ import annotations

import re

REPORT = re.compile(
    r"stopped at epoch (?P<stopped_epoch>\d+) because: (?P<stop_reason>\w+)\n"
    r"best epoch (?P<best_epoch>\d+) validation loss (?P<best_val_loss>\S+) accuracy (?P<best_val_acc>\S+)\n"
    r"final training loss (?P<final_train_loss>\S+) validation loss (?P<final_val_loss>\S+) "
    r"accuracy (?P<final_val_acc>\S+)\n?")


def _number(name: str, word: str) -> int | float | str | None:
    if name == "stop_reason":
        return word
    if name.endswith("epoch"):
        return int(word)
    return None if word == "None" else float(word)  # floats print as repr: they parse back exactly


def parse_report(text: str) -> dict:
    """The printed report as {name: value}; fails naming the text when it is not the report."""
    match = REPORT.fullmatch(text.strip() + "\n")
    assert match, f"not the copied code's report:\n{text}"
    return {name: _number(name, word) for name, word in match.groupdict().items()}
