"""``python -m ct_pipeline.score --spec TASK``: score rows with a registered model, write predictions.csv.

The worker runs this for a score job with the task file it wrote (``task.json``: see the README). The model
(``champion`` or another alias, or a version number) is resolved in MLflow's registry and read from the
model cache (``CT_MODEL_CACHE_DIR``), downloaded there the first time. Steps: ``extraction`` (the model and
the rows), ``evaluation`` (predicting, writing the file, and with ``iris_mirror`` copying the predictions to
IRIS: `ct_pipeline.scoring.iris_mirror`). Exit codes as for training (`exit_codes`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ct_pipeline.aliases import CHAMPION
from ct_pipeline.entry import run_entry_point, run_job, step_scope
from ct_pipeline.errors import DataError
from ct_pipeline.events import EventEmitter, Step
from ct_pipeline.scoring.score_task import ScoreTask, load_score_task
from ct_pipeline.steps.extraction import SourceAccess, resolve_source

if TYPE_CHECKING:
    from ct_pipeline.registry import ModelVersion
    from ct_pipeline.sources.iris import IrisConnection
    from ct_pipeline.tracking import Tracker


@dataclass(frozen=True)
class _Mirror:
    """Where ``iris_mirror`` writes: found before the work starts, so that a missing piece fails first."""

    driver: Any
    connection: IrisConnection


@dataclass(frozen=True)
class _Job:
    task: ScoreTask
    access: SourceAccess | None
    mirror: _Mirror | None


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Run the score task given by ``--spec``; return the process exit code."""
    return run_entry_point("python -m ct_pipeline.score", __doc__, argv, environ, execute, "the task file")


def execute(task_path: Path, events: EventEmitter, environ: Mapping[str, str]) -> int:
    """Check the task, score its rows, report the outcome as a ``result`` event and exit code."""

    def prepare() -> _Job:
        task = load_score_task(task_path, environ)
        access = resolve_source(task.source, environ) if task.source is not None else None
        return _Job(task, access, _mirror(environ) if task.iris_mirror else None)

    code, payload = run_job(
        events,
        environ,
        prepare,
        lambda job: f"{job.task.spec.pipeline}/scoring",
        lambda job, tracker: _score(job, events, tracker, environ),
    )
    if payload is not None:
        print(
            f"scored {payload['rows']} rows with {payload['model_uri']} (cache {payload['cache']}) "
            f"at {payload['rows_per_second']:.0f} rows/s",
            flush=True,
        )
    return code


def _score(job: _Job, events: EventEmitter, tracker: Tracker, environ: Mapping[str, str]) -> dict[str, Any]:
    from ct_pipeline.registry import input_columns, load_local_model, resolve_version
    from ct_pipeline.scoring.model_cache import cache_root, cached_model
    from ct_pipeline.scoring.predictions_file import check_numeric_classes, write_predictions
    from ct_pipeline.scoring.score_rows import model_input, read_rows, row_keys

    task = job.task
    version = resolve_version(task.registered_model, task.model)
    tracker.set_tags({"ct.registered_model": version.registered_model, "ct.model_version": version.version})
    with step_scope(events, Step.EXTRACTION):
        cached = cached_model(cache_root(environ), version)
        events.log("info", f"{version.model_uri} (run {version.run_id}): model cache {cached.cache}")
        model = load_local_model(cached.folder)
        columns = input_columns(cached.folder) or _fitted_columns(model)
        frame = read_rows(task, job.access)
        keys = row_keys(frame, task.key_column, task.job_id)
        features = model_input(task, frame, columns)
        events.log("info", f"{len(features)} rows to score, {len(columns)} feature columns")
    with step_scope(events, Step.EVALUATION):
        classification = task.spec.task.is_classification
        if classification:
            check_numeric_classes(model)
        began = time.perf_counter()
        inference = write_predictions(
            model,
            classification,
            features,
            keys,
            task.output,
            lambda done, total: events.progress(
                Step.EVALUATION, done / total, message=f"{done}/{total} rows"
            ),
        )
        elapsed = time.perf_counter() - began
        rows = len(features)
        figures = {"rows_per_second": rows / elapsed if rows else 0.0, "inference_seconds": inference}
        tracker.log_params({"model_version": version.version, "model_uri": version.model_uri, "rows": rows})
        tracker.log_metrics(figures)
        if job.mirror is not None:
            _mirror_to_iris(job.mirror, task, version, events)
    return {
        "status": "succeeded",
        "kind": "score",
        "rows": rows,
        "model_version": version.version,
        "model_run_id": version.run_id,
        "model_uri": version.model_uri,
        "cache": cached.cache,
        **figures,
    }


def _mirror(environ: Mapping[str, str]) -> _Mirror:
    # Imported here: a job without the mirror never loads the IRIS driver.
    from ct_pipeline.scoring.iris_mirror import load_mirror_driver, mirror_connection

    connection = mirror_connection(environ)
    return _Mirror(load_mirror_driver(), connection)


def _mirror_to_iris(mirror: _Mirror, task: ScoreTask, version: ModelVersion, events: EventEmitter) -> None:
    from ct_pipeline.scoring.iris_mirror import MirrorConstants, mirror_predictions

    constants = MirrorConstants(
        pipeline=version.registered_model,
        model_version=version.version,
        run_id=version.run_id,
        job_id=task.job_id,
        scored_at=dt.datetime.now(dt.UTC),
    )
    # Only the champion is the production model: scoring another version must not move the pointer.
    model_uri = version.model_uri if task.model == CHAMPION else None
    written = mirror_predictions(
        mirror.driver,
        mirror.connection,
        task.output,
        constants,
        model_uri,
        lambda message: events.log("info", message),
    )
    pointer = f'; ^ML.Config("ModelPath") = {model_uri}' if model_uri else ""
    events.log("info", f"{written} predictions mirrored to IRIS CT.Predictions{pointer}")


def _fitted_columns(model: Any) -> list[tuple[str, str]]:
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        raise DataError("the model records no input columns (no signature, no feature_names_in_)")
    return [(str(name), "") for name in names]


if __name__ == "__main__":
    sys.exit(main())
