"""The tests' own reader of the events pipe, and their check of what the pipeline writes against the contract
generated from ``packages/shared`` (``schema/pipeline-event.schema.json``,
``schema/pipeline-result.schema.json``) with a JSON Schema validator: independent of the emitter's checks,
which are derived from the same file. (The worker is the one reader of the protocol in production; the
pipeline package only writes it.)"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from ct_pipeline.contract import event_schema, result_problem
from ct_pipeline.exit_codes import EXIT_CODES, FailureReason

_EVENTS = Draft202012Validator(event_schema())


def _not_json(constant: str) -> None:
    raise AssertionError(f"an event line holds {constant}, which is not JSON: the worker would refuse it")


def _assert_event(event: Mapping[str, Any]) -> None:
    error = next(iter(_EVENTS.iter_errors(event)), None)
    assert error is None, f"{dict(event)} breaks pipeline-event.schema.json: {error.message}"


def read_event(line: bytes | str) -> dict[str, Any]:
    """One line of the events pipe (its newline optional): UTF-8, one JSON object, an event of the protocol.

    A ``result`` event's payload may be any JSON object here, as the emitter allows; `assert_in_contract`
    also checks it against the payload of its kind.
    """
    text = line.decode("utf-8") if isinstance(line, bytes) else line
    event = json.loads(text, parse_constant=_not_json)
    assert isinstance(event, dict), f"an event is a JSON object, got {text!r}"
    _assert_event(event)
    return event


def read_events(data: bytes) -> list[dict[str, Any]]:
    """Every event of ``data``, all that an events pipe carried: one `read_event` per line, each line ending
    in a newline."""
    assert data == b"" or data.endswith(b"\n"), f"every event line ends with a newline: {data[-200:]!r}"
    return [read_event(line) for line in data.split(b"\n")[:-1]]


def assert_in_contract(event: Mapping[str, Any]) -> None:
    """Fail unless ``event`` is an event of the protocol, and a ``result`` event's payload one of its kind."""
    _assert_event(event)
    if event["type"] == "result":
        problem = result_problem(event["payload"])
        assert problem is None, problem


def reason_of(returncode: int) -> FailureReason:
    """The failure reason the worker records for a pipeline that exited with ``returncode`` by itself."""
    reasons = {code: reason for reason, code in EXIT_CODES.items()}
    assert returncode in reasons, f"exit code {returncode} is not a failure of the contract"
    return reasons[returncode]
