"""Structural validation of a raw spec against the JSON Schema exported from ``packages/shared``, and its
defaults.

The schema file (``schema/training-spec.schema.json``) is generated on the TypeScript side, so the API and the
pipeline enforce exactly the same structural rules and fill in the same defaults (`with_defaults`). Semantic
rules that a schema cannot say (a dataset for another task, metrics that do not fit the task, estimator
params) live in `ct_pipeline.spec`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
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


def with_defaults(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the schema-valid spec ``raw`` with every default of the schema filled in, as the API's
    parse fills them (a section left out gets its default, then the defaults of its fields)."""
    return _fill(validator().schema, copy.deepcopy(dict(raw)))  # type: ignore[no-any-return]


def schema_default(*path: str) -> Any:
    """The schema's default of the field at ``path`` (``"split", "seed"``; a list's items are passed through).

    Raises `KeyError` when the schema has no such field or no default for it.
    """
    node: Mapping[str, Any] = validator().schema
    for key in path:
        node = node.get("items", node)["properties"][key]
    return copy.deepcopy(node["default"])


def _fill(schema: Mapping[str, Any], value: Any) -> Any:
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_fill(schema["items"], item) for item in value]
    if not isinstance(value, dict):
        return value
    schema = _branch(schema, value)
    fields = schema.get("properties", {})
    for name, field in fields.items():
        if name not in value and "default" in field:
            value[name] = copy.deepcopy(field["default"])
    others = schema.get("additionalProperties")
    for name, item in value.items():
        field = fields.get(name, others)
        if isinstance(field, dict):
            value[name] = _fill(field, item)
    return value


def _branch(schema: Mapping[str, Any], value: Mapping[str, Any]) -> Mapping[str, Any]:
    """The branch of a ``oneOf`` that ``value``'s discriminator names (``schema`` itself if none)."""
    for option in schema.get("oneOf", []):
        consts = {key: option.get("properties", {}).get(key, {}).get("const") for key in _DISCRIMINATORS}
        if any(const is not None and value.get(key) == const for key, const in consts.items()):
            return option  # type: ignore[no-any-return]
    return schema


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
