"""The contract with the ct worker, generated from its one definition in ``packages/shared`` (zod).

Nothing in it is written here: ``schema/pipeline-constants.json`` (the protocol version, the steps, the exit
codes, the registry aliases), ``schema/pipeline-event.schema.json`` (every event type) and
``schema/pipeline-result.schema.json`` (the payloads of a ``result`` event) are written by
``pnpm --filter @ct/shared export-schema``, and a test on each side fails while they disagree. This module
loads them; `ct_pipeline.exit_codes`, `ct_pipeline.aliases` and `ct_pipeline.event_schema` build on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA_FOLDER: Final = Path(__file__).parent / "schema"
# The ``$defs`` of pipeline-result.schema.json, spelled out for the type checker (a test compares them).
ResultKind = Literal["failed", "train", "score", "monitor"]


def load(name: str) -> Any:
    """The generated JSON file ``name`` of the schema folder."""
    return json.loads((SCHEMA_FOLDER / name).read_text(encoding="utf-8"))


_CONSTANTS: Final = load("pipeline-constants.json")
PROTOCOL_VERSION: Final[int] = _CONSTANTS["protocol_version"]
STEPS: Final[tuple[str, ...]] = tuple(_CONSTANTS["steps"])
"""The pipeline's steps, in the order they run."""
SUCCESS_EXIT_CODE: Final[int] = _CONSTANTS["success_exit_code"]
FAILURE_EXIT_CODES: Final[Mapping[str, int]] = MappingProxyType(_CONSTANTS["failure_exit_codes"])
"""The exit code of each failure the pipeline reports itself: the one channel of a failure's reason."""
MODEL_ALIASES: Final[tuple[str, ...]] = tuple(_CONSTANTS["model_aliases"])
"""The registry aliases ct moves (``MODEL_ALIASES`` of ``packages/shared``): champion, then challenger."""


@cache
def _checked_schema(name: str) -> dict[str, Any]:
    """The generated JSON Schema ``name``, checked to be a valid one."""
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return schema  # type: ignore[no-any-return]


def event_schema() -> dict[str, Any]:
    """The event protocol as JSON Schema: a ``oneOf`` with one branch per event type."""
    return _checked_schema("pipeline-event.schema.json")


@cache
def _result_validator(kind: ResultKind) -> Draft202012Validator:
    defs = _checked_schema("pipeline-result.schema.json")["$defs"]
    return Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{kind}"})


def result_kind(payload: Mapping[str, Any]) -> ResultKind:
    """The payload ``payload`` claims to be: ``failed``, or the kind of job whose success it reports."""
    if payload.get("status") == "failed":
        return "failed"
    kind = payload.get("kind", "train")
    return kind if kind in ("score", "monitor") else "train"


def result_problem(payload: Mapping[str, Any]) -> str | None:
    """What makes ``payload`` break the contract of its kind of ``result`` payload, or None if nothing."""
    kind = result_kind(payload)
    error = best_match(_result_validator(kind).iter_errors(payload))
    if error is None:
        return None
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    return f"{kind} result payload{where}: {error.message}"
