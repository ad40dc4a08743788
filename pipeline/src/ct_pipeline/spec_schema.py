"""Structural validation of a raw spec against the JSON Schema exported from ``packages/shared``.

The schema file (``schema/training-spec.schema.json``) is generated on the TypeScript side, so the API and the
pipeline enforce exactly the same structural rules. Semantic rules that a schema cannot say (a dataset for
another task, metrics that do not fit the task, estimator params) live in `ct_pipeline.spec`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from ct_pipeline.errors import InvalidInput

SCHEMA_PATH: Final = Path(__file__).parent / "schema" / "training-spec.schema.json"
# The fields that pick a branch of a ``oneOf`` (a data source, a transform).
_DISCRIMINATORS: Final = ("source", "op")


@cache
def validator() -> Draft202012Validator:
    """The validator for the exported training-spec schema (loaded once)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def field_path(parts: Iterable[str | int]) -> str:
    """A JSON path as the messages spell it: ``data.features[1]``; the whole spec is ``spec``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "spec"


def check_schema(raw: object) -> None:
    """Raise `InvalidInput` naming the field path of the most relevant schema violation in ``raw``."""
    errors = list(validator().iter_errors(raw))
    if not errors:
        return
    error = _most_specific(best_match(errors))
    raise InvalidInput(f"{field_path(error.absolute_path)}: {_describe(error)}")


def _most_specific(error: ValidationError) -> ValidationError:
    """For a failed ``oneOf`` whose branches share a discriminator, the error of the branch it names."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return error
    instance = error.instance
    if isinstance(instance, dict):
        for key in _DISCRIMINATORS:
            if key not in instance:
                continue
            branches = _branches_matching(error, key, instance[key])
            if branches:
                return _most_specific(best_match(branches))
    return error


def _branches_matching(error: ValidationError, key: str, value: object) -> list[ValidationError]:
    schemas: Sequence[Any] = error.validator_value  # type: ignore[assignment]
    chosen = {
        index
        for index, schema in enumerate(schemas)
        if isinstance(schema, dict) and schema.get("properties", {}).get(key, {}).get("const") == value
    }
    return [sub for sub in error.context or [] if sub.relative_schema_path[0] in chosen]


def _describe(error: ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and isinstance(error.instance, dict):
        for key in _DISCRIMINATORS:
            options = _consts(error.validator_value, key)
            if options:
                return f"{key} must be one of {', '.join(options)}, got {error.instance.get(key)!r}"
    return error.message


def _consts(schemas: Any, key: str) -> list[str]:
    found = [s.get("properties", {}).get(key, {}).get("const") for s in schemas if isinstance(s, dict)]
    return [str(v) for v in found if v is not None]
