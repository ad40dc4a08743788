"""The rules of the structured event protocol, shared by the emitter and by `parse_event`.

One event is one UTF-8 JSON object on one line. Every event has the envelope ``v`` (protocol version),
``type``, ``ts`` (UTC, milliseconds, ``Z``) and ``seq`` (1, 2, 3... per emitter), plus the fields of its type
(`EVENT_FIELDS`). Unknown fields are rejected: a change to the protocol bumps ``v``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Final


class Step(StrEnum):
    """The pipeline's steps, in the order they run."""

    EXTRACTION = "extraction"
    VALIDATION = "validation"
    PREPARATION = "preparation"
    TRAINING = "training"
    EVALUATION = "evaluation"
    MODEL_VALIDATION = "model_validation"
    PROMOTION = "promotion"


class EventError(ValueError):
    """An event (about to be written, or just read) breaks a rule of the protocol."""


PROTOCOL_VERSION: Final = 1
ENVELOPE_FIELDS: Final = ("v", "type", "ts", "seq")
LOG_LEVELS: Final = ("debug", "info", "warning", "error")
STEP_STATUSES: Final = ("ok", "failed")
FINDING_SEVERITIES: Final = ("warning", "error")
_TS_PATTERN: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")

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


def _check_int(value: object, label: str, minimum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(f"{label} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise EventError(f"{label} must be >= {minimum}, got {value}")


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


def _check_fraction(value: object, label: str) -> None:
    if not 0 <= _check_number(value, label) <= 1:
        raise EventError(f"{label} must be between 0 and 1 inclusive, got {value!r}")


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


def _check_duration(value: object, label: str) -> None:
    _check_int(value, label, minimum=0)


def _check_timestamp(value: object, label: str) -> None:
    text = _check_str(value, label)
    if not _TS_PATTERN.fullmatch(text):
        raise EventError(f"{label} must look like 2024-01-31T12:00:00.000Z (UTC, milliseconds), got {text!r}")
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise EventError(f"{label} is not a real date and time: {text!r}") from None


_check_step = _one_of(tuple(Step), "step")

# For each event type: its fields, each with its check and whether it is required.
EVENT_FIELDS: Final[Mapping[str, Mapping[str, tuple[_Check, bool]]]] = {
    "step.started": {"step": (_check_step, True)},
    "step.finished": {
        "step": (_check_step, True),
        "duration_ms": (_check_duration, True),
        "status": (_one_of(STEP_STATUSES, "status"), True),
        "reason": (_check_str, False),
    },
    "progress": {
        "step": (_check_step, True),
        "fraction": (_check_fraction, True),
        "message": (_check_str, False),
    },
    "metric": {"key": (_check_key, True), "value": (_check_number, True), "step": (_check_int, False)},
    "log": {"level": (_one_of(LOG_LEVELS, "level"), True), "message": (_check_str, True)},
    "validation.finding": {
        "rule": (_check_key, True),
        "severity": (_one_of(FINDING_SEVERITIES, "severity"), True),
        "message": (_check_str, True),
        "columns": (_check_str_list, True),
        "figures": (_check_object, True),
    },
    "result": {"payload": (_check_object, True)},
}


def check_body(event_type: str, body: Mapping[str, object]) -> None:
    """Raise `EventError` unless ``body`` holds exactly the valid fields of an event of ``event_type``."""
    fields = EVENT_FIELDS.get(event_type)
    if fields is None:
        raise EventError(f"unknown event type {event_type!r} (expected one of {', '.join(EVENT_FIELDS)})")
    unknown = sorted(body.keys() - fields.keys())
    if unknown:
        raise EventError(f"{event_type} event has unknown field(s): {', '.join(unknown)}")
    for name, (check, required) in fields.items():
        if name in body:
            check(body[name], f"{event_type}.{name}")
        elif required:
            raise EventError(f"{event_type} event is missing the required field {name!r}")


def _reject_constant(name: str) -> None:
    raise EventError(f"{name} is not valid JSON: numbers must be finite")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise EventError(f"event has duplicate key(s): {', '.join(duplicates)}")
    return dict(pairs)


def parse_event(line: bytes | str) -> dict[str, Any]:
    """Parse one event line and check it against every rule of the protocol.

    The trailing newline is optional. Returns the event as a dict; raises `EventError` naming the first
    rule the line breaks (not UTF-8, not one JSON object, bad envelope, unknown type, bad or unknown field).
    """
    if isinstance(line, bytes | bytearray):
        try:
            line = bytes(line).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventError(f"event line is not valid UTF-8: {exc}") from None
    text = line.removesuffix("\n")
    if "\n" in text or "\r" in text:
        raise EventError("an event must be exactly one line")
    try:
        event = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise EventError(f"event line is not valid JSON: {exc}") from None
    if not isinstance(event, dict):
        raise EventError(f"an event must be a JSON object, got {type(event).__name__}")
    missing = [name for name in ENVELOPE_FIELDS if name not in event]
    if missing:
        raise EventError(f"event is missing envelope field(s): {', '.join(missing)}")
    version = event["v"]
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise EventError(f"unsupported protocol version v={version!r} (expected {PROTOCOL_VERSION})")
    _check_str(event["type"], "type")
    _check_timestamp(event["ts"], "ts")
    _check_int(event["seq"], "seq", minimum=1)
    check_body(event["type"], {k: v for k, v in event.items() if k not in ENVELOPE_FIELDS})
    return event
