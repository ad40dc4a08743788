"""The score job's task file: which model scores which rows, and where the predictions go."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import Spec, parse_spec
from ct_pipeline.task_file import read_task, task_model

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
    """Read and check the score task at ``path``; `InvalidInput` names the field at fault.

    The fields' types and bounds are the schema's (`read_task`); what follows are the rules it cannot say.
    """
    raw = read_task(path, "score")
    common = task_model(raw, environ)
    rows: list[Row] | None = raw["rows"]
    # Two fields that exclude each other: the API refuses the pair, a JSON Schema exported from zod cannot.
    if rows is not None and raw["source"] is not None:
        raise InvalidInput("rows: inline rows and a source exclude each other")
    output = Path(raw["output"])
    if not output.parent.is_dir():
        raise InvalidInput(f"output: the folder {str(output.parent)!r} does not exist")
    return ScoreTask(
        **common,
        source=None if rows is not None else _source_spec(raw, common["spec"]),
        rows=rows,
        key_column=raw["key_column"],
        output=output,
        iris_mirror=raw["iris_mirror"],
    )


def _source_spec(raw: Mapping[str, Any], spec: Spec) -> Spec:
    """The spec with the data section to score: ``source`` (default: the spec's own), bounded by the task.

    The spec's own ``since``/``until`` bound its training data, not what is scored: only the task's apply.
    ``since``/``until`` filter on the section's ``time_column``, else on the spec's.
    """
    given = raw["source"]
    section = dict(given) if given is not None else _without_bounds(spec.raw["data"])
    since, until = raw["since"], raw["until"]
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
