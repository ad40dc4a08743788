"""The task file the worker writes for a score or monitor job (``task.json``), checked against its schema.

The schemas (``schema/score-task.schema.json``, ``schema/monitor-task.schema.json``) are exported from the
TypeScript contract in ``packages/shared`` that the worker builds the file with, so the fields are defined
once. Both kinds carry the pipeline version's training spec (``spec``, an object there, validated here
against the training spec's own schema), the registered model's name and the model asked for (an alias or a
version number). Anything malformed is `InvalidInput` naming the field: the worker wrote the file from a
request the API had validated, so a bad field is a bug to report, not to guess around.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, TypedDict

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import Spec, parse_spec
from ct_pipeline.spec_schema import field_path

TaskKind = Literal["score", "monitor"]
JOB_ID_VAR: Final = "CT_JOB_ID"
SCHEMA_FOLDER: Final = Path(__file__).parent / "schema"
_VERSION: Final = re.compile(r"[1-9][0-9]{0,9}")


def is_version_number(model: str) -> bool:
    """Whether ``model`` names a version (``"3"``) rather than an alias (``"champion"``)."""
    return bool(_VERSION.fullmatch(model))


@cache
def task_validator(kind: TaskKind) -> Draft202012Validator:
    """The validator for the exported schema of ``kind``'s task file (loaded once)."""
    schema = json.loads((SCHEMA_FOLDER / f"{kind}-task.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def check_task(raw: object, kind: TaskKind) -> dict[str, Any]:
    """``raw`` if it is a valid ``kind`` task file, else `InvalidInput` naming the field at fault."""
    if not isinstance(raw, dict):
        raise InvalidInput("the task file must hold a JSON object")
    error = best_match(task_validator(kind).iter_errors(raw))
    if error is not None:
        where = field_path(error.absolute_path) if error.absolute_path else "task file"
        raise InvalidInput(f"{where}: {_describe(error)}")
    return raw


def _describe(error: ValidationError) -> str:
    """What is wrong, short: jsonschema's own message repeats the whole value and long patterns."""
    got = reprlib.repr(error.instance)
    schema: Any = error.schema
    if error.validator == "pattern" and schema.get("format") == "date-time":
        return f"must be an ISO date-time with a time zone (e.g. 2024-03-01T00:00:00Z), got {got}"
    if error.validator in ("minItems", "maxItems"):
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        return f"must hold {low} to {high} items, got {len(error.instance)}"
    if error.validator in ("anyOf", "oneOf"):
        kinds = [branch.get("type") for branch in error.validator_value if isinstance(branch, dict)]
        if all(isinstance(kind, str) for kind in kinds):
            return f"must be {' or '.join(kinds)}, got {got}"
    if error.validator == "pattern":
        return f"must match {error.validator_value}, got {got}"
    return error.message


def read_task(path: Path, kind: TaskKind) -> dict[str, Any]:
    """The task file at ``path``, valid against ``kind``'s schema, with the schema's defaults filled in."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the task file {str(path)!r}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the task file {str(path)!r} is not valid JSON: {exc}") from exc
    return with_defaults(check_task(raw, kind), kind)


def with_defaults(raw: dict[str, Any], kind: TaskKind) -> dict[str, Any]:
    """``raw`` with every absent field that has a default in the schema set to it (a file written by hand)."""
    properties: dict[str, Any] = task_validator(kind).schema["properties"]
    defaults = {key: field["default"] for key, field in properties.items() if "default" in field}
    return defaults | raw


class TaskModel(TypedDict):
    """What both kinds name: the job, the training spec, the registered model and the model asked for."""

    job_id: str
    spec: Spec
    registered_model: str
    model: str


def task_model(raw: Mapping[str, Any], environ: Mapping[str, str]) -> TaskModel:
    """The fields both kinds share, checked: ``spec`` validated as the training job validates it,
    ``job_id`` (absent, in a file written by hand: ``CT_JOB_ID``), ``registered_model`` (absent: the spec's
    pipeline, a default that depends on the spec, so not one the schema can hold) and ``model``."""
    try:
        spec = parse_spec(raw["spec"])
    except InvalidInput as exc:
        raise InvalidInput(f"spec: {exc.message}") from exc
    job_id = raw.get("job_id") or environ.get(JOB_ID_VAR)
    if not job_id:
        raise InvalidInput(f"job_id: absent from the task file, and {JOB_ID_VAR} is not set")
    return TaskModel(
        job_id=job_id,
        spec=spec,
        registered_model=raw.get("registered_model", spec.pipeline),
        model=raw["model"],
    )
