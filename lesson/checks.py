"""Validation of settings dataclasses: errors name the class, the field, its value and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields


def is_number(value) -> bool:
    """An int or float, not a bool (True is an int to Python, never a setting's number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def require(config, name: str, ok: bool, valid: str) -> None:
    """Raises ValueError naming the config class, the field, its bad value and the valid range."""
    if not ok:
        value = getattr(config, name)
        raise ValueError(f"{type(config).__name__}.{name} = {value!r} is invalid: use {valid}")


def require_int(config, name: str, low: int, high: int) -> None:
    """The field must be an int in [low, high]."""
    value = getattr(config, name)
    require(config, name, isinstance(value, int) and not isinstance(value, bool)
            and low <= value <= high, f"an integer in [{low}, {high}]")


def require_float(config, name: str, low: float, high: float) -> None:
    """The field must be a real number in [low, high]."""
    value = getattr(config, name)
    require(config, name, is_number(value) and low <= value <= high, f"a number in [{low:g}, {high:g}]")


def require_sequence(config, name: str, low: float, high: float, integer: bool = False,
                     min_len: int = 1) -> None:
    """The field must be a non-empty tuple of numbers in [low, high]; it is stored as a tuple."""
    values = getattr(config, name)
    kind = (int,) if integer else (int, float)
    ok = (isinstance(values, Sequence) and len(values) >= min_len
          and all(isinstance(v, kind) and not isinstance(v, bool) and low <= v <= high
                  for v in values))
    what = "integers" if integer else "numbers"
    require(config, name, ok, f"a tuple of at least {min_len} {what} in [{low:g}, {high:g}]")
    object.__setattr__(config, name, tuple(values))


def check_fields(config, ranges: dict) -> None:
    """Validates every field listed in ``ranges``: name -> (kind, low, high)."""
    for name, (kind, low, high) in ranges.items():
        if kind == "int":
            require_int(config, name, low, high)
        elif kind == "float":
            require_float(config, name, low, high)
        elif kind == "ints":
            require_sequence(config, name, low, high, integer=True)
        else:
            require_sequence(config, name, low, high)
    known = {f.name for f in fields(config)}
    assert set(ranges) <= known, f"check_fields: unknown fields {set(ranges) - known}"
