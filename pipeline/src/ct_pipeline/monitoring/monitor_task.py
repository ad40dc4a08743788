"""The monitor job's task file: which model version, which window, and where the worker put its rows."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import Spec
from ct_pipeline.task_file import is_version_number, model_choice, optional_text, read_task, task_spec, text

JOB_ID_VAR: Final = "CT_JOB_ID"


@dataclass(frozen=True)
class MonitorTask:
    """A validated monitor task. ``model_version`` is the version the worker resolved (None: resolve
    ``model`` here); ``min_samples`` is the degradation trigger's, reported on, never enforced here."""

    job_id: str
    spec: Spec
    registered_model: str
    model: str
    model_version: str | None
    window_start: str
    window_end: str
    input: Path
    min_samples: int


def load_monitor_task(path: Path, environ: Mapping[str, str] = os.environ) -> MonitorTask:
    """Read and check the monitor task at ``path``; `InvalidInput` names the field at fault."""
    raw = read_task(path, "monitor")
    spec = task_spec(raw)
    version = optional_text(raw, "model_version")
    if version is not None and not is_version_number(version):
        raise InvalidInput(f"model_version: must be a version number, got {version!r}")
    window_file = Path(text(raw, "input"))
    if not window_file.is_file():
        raise InvalidInput(f"input: no window file at {str(window_file)!r}")
    start, end = _instant(raw, "window_start"), _instant(raw, "window_end")
    return MonitorTask(
        job_id=text(raw, "job_id", environ.get(JOB_ID_VAR) or None),
        spec=spec,
        registered_model=text(raw, "registered_model", spec.pipeline),
        model=model_choice(raw),
        model_version=version,
        window_start=start,
        window_end=end,
        input=window_file,
        min_samples=_min_samples(raw.get("min_samples", 1)),
    )


def _instant(raw: Mapping[str, Any], key: str) -> str:
    value = text(raw, key)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{key}: not an ISO date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise InvalidInput(f"{key}: needs a time zone (e.g. Z): {value!r}")
    return value


def _min_samples(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"min_samples: must be a whole number >= 1, got {value!r}")
    return value
