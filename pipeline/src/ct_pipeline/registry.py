"""The model registry and artifact downloads, for scoring and monitoring.

With `ct_pipeline.tracking` (which sets the tracking URI when it opens the run, and delegates to
`worker_run`, `model_logging` and `registration`), the only module that talks to MLflow. Every MLflow
failure leaves it as `InfrastructureError`, except a version or alias the registry does not have: that is
`InvalidInput` (a retry cannot help; the job asked for a model that is not there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ct_pipeline.aliases import CHAMPION
from ct_pipeline.errors import InvalidInput
from ct_pipeline.model_loading import load_model
from ct_pipeline.task_file import is_version_number
from ct_pipeline.tracking import mlflow_call

# Codes MLflow answers for a registered model, version or alias it does not have.
_ABSENT: Final = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


@dataclass(frozen=True)
class ModelVersion:
    """A registered model's version and the training run that produced it."""

    registered_model: str
    version: str
    run_id: str | None

    @property
    def model_uri(self) -> str:
        """The version's registry URI, ``models:/<name>/<version>``."""
        return f"models:/{self.registered_model}/{self.version}"


def resolve_version(registered_model: str, model: str) -> ModelVersion:
    """The version ``model`` names: a version number, or an alias of ``registered_model``."""
    doing = f"reading {registered_model}@{model}"
    with mlflow_call(doing):
        try:
            client = MlflowClient()
            if is_version_number(model):
                found = client.get_model_version(registered_model, model)
            else:
                found = client.get_model_version_by_alias(registered_model, model)
        except MlflowException as exc:
            if exc.error_code in _ABSENT:
                raise InvalidInput(_absent_message(registered_model, model, exc)) from exc
            raise
    return ModelVersion(registered_model, str(found.version), found.run_id or None)


def _absent_message(registered_model: str, model: str, exc: MlflowException) -> str:
    if model == CHAMPION:
        return (
            f"pipeline has no champion yet: registered model {registered_model} has no alias {CHAMPION!r} "
            f"(train and promote a model first) ({exc.message})"
        )
    what = f"version {model}" if is_version_number(model) else f"alias {model!r}"
    return f"registered model {registered_model} has no {what} ({exc.message})"


def download_model(version: ModelVersion, destination: Path) -> None:
    """Download the version's model files (``MLmodel`` and the rest) into the folder ``destination``."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bars in the job's log
    with mlflow_call(f"downloading {version.model_uri}"):
        mlflow.artifacts.download_artifacts(artifact_uri=version.model_uri, dst_path=str(destination))


def download_run_file(run_id: str, artifact_path: str, destination: Path) -> Path | None:
    """Download a file the run logged into the folder ``destination``; None when the run has no such file."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    folder = os.path.dirname(artifact_path) or None
    with mlflow_call(f"downloading {artifact_path} of run {run_id}"):
        listed = {item.path for item in MlflowClient().list_artifacts(run_id, folder)}
        if artifact_path not in listed:
            return None
        local = mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path=artifact_path, dst_path=str(destination)
        )
    return Path(local)


def load_local_model(folder: Path) -> Any:
    """Load a downloaded registered model from ``folder`` as ct calls it (`model_loading.load_model`)."""
    with mlflow_call(f"loading the model in {folder}"):
        return load_model(folder).model


def input_columns(folder: Path) -> list[tuple[str, str]] | None:
    """The downloaded model's input columns and their signature types (``double``, ``string``...).

    None when the model was logged without a signature (ct always logs one).
    """
    with mlflow_call(f"reading the signature in {folder}"):
        schema = mlflow.models.Model.load(str(folder)).get_input_schema()
    if schema is None or not schema.has_input_names():
        return None
    return [(str(column.name), str(getattr(column.type, "name", column.type))) for column in schema.inputs]
