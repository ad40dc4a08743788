"""Small checks for the JSON spec, each raising `InvalidInput` with a message that names the field."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from ct_pipeline.errors import InvalidInput


def describe(value: object) -> str:
    """A short description of a JSON value for error messages: its JSON kind and, if small, its text."""
    kind = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)
    text = repr(value)
    return kind if isinstance(value, list | dict) or len(text) > 80 else f"{kind} {text}"


def fail(path: str, problem: str, value: object = ...) -> InvalidInput:
    """The error for field ``path``; pass ``value`` to say what was found instead."""
    got = "" if value is ... else f", got {describe(value)}"
    return InvalidInput(f"{path}: {problem}{got}")


def obj(
    value: object, path: str, required: Collection[str], optional: Collection[str] = ()
) -> Mapping[str, Any]:
    """Check that ``value`` is an object with all ``required`` fields and no field outside both lists."""
    if not isinstance(value, dict):
        raise fail(path, "must be an object", value)
    missing = [name for name in required if name not in value]
    if missing:
        raise InvalidInput(f"{path}: missing required field(s): {', '.join(missing)}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise InvalidInput(f"{path}: unknown field(s): {', '.join(unknown)}")
    return value


def child(parent: str, name: str) -> str:
    """The path of field ``name`` inside ``parent`` (the top level has no prefix)."""
    return name if parent == "spec" else f"{parent}.{name}"


def string(value: object, path: str, pattern: str | None = None, max_length: int | None = None) -> str:
    """Check a non-empty string, optionally no longer than ``max_length`` and matching ``pattern``."""
    if not isinstance(value, str) or not value:
        raise fail(path, "must be a non-empty string", value)
    if max_length is not None and len(value) > max_length:
        raise fail(path, f"must be at most {max_length} characters long", value)
    if pattern is not None and not re.fullmatch(pattern, value):
        raise fail(path, f"must match {pattern}", value)
    return value


def choice(value: object, path: str, choices: Collection[str]) -> str:
    """Check that ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise fail(path, f"must be one of {', '.join(sorted(choices))}", value)
    return value


def integer(value: object, path: str, minimum: int, maximum: int) -> int:
    """Check an integer (not a boolean, not 1.0) from ``minimum`` to ``maximum`` inclusive."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise fail(path, f"must be an integer from {minimum} to {maximum}", value)
    return value


def number(value: object, path: str, minimum: float, maximum: float = math.inf) -> float:
    """Check a finite number from ``minimum`` to ``maximum`` inclusive."""
    ok = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
    if not ok or not minimum <= value <= maximum:  # type: ignore[operator]
        bounds = f"from {minimum} to {maximum}" if math.isfinite(maximum) else f">= {minimum}"
        raise fail(path, f"must be a finite number {bounds}", value)
    return float(value)  # type: ignore[arg-type]


def scalar(value: object, path: str) -> bool | int | float | str | None:
    """Check a JSON scalar: string, finite number, boolean or null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise fail(path, "must be a string, a finite number, a boolean or null", value)
