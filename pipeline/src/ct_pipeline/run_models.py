"""The models other code logged into a run (an MLflow Project's entry point), found and loaded for ct.

A stock MLflow Project logs its model itself (autologging or ``log_model``) instead of handing it to ct: the
training step takes that logged model (`steps.training`), loaded here for evaluation in this process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import mlflow
from mlflow.entities import LoggedModel, LoggedModelStatus
from mlflow.tracking import MlflowClient

from ct_pipeline.errors import TrainingError, mlflow_call
from ct_pipeline.model_loading import LoadedModel, load_model


class RunModels:
    """The logged models whose source run is ``run_id``, and the folders of those loaded (until `remove`)."""

    def __init__(self, run_id: str, experiment_id: str) -> None:
        self.run_id = run_id
        self.experiment_id = experiment_id
        self._ids: set[str] = set()  # found by `logged`: the only ones `load` accepts
        self._downloads: list[Path] = []

    def logged(self) -> list[tuple[str, str]]:
        """``(model id, name)`` of the READY logged models whose source run is this run, oldest first.

        Called before the tracker logs a model of its own: they are the models other code (an MLflow
        Project's entry point) logged into the run.
        """
        client = MlflowClient()
        found: list[LoggedModel] = []
        token: str | None = None
        with mlflow_call("listing the models logged into the run"):
            while True:
                page = client.search_logged_models(
                    experiment_ids=[self.experiment_id],
                    filter_string=f"source_run_id = '{self.run_id}'",
                    order_by=[{"field_name": "creation_time", "ascending": True}],
                    page_token=token,
                )
                found += [
                    m for m in page if m.status == LoggedModelStatus.READY and m.source_run_id == self.run_id
                ]
                token = page.token
                if not token:
                    break
        self._ids.update(model.model_id for model in found)
        return [(model.model_id, model.name) for model in found]

    def load(self, model_id: str) -> LoadedModel:
        """Load logged model ``model_id``, one `logged` returned, for evaluation in this process.

        As `model_loading.load_model` loads any model ct uses: deserialising is allowed because this very run
        logged the model. Its files stay on disk until `remove`. A download failure is `InfrastructureError`;
        a model that does not load here is `TrainingError`.
        """
        if model_id not in self._ids:
            raise ValueError(f"models:/{model_id} is not a model logged into run {self.run_id}")
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bars in the job's log
        download = Path(tempfile.mkdtemp(prefix="ct-run-model-"))
        self._downloads.append(download)
        with mlflow_call(f"downloading models:/{model_id}"):
            folder = mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{model_id}", dst_path=str(download)
            )
        try:
            return load_model(folder)
        except Exception as exc:
            raise TrainingError(
                f"the logged model models:/{model_id} does not load here: {type(exc).__name__}: {exc}"
            ) from exc

    def remove(self) -> None:
        """Remove the downloaded models' files."""
        for download in self._downloads:
            shutil.rmtree(download, ignore_errors=True)
        self._downloads.clear()
