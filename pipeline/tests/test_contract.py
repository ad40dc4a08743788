"""The Python side against the contract generated from ``packages/shared``: every event type the emitter can
write, every payload of a ``result`` event, every failure's exit code and the spec's defaults.

Each test reads the generated files (``ct_pipeline/schema``) directly or through a JSON Schema validator, so
that it fails when the Python code writes, reads or assumes anything the TypeScript contract does not say.
The payloads of real runs are checked too: every child a test runs (`child.RunningChild`) has each of its
events checked against the generated schemas.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, get_args

import pytest
from contract_check import assert_in_contract, read_events

from ct_pipeline.aliases import CHALLENGER, CHAMPION
from ct_pipeline.contract import FAILURE_EXIT_CODES, ResultKind, event_schema, load
from ct_pipeline.entry import report_failure, send_result
from ct_pipeline.errors import DataError, PipelineFailure
from ct_pipeline.events import (
    EventEmitter,
    EventError,
    FindingSeverity,
    LogLevel,
    Step,
    StepStatus,
)
from ct_pipeline.exit_codes import EXIT_CODES
from ct_pipeline.spec import parse_spec
from ct_pipeline.spec_validation import ColumnType, Severity

SCHEMA_FOLDER = Path(__file__).parent.parent / "src" / "ct_pipeline" / "schema"
SPEC_SCHEMA = json.loads((SCHEMA_FOLDER / "training-spec.schema.json").read_text(encoding="utf-8"))
MINIMAL = {
    "pipeline": "contract",
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
    "model": {"estimator": "sklearn.linear_model.Ridge"},
}


def written(sink: io.BytesIO) -> list[dict[str, Any]]:
    return read_events(sink.getvalue())


def event_enum(event_type: str, field: str) -> list[str]:
    branch = next(b for b in event_schema()["oneOf"] if b["properties"]["type"]["const"] == event_type)
    return branch["properties"][field]["enum"]  # type: ignore[no-any-return]


def test_every_event_type_the_emitter_writes_is_one_of_the_contract() -> None:
    sink = io.BytesIO()
    sut = EventEmitter(sink)
    for step in Step:
        sut.step_started(step)
        sut.progress(step, 0.5)
        sut.step_finished(step, 12, "ok")
    with pytest.raises(ValueError), sut.step(Step.TRAINING):
        raise ValueError("fit failed")
    sut.progress(Step.EVALUATION, 1, message="all rows")
    sut.metric("rmse", 0.5)
    sut.metric("loss", 0.25, step=3)
    for level in event_enum("log", "level"):
        sut.log(level, f"at {level}")
    sut.validation_finding("min_rows", "error", "3 rows", ["x"], {"rows": 3, "share": 0.5})
    report_failure(sut, DataError("too few rows", step=Step.VALIDATION))
    events = written(sink)

    for event in events:
        assert_in_contract(event)
    all_types = {branch["properties"]["type"]["const"] for branch in event_schema()["oneOf"]}
    assert {event["type"] for event in events} == all_types


VALIDATION_RULES = SPEC_SCHEMA["properties"]["validation"]["properties"]
COLUMN_TYPES = VALIDATION_RULES["required_columns"]["properties"]["columns"]["additionalProperties"]


@pytest.mark.parametrize(
    ("hint", "values"),
    [
        (LogLevel, event_enum("log", "level")),
        (StepStatus, event_enum("step.finished", "status")),
        (FindingSeverity, event_enum("validation.finding", "severity")),
        (Severity, VALIDATION_RULES["min_rows"]["properties"]["severity"]["enum"]),
        (ColumnType, COLUMN_TYPES["enum"]),
        (ResultKind, list(load("pipeline-result.schema.json")["$defs"])),
    ],
    ids=["LogLevel", "StepStatus", "FindingSeverity", "Severity", "ColumnType", "ResultKind"],
)
def test_the_literal_type_hints_spell_the_values_of_the_contract(hint: Any, values: list[str]) -> None:
    assert list(get_args(hint)) == values


def test_a_failed_result_says_what_and_where_the_exit_code_says_why() -> None:
    sink = io.BytesIO()

    code = report_failure(EventEmitter(sink), DataError("too few rows", step=Step.VALIDATION))

    [event] = written(sink)
    assert event["payload"] == {"status": "failed", "message": "too few rows", "step": "validation"}
    assert code == FAILURE_EXIT_CODES["data_error"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"status": "failed", "reason": "data_error", "message": "x", "step": None}, "'reason' was unexpe"),
        ({"status": "failed", "message": "x", "step": "deploy"}, "failed result payload.step"),
        ({"status": "succeeded", "metrics": {"r2": 0.5}}, "'model_uri' is a required property"),
        ({"status": "succeeded", "kind": "score", "rows": 3}, "score result payload"),
        ({"status": "succeeded", "kind": "monitor", "samples": -1}, "monitor result payload"),
    ],
)
def test_a_result_that_breaks_the_contract_is_never_sent(payload: dict[str, Any], message: str) -> None:
    sink = io.BytesIO()

    with pytest.raises(EventError, match=message):
        send_result(EventEmitter(sink), payload)
    assert sink.getvalue() == b""


def test_every_failure_of_the_contract_has_its_exception_and_exit_code() -> None:
    failures = {cls.reason: cls("x").exit_code for cls in PipelineFailure.__subclasses__()}

    assert {str(reason): code for reason, code in failures.items()} == dict(FAILURE_EXIT_CODES)
    assert {str(reason): code for reason, code in EXIT_CODES.items()} == dict(FAILURE_EXIT_CODES)


def test_the_aliases_the_pipeline_moves_are_those_of_the_contract() -> None:
    decision = load("pipeline-result.schema.json")["$defs"]["train"]["properties"]["decision"]["anyOf"][0]
    alias = decision["properties"]["alias"]["anyOf"][0]

    # In the contract's order, champion first (pipeline-contract.spec.ts pins the order on the other side).
    assert [CHAMPION, CHALLENGER] == load("pipeline-constants.json")["model_aliases"] == alias["enum"]


def default(*path: str) -> Any:
    node = SPEC_SCHEMA
    for key in path:
        node = node.get("items", node)["properties"][key]
    return node["default"]


def test_a_minimal_spec_gets_the_defaults_of_the_schema() -> None:
    sut = parse_spec(MINIMAL)

    assert (sut.split.test_size, sut.split.seed) == (default("split", "test_size"), default("split", "seed"))
    assert sut.policy == default("promotion", "policy")
    assert sut.rules.min_improvement == default("metrics", "min_improvement")
    assert list(sut.rules.guards) == default("metrics", "guards")
    rows, min_rows = default("validation")["min_rows"], sut.validation.min_rows
    assert min_rows is not None and (min_rows.rows, min_rows.severity) == (rows["rows"], rows["severity"])
    assert list(sut.transforms) == default("preparation", "transforms")
    assert sut.model.params == default("model", "params")


def test_the_fields_of_a_section_get_the_defaults_of_the_schema() -> None:
    sut = parse_spec(
        {
            **MINIMAL,
            "data": {"source": "synthetic", "rows": 100, "features": 3, "seed": 1},
            "model": {"mlproject": {"project": "stock"}},
            "metrics": {"guards": [{"metric": "r2"}]},
            "validation": {"min_rows": {"rows": 5}, "iqr_outliers": {"max_share": 0.1}},
        }
    )

    data = SPEC_SCHEMA["properties"]["data"]["oneOf"]
    synthetic = next(b for b in data if b["properties"]["source"].get("const") == "synthetic")
    assert sut.data.noise == synthetic["properties"]["noise"]["default"]
    mlproject = SPEC_SCHEMA["properties"]["model"]["properties"]["mlproject"]["properties"]
    assert sut.model.entry_point == mlproject["entry_point"]["default"]
    assert sut.rules.guards[0].max_degradation == default("metrics", "guards", "max_degradation")
    assert sut.validation.min_rows.severity == default("validation", "min_rows", "severity")
    outliers = sut.validation.iqr_outliers
    assert outliers is not None
    assert outliers.factor == default("validation", "iqr_outliers", "factor")
    assert outliers.severity == default("validation", "iqr_outliers", "severity")
