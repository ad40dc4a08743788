"""The task file the worker writes for a score or monitor job (``task.json``), checked field by field.

Both kinds carry the pipeline version's training spec (``spec``), the registered model's name and the model
asked for (an alias or a version number). Anything malformed is `InvalidInput` naming the field: the worker
wrote the file from a request the API had validated, so a bad field is a bug to report, not to guess around.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import Spec, parse_spec

_VERSION: Final = re.compile(r"[1-9][0-9]{0,9}")
_ALIAS: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,254}")  # MLflow's alias rule, roughly


def is_version_number(model: str) -> bool:
    """Whether ``model`` names a version (``"3"``) rather than an alias (``"champion"``)."""
    return bool(_VERSION.fullmatch(model))


def read_task(path: Path, kind: str) -> dict[str, Any]:
    """The task file at ``path`` as a JSON object whose ``kind`` is ``kind``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the task file {str(path)!r}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the task file {str(path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidInput(f"the task file {str(path)!r} must hold a JSON object")
    if raw.get("kind") != kind:
        raise InvalidInput(f"kind: expected {kind!r}, got {raw.get('kind')!r}")
    return raw


def text(raw: Mapping[str, Any], key: str, default: str | None = None) -> str:
    """The non-empty string at ``key`` (``default`` when absent or null and a default is given)."""
    value = raw.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{key}: must be a non-empty string, got {value!r}")
    return value


def optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    """The string at ``key``, or None when absent or null."""
    return None if raw.get(key) is None else text(raw, key)


def model_choice(raw: Mapping[str, Any]) -> str:
    """``model``: an alias (``champion``, the default) or a version number as a string."""
    model = text(raw, "model", "champion")
    if not is_version_number(model) and not _ALIAS.fullmatch(model):
        raise InvalidInput(f"model: must be an alias or a version number, got {model!r}")
    return model


def task_spec(raw: Mapping[str, Any]) -> Spec:
    """``spec``: the pipeline version's training spec, validated as the training job validates it."""
    spec = raw.get("spec")
    if not isinstance(spec, dict):
        raise InvalidInput("spec: must be the pipeline's training spec (a JSON object)")
    try:
        return parse_spec(spec)
    except InvalidInput as exc:
        raise InvalidInput(f"spec: {exc.message}") from exc
