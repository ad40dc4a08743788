"""parse_event: every rule of the protocol, checked on lines as the worker would receive them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ct_pipeline.event_schema import EventError, parse_event

BASE: dict[str, Any] = {
    "v": 1,
    "type": "metric",
    "ts": "2024-01-31T12:00:00.123Z",
    "seq": 7,
    "key": "rmse",
    "value": 0.5,
    "step": 3,
}
DROP = object()


def line(**changes: object) -> str:
    event = {**BASE, **changes}
    return json.dumps({k: v for k, v in event.items() if v is not DROP})


@pytest.mark.parametrize(
    "raw",
    [line() + "\n", line(), (line() + "\n").encode(), bytearray(line().encode())],
    ids=["str with newline", "str", "bytes with newline", "bytearray"],
)
def test_valid_line_parses_to_the_event(raw: str | bytes) -> None:
    assert parse_event(raw) == BASE


@pytest.mark.parametrize(
    "event",
    [
        {"type": "step.started", "step": "promotion"},
        {"type": "step.finished", "step": "extraction", "duration_ms": 0, "status": "ok"},
        {"type": "step.finished", "step": "training", "duration_ms": 9, "status": "failed", "reason": "x"},
        {"type": "progress", "step": "evaluation", "fraction": 1, "message": "all folds"},
        {"type": "metric", "key": "f1", "value": -2},
        {"type": "log", "level": "error", "message": "température"},
        {"type": "result", "payload": {"a": [1, {"b": None}]}},
        {
            "type": "validation.finding",
            "rule": "min_rows",
            "severity": "error",
            "message": "3 rows",
            "columns": [],
            "figures": {"rows": 3},
        },
    ],
    ids=lambda event: event["type"],
)
def test_every_event_type_is_accepted(event: dict[str, Any]) -> None:
    envelope = {"v": 1, "ts": "2024-02-29T23:59:59.999Z", "seq": 1}
    assert parse_event(json.dumps({**envelope, **event})) == {**envelope, **event}


REJECTED: list[tuple[str, str | bytes, str]] = [
    ("not UTF-8", b'{"v":1,"message":"\xff"}', "not valid UTF-8"),
    ("empty", "", "not valid JSON"),
    ("not JSON", "step started", "not valid JSON"),
    ("array", "[1, 2]", "must be a JSON object, got list"),
    ("two lines", line() + "\n" + line(), "exactly one line"),
    ("CRLF", line() + "\r\n", "exactly one line"),
    ("NaN", line().replace("0.5", "NaN"), "NaN is not valid JSON"),
    ("Infinity", line().replace("0.5", "Infinity"), "Infinity is not valid JSON"),
    ("-Infinity", line().replace("0.5", "-Infinity"), "-Infinity is not valid JSON"),
    ("overflowing number", line().replace("0.5", "1e999"), "metric.value must be a finite number"),
    ("duplicate key", line().replace('"seq": 7', '"seq": 7, "seq": 8'), "duplicate key"),
    ("missing seq", line(seq=DROP), "missing envelope field"),
    ("version 2", line(v=2), "unsupported protocol version v=2"),
    ("version as string", line(v="1"), "unsupported protocol version"),
    ("version as bool", line(v=True), "unsupported protocol version"),
    ("version as float", line(v=1.0), "unsupported protocol version"),
    ("unknown type", line(type="metrics"), "unknown event type 'metrics'"),
    ("type not a string", line(type=5), "type must be a string"),
    ("ts without milliseconds", line(ts="2024-01-31T12:00:00Z"), "ts must look like"),
    ("ts with offset", line(ts="2024-01-31T12:00:00.123+00:00"), "ts must look like"),
    ("ts with microseconds", line(ts="2024-01-31T12:00:00.123456Z"), "ts must look like"),
    ("ts lowercase z", line(ts="2024-01-31T12:00:00.123z"), "ts must look like"),
    ("ts impossible date", line(ts="2023-02-29T12:00:00.123Z"), "not a real date"),
    ("seq 0", line(seq=0), "seq must be >= 1"),
    ("seq float", line(seq=1.0), "seq must be an integer"),
    ("seq string", line(seq="1"), "seq must be an integer"),
    ("unknown field", line(unit="ms"), "unknown field.*unit"),
    ("missing field", line(key=DROP), "missing the required field 'key'"),
    ("metric value string", line(value="0.5"), "metric.value must be a number"),
    ("lone surrogate", line(key="\udcff"), "lone surrogate"),
    (
        "progress out of range",
        line(type="progress", key=DROP, value=DROP, step="training", fraction=2),
        "progress.fraction must be between 0 and 1",
    ),
    (
        "unknown status",
        line(type="step.finished", key=DROP, value=DROP, step="training", duration_ms=1, status="skipped"),
        "unknown status 'skipped'",
    ),
    ("unknown level", line(type="log", key=DROP, value=DROP, step=DROP, level="fatal", message="x"), "level"),
    (
        "payload not an object",
        line(type="result", key=DROP, value=DROP, step=DROP, payload=[]),
        "JSON object",
    ),
    ("unknown step", line(type="step.started", key=DROP, value=DROP, step="deploy"), "unknown step 'deploy'"),
]


@pytest.mark.parametrize(("raw", "message"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_invalid_line_is_rejected(raw: str | bytes, message: str) -> None:
    with pytest.raises(EventError, match=message):
        parse_event(raw)
