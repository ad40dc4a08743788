"""Logging the fitted model as an MLflow 3 logged model, with the requests it needs and no more.

``mlflow.sklearn.log_model`` makes what ct logs (a logged model of the run, READY, with the run's params,
linked to the run and to the run's step-0 metrics, its files uploaded) in ~15 requests: it reads the run
twice, reads the history of every metric one request each to link the metrics to the model, and reads
the logged model back before uploading its files. Here the run is not read: the caller knows its
experiment and what it holds (`RunRecord`: the params and metrics the pipeline logged into it). The
metrics are linked in the run's next ``log-batch`` (sent with what the other steps log), and the files go
straight to the location the model was created with: 3 requests (create the model, link it to the run,
mark it READY) besides the file uploads.

The model's files are the ones ``mlflow.sklearn.save_model`` writes, so the model loads as before from
``models:/<model id>``, ``runs:/<run id>/model`` and ``models:/<name>/<version>``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import mlflow
import mlflow.sklearn
from mlflow.entities import LoggedModelOutput, LoggedModelStatus, Metric
from mlflow.models import Model
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from mlflow.tracking import MlflowClient

STEP: Final = 0  # the step log_model links: ct logs every metric at step 0


@dataclass(frozen=True)
class RunRecord:
    """A run as its logger knows it: its experiment, and the params and (latest) metrics it holds."""

    run_id: str
    experiment_id: str
    params: Mapping[str, str]
    metrics: list[Metric]


def log_sklearn_model(
    run: RunRecord,
    name: str,
    model: Any,
    save_options: Mapping[str, Any],
    link_metrics: Callable[[list[Metric]], None],
    folder: Path,
) -> str:
    """Log ``model`` as logged model ``name`` of ``run``; return its URI ``models:/<model id>``.

    The model gets the run's params; its step-0 metrics are linked to the model.

    The model's files are saved into ``folder`` (which must not exist) and uploaded from there; they are left
    there for the caller. ``save_options`` are `mlflow.sklearn.save_model`'s (signature, input example,
    requirements...).
    ``link_metrics`` receives the run's step-0 metrics, tagged with the model's id, for the run's next
    ``log-batch``: sent, they make them the model's metrics too.
    """
    client = MlflowClient()
    run_id = run.run_id
    logged = mlflow.initialize_logged_model(
        name=name, source_run_id=run_id, params=dict(run.params), experiment_id=run.experiment_id
    )
    try:
        client.log_outputs(run_id, [LoggedModelOutput(logged.model_id, step=STEP)])
        saved_as = Model(
            artifact_path=logged.artifact_location,
            model_uuid=logged.model_id,
            run_id=run_id,
            model_id=logged.model_id,
        )
        mlflow.sklearn.save_model(model, str(folder), mlflow_model=saved_as, **save_options)
        for cache in folder.rglob("__pycache__"):  # save_model may import the model's code
            shutil.rmtree(cache, ignore_errors=True)
        store = get_artifact_repository(logged.artifact_location, tracking_uri=mlflow.get_tracking_uri())
        store.log_artifacts(str(folder))
    except BaseException:
        client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
        raise
    client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    link_metrics(linked_metrics(run.metrics, logged.model_id))
    return f"models:/{logged.model_id}"


def linked_metrics(metrics: list[Metric], model_id: str) -> list[Metric]:
    """The step-0 metrics among ``metrics`` (a run's latest values), as the model ``model_id``'s."""
    return [
        Metric(
            m.key,
            m.value,
            m.timestamp,
            m.step,
            model_id=model_id,
            dataset_name=m.dataset_name,
            dataset_digest=m.dataset_digest,
            run_id=m.run_id,
        )
        for m in metrics
        if m.step == STEP and m.model_id is None
    ]
