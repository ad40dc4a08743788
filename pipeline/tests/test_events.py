"""The event emitter, exercised through a real OS pipe named by CT_EVENTS_FD, as the worker sets it up."""

from __future__ import annotations

import os
import re
import select
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from contract_check import read_events

from ct_pipeline.event_schema import check_body
from ct_pipeline.events import EVENTS_FD_VAR, EventEmitter, EventError, Step, emitter_from_env

TS_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
NAN = float("nan")
INF = float("inf")


class Wire:
    """A real pipe: the emitter gets its write end through CT_EVENTS_FD, the test reads the other end."""

    def __init__(self) -> None:
        self.read_fd, write_fd = os.pipe()
        self.emitter = emitter_from_env({EVENTS_FD_VAR: str(write_fd)})
        self._reader_open = True

    def read_raw(self) -> bytes:
        """Read until end of file (the emitter must be closed, or be closed by another thread)."""
        self._reader_open = False
        with os.fdopen(self.read_fd, "rb") as reader:
            return reader.read()

    def read_events(self) -> list[dict[str, Any]]:
        """Close the emitter, read everything it wrote and parse it line by line."""
        self.emitter.close()
        return read_events(self.read_raw())

    def close(self) -> None:
        self.emitter.close()
        if self._reader_open:
            os.close(self.read_fd)


def body(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in ("v", "ts", "seq")}


@pytest.fixture
def wire() -> Iterator[Wire]:
    sut = Wire()
    yield sut
    sut.close()


Emit = Callable[[EventEmitter], object]

ROUND_TRIPS: list[tuple[str, Emit, dict[str, Any]]] = [
    ("step.started", lambda e: e.step_started("extraction"), {"type": "step.started", "step": "extraction"}),
    (
        "step.started with the enum",
        lambda e: e.step_started(Step.MODEL_VALIDATION),
        {"type": "step.started", "step": "model_validation"},
    ),
    (
        "step.finished ok",
        lambda e: e.step_finished("training", 1234, "ok"),
        {"type": "step.finished", "step": "training", "duration_ms": 1234, "status": "ok"},
    ),
    (
        "step.finished failed",
        lambda e: e.step_finished("validation", 0, "failed", reason="missing column: label"),
        {
            "type": "step.finished",
            "step": "validation",
            "duration_ms": 0,
            "status": "failed",
            "reason": "missing column: label",
        },
    ),
    (
        "progress 0",
        lambda e: e.progress("preparation", 0),
        {"type": "progress", "step": "preparation", "fraction": 0},
    ),
    (
        "progress 1 with message",
        lambda e: e.progress("evaluation", 1.0, message="done"),
        {"type": "progress", "step": "evaluation", "fraction": 1.0, "message": "done"},
    ),
    ("metric", lambda e: e.metric("rmse", 0.25), {"type": "metric", "key": "rmse", "value": 0.25}),
    (
        "metric with step",
        lambda e: e.metric("loss", -3, step=2),
        {"type": "metric", "key": "loss", "value": -3, "step": 2},
    ),
    (
        "log",
        lambda e: e.log("warning", "12 outliers"),
        {"type": "log", "level": "warning", "message": "12 outliers"},
    ),
    (
        "validation finding",
        lambda e: e.validation_finding(
            "iqr_outliers", "warning", "2 columns over", ["bmi", "s5"], {"max_share": 0.01}
        ),
        {
            "type": "validation.finding",
            "rule": "iqr_outliers",
            "severity": "warning",
            "message": "2 columns over",
            "columns": ["bmi", "s5"],
            "figures": {"max_share": 0.01},
        },
    ),
    (
        "result",
        lambda e: e.result({"version": 3, "promoted": True, "scores": [0.5, None, "n/a", {"f1": 0.9}]}),
        {
            "type": "result",
            "payload": {"version": 3, "promoted": True, "scores": [0.5, None, "n/a", {"f1": 0.9}]},
        },
    ),
]


@pytest.mark.parametrize(("emit", "expected"), [c[1:] for c in ROUND_TRIPS], ids=[c[0] for c in ROUND_TRIPS])
def test_each_event_type_reaches_the_reader_intact(wire: Wire, emit: Emit, expected: dict[str, Any]) -> None:
    returned = emit(wire.emitter)

    [event] = wire.read_events()
    assert body(event) == expected
    assert event["v"] == 1
    assert event == returned


def test_seq_counts_from_one_and_ts_is_utc_milliseconds_now(wire: Wire) -> None:
    now = datetime.now(UTC)
    before = now.replace(microsecond=now.microsecond // 1000 * 1000)  # ts is truncated to milliseconds
    wire.emitter.step_started("training")
    wire.emitter.metric("mae", 1.5)
    wire.emitter.log("info", "fitting")
    wire.emitter.progress("training", 0.5)
    wire.emitter.result({})
    after = datetime.now(UTC)

    events = wire.read_events()
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    stamps = [e["ts"] for e in events]
    assert all(TS_FORMAT.fullmatch(ts) for ts in stamps), stamps
    times = [datetime.fromisoformat(ts) for ts in stamps]
    assert times == sorted(times)
    assert before <= times[0] and times[-1] <= after


def test_lines_are_compact_utf8_json_with_the_envelope_first(wire: Wire) -> None:
    wire.emitter.log("info", "température 数据")
    wire.emitter.log("debug", "two\nlines")

    wire.emitter.close()
    first, second, end = wire.read_raw().split(b"\n")
    assert end == b""
    assert first.startswith(b'{"v":1,"type":"log","ts":"') and b',"seq":1,"level":"info",' in first
    assert "température 数据".encode() in first  # raw UTF-8, not \u escapes
    assert b"\\n" in second  # the newline inside the message is escaped, so the line stays one line


def test_each_line_is_flushed_as_soon_as_it_is_emitted(wire: Wire) -> None:
    wire.emitter.log("info", "first")

    # The emitter stays open: the line must already be in the pipe, not in a buffer.
    readable, _, _ = select.select([wire.read_fd], [], [], 5)
    assert readable, "no event reached the pipe within 5 s"
    [event] = read_events(os.read(wire.read_fd, 65536))
    assert event["message"] == "first"


def test_step_reports_start_and_ok_finish_with_duration(wire: Wire) -> None:
    with wire.emitter.step("training"):
        wire.emitter.progress("training", 0.5)
        time.sleep(0.02)

    started, progress, finished = wire.read_events()
    assert body(started) == {"type": "step.started", "step": "training"}
    assert progress["type"] == "progress"
    assert body(finished) == {
        "type": "step.finished",
        "step": "training",
        "duration_ms": finished["duration_ms"],
        "status": "ok",
    }
    assert 20 <= finished["duration_ms"] < 5000


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ValueError("too few rows: 3 < 100"), "ValueError: too few rows: 3 < 100"),
        (RuntimeError(), "RuntimeError"),
        (KeyError("label"), "KeyError: 'label'"),
        (FileNotFoundError("\udcff.csv"), "FileNotFoundError: ?.csv"),  # lone surrogate from a non-UTF-8 name
        (KeyboardInterrupt(), "KeyboardInterrupt"),
    ],
    ids=["message", "no message", "key error", "lone surrogate", "keyboard interrupt"],
)
def test_step_reports_failure_and_reraises_the_same_exception(
    wire: Wire, error: BaseException, reason: str
) -> None:
    with pytest.raises(type(error)) as raised, wire.emitter.step(Step.VALIDATION):
        raise error

    assert raised.value is error
    started, finished = wire.read_events()
    assert started["type"] == "step.started"
    assert body(finished) == {
        "type": "step.finished",
        "step": "validation",
        "duration_ms": finished["duration_ms"],
        "status": "failed",
        "reason": reason,
    }


def test_step_with_unknown_name_raises_before_the_block_runs(wire: Wire) -> None:
    ran = False
    with pytest.raises(EventError, match="unknown step 'deployment'"), wire.emitter.step("deployment"):
        ran = True

    assert not ran
    assert wire.read_events() == []


REJECTED: list[tuple[str, Emit, str]] = [
    ("unknown step", lambda e: e.step_started("deployment"), "unknown step 'deployment'"),
    ("step not a string", lambda e: e.step_started(3), "unknown step 3"),
    ("progress unknown step", lambda e: e.progress("train", 0.5), "unknown step 'train'"),
    ("progress below 0", lambda e: e.progress("training", -0.01), "between 0 and 1"),
    ("progress above 1", lambda e: e.progress("training", 1.01), "between 0 and 1"),
    ("progress NaN", lambda e: e.progress("training", NAN), "finite"),
    ("progress bool", lambda e: e.progress("training", True), "must be a number"),
    ("metric NaN", lambda e: e.metric("rmse", NAN), "metric.value must be a finite number"),
    ("metric inf", lambda e: e.metric("rmse", INF), "finite"),
    ("metric -inf", lambda e: e.metric("rmse", -INF), "finite"),
    ("metric int beyond float", lambda e: e.metric("rmse", 10**400), "finite"),
    ("metric string value", lambda e: e.metric("rmse", "0.5"), "must be a number"),
    ("metric bool value", lambda e: e.metric("rmse", True), "must be a number"),
    ("metric empty key", lambda e: e.metric("", 0.5), "metric.key must not be empty"),
    ("metric float step", lambda e: e.metric("rmse", 0.5, step=1.5), "metric.step must be an integer"),
    ("metric bool step", lambda e: e.metric("rmse", 0.5, step=True), "must be an integer"),
    ("metric step beyond 2**53", lambda e: e.metric("rmse", 0.5, step=2**53), "metric.step must be <="),
    ("metric without value", lambda e: e.metric("rmse", None), "missing the required field 'value'"),
    ("log unknown level", lambda e: e.log("trace", "x"), "unknown level 'trace'"),
    ("log message not a string", lambda e: e.log("info", 42), "log.message must be a string"),
    ("log lone surrogate", lambda e: e.log("info", "bad \udcff"), "lone surrogate"),
    ("finished negative duration", lambda e: e.step_finished("training", -1, "ok"), "must be >= 0"),
    ("finished float duration", lambda e: e.step_finished("training", 1.5, "ok"), "must be an integer"),
    ("finished unknown status", lambda e: e.step_finished("training", 1, "skipped"), "unknown status"),
    ("finished reason not a string", lambda e: e.step_finished("training", 1, "failed", 42), "reason"),
    ("result not an object", lambda e: e.result([1, 2]), "payload must be a JSON object"),
    (
        "finding unknown severity",
        lambda e: e.validation_finding("min_rows", "info", "x", [], {}),
        "unknown severity 'info'",
    ),
    (
        "finding columns not a list",
        lambda e: e.validation_finding("min_rows", "error", "x", "a", {}),
        "columns must be a list of strings",
    ),
    (
        "finding column not a string",
        lambda e: e.validation_finding("min_rows", "error", "x", [1], {}),
        r"columns\[0\] must be a string",
    ),
    (
        "finding NaN figure",
        lambda e: e.validation_finding("min_rows", "error", "x", [], {"share": NAN}),
        r"figures\.share must be a finite",
    ),
    (
        "result object value",
        lambda e: e.result({"model": object()}),
        "payload.model is not JSON-serialisable",
    ),
    ("result set value", lambda e: e.result({"tags": {"a"}}), "not JSON-serialisable: set"),
    ("result int key", lambda e: e.result({1: "a"}), "non-string key 1"),
    (
        "result nested NaN",
        lambda e: e.result({"scores": [0.5, NAN]}),
        r"payload\.scores\[1\] must be a finite",
    ),
    ("result nested inf", lambda e: e.result({"a": {"b": INF}}), r"payload\.a\.b must be a finite"),
]


@pytest.mark.parametrize(("emit", "message"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_invalid_events_are_rejected_and_never_written(wire: Wire, emit: Emit, message: str) -> None:
    with pytest.raises(EventError, match=message):
        emit(wire.emitter)
    wire.emitter.log("info", "after the rejection")

    [event] = wire.read_events()
    assert event["message"] == "after the rejection"
    assert event["seq"] == 1  # the rejected event did not take a seq either


def test_event_error_is_a_value_error() -> None:
    assert issubclass(EventError, ValueError)


@pytest.mark.parametrize(
    ("event_type", "fields", "message"),
    [
        ("metrics", {"key": "rmse", "value": 0.5}, "unknown event type 'metrics'"),
        ("metric", {"key": "rmse", "value": 0.5, "unit": "ms"}, r"unknown field\(s\): unit"),
    ],
    ids=["unknown type", "unknown field"],
)
def test_the_emitters_check_refuses_what_its_methods_cannot_pass(
    event_type: str, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(EventError, match=message):
        check_body(event_type, fields)


def test_concurrent_emits_write_whole_lines_in_seq_order(wire: Wire) -> None:
    threads_count, per_thread = 8, 50
    padding = "x" * 20_000  # far above PIPE_BUF and the writer's buffer, so unlocked writes could interleave
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(wire.read_raw()))
    reader.start()
    barrier = threading.Barrier(threads_count)

    def emit_many(thread: int) -> None:
        barrier.wait()
        for index in range(per_thread):
            wire.emitter.log("info", f"{thread}:{index}:{padding}")

    workers = [threading.Thread(target=emit_many, args=(n,)) for n in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wire.emitter.close()
    reader.join(timeout=30)

    events = read_events(received[0])
    assert [e["seq"] for e in events] == list(range(1, threads_count * per_thread + 1))
    seen: dict[str, list[int]] = {}
    for event in events:
        thread, index, rest = event["message"].split(":")
        assert rest == padding
        seen.setdefault(thread, []).append(int(index))
    assert seen == {str(n): list(range(per_thread)) for n in range(threads_count)}


def test_without_ct_events_fd_the_emitter_checks_events_but_writes_nowhere() -> None:
    sut = emitter_from_env({})

    assert not sut.enabled
    with sut.step("evaluation"):
        event = sut.metric("accuracy", 0.9)
    assert event["seq"] == 2 and event["value"] == 0.9
    with pytest.raises(EventError, match="finite"):
        sut.metric("accuracy", NAN)
    sut.close()


def test_emitter_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    read_fd, write_fd = os.pipe()
    monkeypatch.setenv(EVENTS_FD_VAR, str(write_fd))

    with emitter_from_env() as sut:
        assert sut.enabled
        assert not os.get_inheritable(write_fd)
        sut.log("info", "hello")
    with os.fdopen(read_fd, "rb") as reader:
        [event] = read_events(reader.read())
    assert event["message"] == "hello"


@pytest.mark.parametrize(
    "value",
    ["", "abc", "-1", "3.0", " 5", "5 ", "+5", "1_0", "\u0663", "0", "1", "2", "12345678901", "9999999999"],
)
def test_malformed_ct_events_fd_is_a_clear_error(value: str) -> None:
    with pytest.raises(ValueError, match=f"^{EVENTS_FD_VAR}") as raised:
        emitter_from_env({EVENTS_FD_VAR: value})

    assert not isinstance(raised.value, EventError)


def test_ct_events_fd_that_is_not_open_is_a_clear_error() -> None:
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    os.close(write_fd)

    with pytest.raises(ValueError, match=f"{EVENTS_FD_VAR}={write_fd} is not an open file descriptor"):
        emitter_from_env({EVENTS_FD_VAR: str(write_fd)})
