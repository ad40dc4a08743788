"""Structured events from the pipeline to the ct worker.

The worker runs the pipeline as a child process, opens an extra file descriptor for it and passes its number
in ``CT_EVENTS_FD``. Events go there as JSON lines, never to stdout (which the worker captures as plain text).
`emitter_from_env` opens that descriptor; with no ``CT_EVENTS_FD`` (a data scientist running the pipeline by
hand) the emitter still checks every event but writes nothing. The rules live in `ct_pipeline.event_schema`.

    events = emitter_from_env()
    with events.step(Step.TRAINING):
        events.metric("rmse", 0.42)
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, BinaryIO, Final, Literal

from ct_pipeline.event_schema import PROTOCOL_VERSION, EventError, Step, check_body

__all__ = ["EVENTS_FD_VAR", "EventEmitter", "EventError", "Step", "emitter_from_env"]

EVENTS_FD_VAR: Final = "CT_EVENTS_FD"
_FD_PATTERN: Final = re.compile(r"[0-9]{1,10}")

# The values are the contract's (the enums of schema/pipeline-event.schema.json), spelled out for the type
# checker: every event is checked against the schema before it is written, and a test fails if these differ.
LogLevel = Literal["debug", "info", "warning", "error"]
StepStatus = Literal["ok", "failed"]
FindingSeverity = Literal["warning", "error"]


class EventEmitter:
    """Writes protocol events as JSON lines to a binary file object, or nowhere when ``sink`` is None.

    Each event is checked before it gets a ``seq``, so a rejected event (`EventError`) leaves no gap. The
    ``seq`` is assigned and the line written and flushed under one lock: lines from several threads never
    interleave, and they reach the worker in ``seq`` order as soon as they are emitted.
    """

    def __init__(self, sink: BinaryIO | None) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._seq = 0
        self._observers: list[Callable[[dict[str, Any]], None]] = []

    def observe(self, observer: Callable[[dict[str, Any]], None]) -> None:
        """Also hand every emitted event to ``observer`` (e.g. the CLI's progress lines on stderr)."""
        self._observers.append(observer)

    @property
    def enabled(self) -> bool:
        """Whether events are written anywhere (False when ``CT_EVENTS_FD`` was not set)."""
        return self._sink is not None

    def step_started(self, step: Step | str) -> dict[str, Any]:
        """Emit ``step.started``. Prefer the `step` context manager, which also reports the end."""
        return self._emit("step.started", step=step)

    def step_finished(
        self, step: Step | str, duration_ms: int, status: StepStatus, reason: str | None = None
    ) -> dict[str, Any]:
        """Emit ``step.finished`` with the step's duration, ``"ok"`` or ``"failed"``, and why it failed."""
        return self._emit("step.finished", step=step, duration_ms=duration_ms, status=status, reason=reason)

    def progress(self, step: Step | str, fraction: float, message: str | None = None) -> dict[str, Any]:
        """Emit ``progress``: how far ``step`` has got, from 0 to 1 inclusive."""
        return self._emit("progress", step=step, fraction=fraction, message=message)

    def metric(self, key: str, value: float, step: int | None = None) -> dict[str, Any]:
        """Emit ``metric``: a finite number (NaN and infinities are rejected), with an optional int step."""
        return self._emit("metric", key=key, value=value, step=step)

    def log(self, level: LogLevel, message: str) -> dict[str, Any]:
        """Emit ``log`` at ``level`` debug, info, warning or error."""
        return self._emit("log", level=level, message=message)

    def validation_finding(
        self,
        rule: str,
        severity: FindingSeverity,
        message: str,
        columns: list[str],
        figures: dict[str, Any],
    ) -> dict[str, Any]:
        """Emit ``validation.finding``: a failed data validation rule, at its severity, with its figures."""
        return self._emit(
            "validation.finding",
            rule=rule,
            severity=severity,
            message=message,
            columns=columns,
            figures=figures,
        )

    def result(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Emit ``result``: a JSON object (str keys; None, bool, int, finite float, str, list, dict)."""
        return self._emit("result", payload=payload)

    @contextmanager
    def step(self, name: Step | str) -> Iterator[None]:
        """Report the block as pipeline step ``name``: ``step.started`` on entry, ``step.finished`` on exit.

        If the block raises, ``step.finished`` has status ``"failed"`` and the exception's type and message
        as ``reason``, and the exception propagates unchanged. An unknown ``name`` raises `EventError` before
        the block runs.
        """
        self.step_started(name)
        started = time.monotonic()
        try:
            yield
        except BaseException as exc:
            self.step_finished(name, _elapsed_ms(started), "failed", reason=_describe(exc))
            raise
        self.step_finished(name, _elapsed_ms(started), "ok")

    def close(self) -> None:
        """Close the sink, so that the worker reads end of file."""
        if self._sink is not None:
            with self._lock:
                self._sink.close()

    def __enter__(self) -> EventEmitter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _emit(self, event_type: str, **fields: object) -> dict[str, Any]:
        body = {name: value for name, value in fields.items() if value is not None}
        check_body(event_type, body)
        with self._lock:
            self._seq += 1
            event = {"v": PROTOCOL_VERSION, "type": event_type, "ts": _now(), "seq": self._seq, **body}
            if self._sink is not None:
                line = json.dumps(event, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                self._sink.write(line.encode("utf-8") + b"\n")
                self._sink.flush()
        for observer in self._observers:
            observer(event)
        return event


def emitter_from_env(environ: Mapping[str, str] = os.environ) -> EventEmitter:
    """Return an emitter writing to the file descriptor named by ``CT_EVENTS_FD`` in ``environ``.

    Without ``CT_EVENTS_FD`` the emitter writes nowhere. Raises `ValueError` naming the variable when its
    value is not a descriptor number, is 0, 1 or 2 (events never share stdin, stdout or stderr), or is not
    open. The descriptor is made non-inheritable so that processes the pipeline starts cannot hold the pipe
    open after the pipeline exits.
    """
    raw = environ.get(EVENTS_FD_VAR)
    if raw is None:
        return EventEmitter(None)
    if not _FD_PATTERN.fullmatch(raw):
        raise ValueError(f"{EVENTS_FD_VAR} must be a file descriptor number, got {raw!r}")
    fd = int(raw)
    if fd <= 2:
        raise ValueError(f"{EVENTS_FD_VAR}={fd} is stdin, stdout or stderr; events need their own pipe")
    try:
        os.set_inheritable(fd, False)
        sink = os.fdopen(fd, "wb")
    except (OSError, OverflowError) as exc:
        raise ValueError(f"{EVENTS_FD_VAR}={fd} is not an open file descriptor: {exc}") from exc
    return EventEmitter(sink)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(exc: BaseException) -> str:
    message = str(exc)
    reason = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    # A message may hold lone surrogates (say, a non-UTF-8 file name); the protocol is UTF-8.
    return reason.encode("utf-8", "replace").decode("utf-8")
