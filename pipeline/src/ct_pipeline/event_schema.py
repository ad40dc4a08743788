"""The rules of the structured event protocol, as the emitter (`ct_pipeline.events`) checks every event.

One event is one UTF-8 JSON object on one line. Every event has the envelope ``v`` (protocol version),
``type``, ``ts`` (UTC, milliseconds, ``Z``) and ``seq`` (1, 2, 3... per emitter), plus the fields of its type.
Unknown fields are rejected: a change to the protocol bumps ``v``. The protocol is defined once, in
``packages/shared`` (zod); the fields of each type and their rules are read from its generated JSON Schema
(`ct_pipeline.contract`), and checked here with messages that name the field, plus what JSON itself needs
(finite numbers, UTF-8 text, string keys). The emitter writes the envelope itself. Lines are read only by
the worker, against the same zod definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from ct_pipeline.contract import PROTOCOL_VERSION, STEPS, event_schema

__all__ = ["PROTOCOL_VERSION", "EventError", "Step", "check_body"]

Step = StrEnum("Step", {step.upper(): step for step in STEPS})  # type: ignore[misc]
"""The pipeline's steps, in the order they run."""


class EventError(ValueError):
    """An event about to be written breaks a rule of the protocol."""


_Check = Callable[[object, str], object]


def _check_str(value: object, label: str) -> str:
    if not isinstance(value, str):
        raise EventError(f"{label} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EventError(f"{label} cannot be encoded as UTF-8 (it contains a lone surrogate)") from None
    return value


def _check_key(value: object, label: str) -> None:
    if not _check_str(value, label):
        raise EventError(f"{label} must not be empty")


def _check_int(value: object, label: str, minimum: int | None = None, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(f"{label} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise EventError(f"{label} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise EventError(f"{label} must be <= {maximum}, got {value}")


def _check_number(value: object, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"{label} must be a number, got {value!r}")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite:
        raise EventError(f"{label} must be a finite number, got {value!r}")
    return float(value)


def _one_of(choices: tuple[str, ...], what: str) -> _Check:
    def check(value: object, label: str) -> None:
        if not isinstance(value, str) or value not in choices:
            raise EventError(f"{label}: unknown {what} {value!r} (expected one of {', '.join(choices)})")

    return check


def _check_json(value: object, label: str) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        _check_number(value, label)
    elif isinstance(value, str):
        _check_str(value, label)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{label}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise EventError(f"{label} has a non-string key {key!r}; JSON object keys are strings")
            _check_str(key, f"{label} key")
            _check_json(item, f"{label}.{key}")
    else:
        raise EventError(f"{label} is not JSON-serialisable: {type(value).__name__} {value!r}")


def _check_str_list(value: object, label: str) -> None:
    if not isinstance(value, list):
        raise EventError(f"{label} must be a list of strings, got {type(value).__name__}")
    for index, item in enumerate(value):
        _check_str(item, f"{label}[{index}]")


def _check_object(value: object, label: str) -> None:
    if not isinstance(value, dict):
        raise EventError(f"{label} must be a JSON object (dict), got {type(value).__name__}")
    _check_json(value, label)


def _check_number_between(minimum: float | None, maximum: float | None) -> _Check:
    def check(value: object, label: str) -> None:
        number = _check_number(value, label)
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            raise EventError(f"{label} must be between {minimum} and {maximum} inclusive, got {value!r}")
        if minimum is not None and number < minimum:
            raise EventError(f"{label} must be >= {minimum}, got {value!r}")
        if maximum is not None and number > maximum:
            raise EventError(f"{label} must be <= {maximum}, got {value!r}")

    return check


def _field_check(name: str, rule: Mapping[str, Any]) -> _Check:
    """The check of one field, from its rule in the generated schema (the forms zod exports for events)."""
    kind = rule.get("type")
    if "enum" in rule:
        return _one_of(tuple(rule["enum"]), name)
    if kind == "string" and rule.keys() <= {"type", "minLength"}:
        return _check_key if rule.get("minLength", 0) >= 1 else _check_str
    if kind == "integer":
        return lambda value, label: _check_int(value, label, rule.get("minimum"), rule.get("maximum"))
    if kind == "number" and "const" not in rule:
        return _check_number_between(rule.get("minimum"), rule.get("maximum"))
    if kind == "array" and rule.get("items") == {"type": "string"}:
        return _check_str_list
    if kind == "object" and rule.get("additionalProperties") == {}:
        return _check_object
    raise RuntimeError(
        f"pipeline-event.schema.json: no check for field {name!r} ({rule}); extend event_schema"
    )


def _event_fields() -> dict[str, dict[str, tuple[_Check, bool]]]:
    """For each event type, its fields other than the envelope (the fields of every event): the check of each,
    and whether it is required."""
    branches = {branch["properties"]["type"]["const"]: branch for branch in event_schema()["oneOf"]}
    envelope = tuple(
        name
        for name in next(iter(branches.values()))["properties"]
        if all(name in b["properties"] for b in branches.values())
    )
    return {
        event_type: {
            name: (_field_check(name, rule), name in branch["required"])
            for name, rule in branch["properties"].items()
            if name not in envelope
        }
        for event_type, branch in branches.items()
    }


_EVENT_FIELDS = _event_fields()


def check_body(event_type: str, body: Mapping[str, object]) -> None:
    """Raise `EventError` unless ``body`` holds exactly the valid fields of an event of ``event_type``."""
    fields = _EVENT_FIELDS.get(event_type)
    if fields is None:
        raise EventError(f"unknown event type {event_type!r} (expected one of {', '.join(_EVENT_FIELDS)})")
    unknown = sorted(body.keys() - fields.keys())
    if unknown:
        raise EventError(f"{event_type} event has unknown field(s): {', '.join(unknown)}")
    for name, (check, required) in fields.items():
        if name in body:
            check(body[name], f"{event_type}.{name}")
        elif required:
            raise EventError(f"{event_type} event is missing the required field {name!r}")
