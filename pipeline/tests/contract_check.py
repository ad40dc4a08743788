"""The tests' own check of what the pipeline writes against the contract generated from ``packages/shared``
(``schema/pipeline-event.schema.json``, ``schema/pipeline-result.schema.json``), with a JSON Schema validator:
independent of the emitter's checks, which are derived from the same file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from ct_pipeline.contract import event_schema, result_problem
from ct_pipeline.exit_codes import EXIT_CODES, FailureReason

_EVENTS = Draft202012Validator(event_schema())


def assert_in_contract(event: Mapping[str, Any]) -> None:
    """Fail unless ``event`` is an event of the protocol, and a ``result`` event's payload one of its kind."""
    error = next(iter(_EVENTS.iter_errors(event)), None)
    assert error is None, f"{dict(event)} breaks pipeline-event.schema.json: {error.message}"
    if event["type"] == "result":
        problem = result_problem(event["payload"])
        assert problem is None, problem


def reason_of(returncode: int) -> FailureReason:
    """The failure reason the worker records for a pipeline that exited with ``returncode`` by itself."""
    reasons = {code: reason for reason, code in EXIT_CODES.items()}
    assert returncode in reasons, f"exit code {returncode} is not a failure of the contract"
    return reasons[returncode]
