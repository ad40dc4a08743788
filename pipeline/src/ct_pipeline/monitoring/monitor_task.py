"""The monitor job's task file: which model version, which window, and where the worker put its rows."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import Spec
from ct_pipeline.task_file import read_task, task_model


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
    """Read and check the monitor task at ``path``; `InvalidInput` names the field at fault.

    The fields' types and bounds are the schema's (`read_task`); what follows are the rules it cannot say.
    """
    raw = read_task(path, "monitor")
    common = task_model(raw, environ)
    window_file = Path(raw["input"])
    if not window_file.is_file():
        raise InvalidInput(f"input: no window file at {str(window_file)!r}")
    return MonitorTask(
        **common,
        model_version=raw["model_version"],
        window_start=raw["window_start"],
        window_end=raw["window_end"],
        input=window_file,
        min_samples=raw["min_samples"],
    )
