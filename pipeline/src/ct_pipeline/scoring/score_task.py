"""The score job's task file: which model scores which rows, and where the predictions go."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import Spec, parse_spec
from ct_pipeline.task_file import model_choice, optional_text, read_task, task_spec, text

MAX_INLINE_ROWS: Final = 1000  # SCORING_LIMITS.maxInlineRows on the API's side
JOB_ID_VAR: Final = "CT_JOB_ID"
Row = dict[str, float | int | str | bool | None]


@dataclass(frozen=True)
class ScoreTask:
    """A validated score task. ``source`` is the spec whose data section is read (None: inline ``rows``)."""

    job_id: str
    spec: Spec
    registered_model: str
    model: str
    source: Spec | None
    rows: list[Row] | None
    key_column: str
    output: Path
    iris_mirror: bool = False
    """Also write the predictions to IRIS, and the champion's URI to ``^ML.Config("ModelPath")``."""


def load_score_task(path: Path, environ: Mapping[str, str] = os.environ) -> ScoreTask:
    """Read and check the score task at ``path``; `InvalidInput` names the field at fault."""
    raw = read_task(path, "score")
    spec = task_spec(raw)
    rows = _inline_rows(raw.get("rows"))
    if rows is not None and raw.get("source") is not None:
        raise InvalidInput("rows: inline rows and a source exclude each other")
    output = Path(text(raw, "output"))
    if not output.parent.is_dir():
        raise InvalidInput(f"output: the folder {str(output.parent)!r} does not exist")
    return ScoreTask(
        job_id=text(raw, "job_id", environ.get(JOB_ID_VAR) or None),
        spec=spec,
        registered_model=text(raw, "registered_model", spec.pipeline),
        model=model_choice(raw),
        source=None if rows is not None else _source_spec(raw, spec),
        rows=rows,
        key_column=text(raw, "key_column", "id"),
        output=output,
        iris_mirror=_flag(raw, "iris_mirror"),
    )


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    """A boolean field, false when absent (task files written before it existed have none)."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{key}: must be true or false, got {value!r}")
    return value


def _inline_rows(value: Any) -> list[Row] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_INLINE_ROWS:
        raise InvalidInput(f"rows: must be a list of 1 to {MAX_INLINE_ROWS} objects")
    for index, row in enumerate(value):
        if not isinstance(row, dict):
            raise InvalidInput(f"rows[{index}]: must be an object of column values")
        for column, cell in row.items():
            if cell is not None and not isinstance(cell, int | float | str | bool):
                raise InvalidInput(f"rows[{index}].{column}: must be a number, string, boolean or null")
    return value


def _source_spec(raw: Mapping[str, Any], spec: Spec) -> Spec:
    """The spec with the data section to score: ``source`` (default: the spec's own), bounded by the task.

    The spec's own ``since``/``until`` bound its training data, not what is scored: only the task's apply.
    ``since``/``until`` filter on the section's ``time_column``, else on the spec's.
    """
    given = raw.get("source")
    if given is not None and not isinstance(given, dict):
        raise InvalidInput("source: must be a data section (an object) or null")
    section = dict(given) if given is not None else _without_bounds(spec.raw["data"])
    since, until = optional_text(raw, "since"), optional_text(raw, "until")
    if since is not None or until is not None:
        section.setdefault("time_column", spec.raw["data"].get("time_column"))
        if section["time_column"] is None:
            raise InvalidInput("since/until: the source has no time_column to bound")
        section |= {key: value for key, value in (("since", since), ("until", until)) if value is not None}
    try:
        return parse_spec({**spec.raw, "data": section})
    except InvalidInput as exc:
        raise InvalidInput(f"source: {exc.message}") from exc


def _without_bounds(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in ("since", "until")}
