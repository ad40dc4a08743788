"""Joining the run the worker created, with one MLflow request at most instead of ``start_run``'s three.

``mlflow.start_run(run_id=...)`` reads the run, writes its status back as RUNNING (the worker created it
RUNNING) and reads it again; the first artifact logged reads it once more for its artifact location, and
ending the run reads it yet again to print its URL. The pipeline makes the run the active run of MLflow's
fluent API (autologging and ``mlflow.log_*`` log into it) and keeps its artifact store ready, reading the
run once, or not at all when the worker says where it is (its experiment and artifact store, known from
creating it: ``CT_MLFLOW_EXPERIMENT_ID`` and ``CT_MLFLOW_ARTIFACT_URI``). It leaves the run without ending
it: the worker, which created it, ends it with the attempt's outcome (one party ends a run; the pipeline
cannot know whether its attempt will be retried or cancelled).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

import mlflow
from mlflow.entities import Run, RunData, RunInfo, RunStatus
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from mlflow.tracking import MlflowClient
from mlflow.tracking import fluent as mlflow_fluent
from mlflow.tracking._tracking_service import utils as tracking_utils

# MLflow reads the run again only to print its URL when the run ends; the worker's job log has the run id.
SUPPRESS_URL_VAR: Final = "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"
EXPERIMENT_ID_VAR: Final = "CT_MLFLOW_EXPERIMENT_ID"
ARTIFACT_URI_VAR: Final = "CT_MLFLOW_ARTIFACT_URI"


def join_run(run_id: str, environ: Mapping[str, str] = os.environ) -> Run:
    """Make the existing run ``run_id`` the active run of this process; return it.

    The run is read once, unless ``environ`` says where it is (`told_run`). An MLflow without the internals
    this relies on (`internals_known`) is refused: joined with ``start_run``, the run could not be left
    without ending it (MLflow ends the active run when the process exits), and the worker ends it.
    """
    os.environ.setdefault(SUPPRESS_URL_VAR, "true")
    if not internals_known():
        raise MlflowException("this MLflow cannot join the worker's run without ending it (internals)")
    run = told_run(run_id, environ) or MlflowClient().get_run(run_id)
    if run.info.lifecycle_stage == "deleted":  # start_run refuses it too: nothing may be logged into it
        raise MlflowException(f"Cannot log into run {run_id}: it is in the deleted state.")
    stack: Any = mlflow_fluent._active_run_stack.get()
    if stack:
        raise MlflowException(f"Run {stack[-1].info.run_id} is already active in this process.")
    stack.append(mlflow_fluent.ActiveRun(run))
    # The artifact store MLflow would look up with another read of the run on the first artifact logged.
    tracking_utils._artifact_repos_cache[run_id] = get_artifact_repository(
        run.info.artifact_uri, tracking_uri=mlflow.get_tracking_uri()
    )
    return run


def told_run(run_id: str, environ: Mapping[str, str]) -> Run | None:
    """The run as the worker that just created it describes it (RUNNING, no data yet), or None if it did not.

    What joining needs of a run is its id, experiment and artifact location; what the run holds (its
    params, metrics and tags) is read where it is needed (`model_logging`).
    """
    experiment_id, artifact_uri = environ.get(EXPERIMENT_ID_VAR), environ.get(ARTIFACT_URI_VAR)
    if not experiment_id or not artifact_uri:
        return None
    info = RunInfo(
        run_id=run_id,
        experiment_id=experiment_id,
        user_id="",
        status=RunStatus.to_string(RunStatus.RUNNING),
        start_time=0,
        end_time=None,
        lifecycle_stage="active",
        artifact_uri=artifact_uri,
    )
    return Run(info, RunData())


def leave_run(run_id: str) -> None:
    """Stop logging into the joined run ``run_id`` without ending it; nothing if it is not the active run.

    MLflow would otherwise end the active run when the process exits.
    """
    stack: Any = mlflow_fluent._active_run_stack.get()
    if stack and stack[-1].info.run_id == run_id:
        stack.pop()


def internals_known() -> bool:
    """Whether this MLflow has the active-run stack and artifact store cache `join_run` fills."""
    stack = getattr(mlflow_fluent, "_active_run_stack", None)
    return (
        callable(getattr(stack, "get", None))
        and hasattr(mlflow_fluent, "ActiveRun")
        and isinstance(getattr(tracking_utils, "_artifact_repos_cache", None), dict)
    )
