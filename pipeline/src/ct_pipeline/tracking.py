"""The pipeline's one door to MLflow. Every MLflow failure leaves it as `InfrastructureError`.

One party ends a run: the one that created it. Run by the worker, the pipeline logs into the run the worker
created (``MLFLOW_RUN_ID``) and neither creates nor ends one: the worker ends it FINISHED, FAILED or KILLED
with the attempt's outcome, whatever the pipeline did. Run by hand (``ct-pipeline run``, no
``MLFLOW_RUN_ID``), no worker exists: the pipeline creates a run in an experiment named after the pipeline
and ends it itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final, Literal

import mlflow
import mlflow.sklearn
import pandas as pd
import skops.io
from mlflow.entities import Run
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient
from mlflow.utils import environment as mlflow_environment
from sklearn.pipeline import Pipeline

from ct_pipeline.errors import InfrastructureError, mlflow_call
from ct_pipeline.model_logging import RunRecord, log_sklearn_model
from ct_pipeline.run_batch import PendingBatch
from ct_pipeline.run_models import RunModels
from ct_pipeline.tracker_registry import RegistryCalls
from ct_pipeline.worker_run import join_run, leave_run

TRACKING_URI_VAR: Final = "MLFLOW_TRACKING_URI"
RUN_ID_VAR: Final = "MLFLOW_RUN_ID"
MODEL_NAME: Final = "model"
RunStatus = Literal["FINISHED", "FAILED", "KILLED"]


@contextmanager
def _no_requirement_check() -> Iterator[None]:
    """Skip MLflow's check that this environment satisfies the model's pip requirements, in the block.

    The requirements ct logs are pinned to the versions installed in this very interpreter, so the check
    cannot find a mismatch; it costs 0.15-0.2 s of every training job all the same (it maps every installed
    distribution to its modules to look the requirements up).
    """
    name = "warn_dependency_requirement_mismatches"
    original = getattr(mlflow_environment, name, None)
    if original is None:  # another MLflow: it checks, or not, as it likes (tests pin the one we know)
        yield
        return
    setattr(mlflow_environment, name, lambda *args, **kwargs: None)
    try:
        yield
    finally:
        setattr(mlflow_environment, name, original)


class Tracker(RegistryCalls):
    """Logs params, metrics and the model into one MLflow run, and reads and writes the model registry (its
    `RegistryCalls`); see `open`."""

    def __init__(self, run: Run, joined: bool = False) -> None:
        self.run_id = run.info.run_id
        self._experiment_id = run.info.experiment_id
        self._joined = joined  # the worker's run: the worker ends it
        self._ended = False
        self._pending = PendingBatch()
        self._hold(run)  # what the run held when opened: nothing, for a run the worker just created
        self._logged_elsewhere = False  # set by `logged_elsewhere`: the run must be read for what it holds
        self._registered_models: set[str] = set()  # seen in the registry by `aliases`
        self._logged_models: dict[str, Path] = {}  # model URI -> the folder its files were uploaded from
        # Models other code (an MLflow Project's entry point) logged into this run, and their downloads.
        self.run_models = RunModels(self.run_id, self._experiment_id)

    @classmethod
    def open(cls, pipeline: str, environ: Mapping[str, str] = os.environ) -> Tracker:
        """Start logging into the worker's run ``MLFLOW_RUN_ID``, or a new run of experiment ``pipeline``.

        Raises `InfrastructureError` when MLflow cannot be reached or refuses, or when ``MLFLOW_RUN_ID`` is
        set without ``MLFLOW_TRACKING_URI`` (the run would be looked up in the wrong place).
        """
        uri, run_id = environ.get(TRACKING_URI_VAR), environ.get(RUN_ID_VAR)
        if run_id and not uri:
            raise InfrastructureError(f"{RUN_ID_VAR} is set but {TRACKING_URI_VAR} is not")
        with mlflow_call(f"opening run {run_id}" if run_id else f"starting a run for {pipeline}"):
            if uri:
                mlflow.set_tracking_uri(uri)
            if run_id:
                run = join_run(run_id, environ)
            else:
                mlflow.set_experiment(pipeline)
                run = mlflow.start_run()
        return cls(run, joined=bool(run_id))

    @property
    def tracking_uri(self) -> str:
        """The tracking server's URI, for a process that logs into the same run."""
        return str(mlflow.get_tracking_uri())

    def log_params(self, params: Mapping[str, object]) -> None:
        """Log params (values become strings, None becomes ``"None"``), sent with the next `flush`."""
        self._pending.add_params(params)

    def logged_params(self) -> dict[str, str]:
        """The params logged into the run so far (sent or not), and those it held when opened."""
        return self._pending.run_params()

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Log metrics at step 0, sent with the next `flush`."""
        self._pending.add_metrics(metrics)

    def flush(self) -> None:
        """Send the pending params, metrics and tags in one request (MLflow splits one over its limits)."""
        if not self._pending:
            return
        metrics, params, tags = self._pending.take()
        with mlflow_call("logging params, metrics and tags"):
            MlflowClient().log_batch(self.run_id, metrics=metrics, params=params, tags=tags)

    def log_model(
        self, model: Pipeline | Any, example: pd.DataFrame, predictions: Any, requirements: list[str]
    ) -> str:
        """Log the fitted model with its signature, input example and pip requirements; return its URI.

        The model is stored in the skops format. Its trusted types are the ones this very model holds:
        MLflow refuses to store a model it cannot load back with them, and a loader gets the list from the
        model's own MLmodel file anyway, so listing them adds no trust that writing the model did not.
        The run's metrics become the model's with the next `flush` (`model_logging`).
        """
        folder = Path(tempfile.mkdtemp(prefix="ct-model-")) / "model"
        with mlflow_call("logging the model"), _no_requirement_check():
            trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
            uri = log_sklearn_model(
                self._run_record(),
                MODEL_NAME,
                model,
                {
                    "signature": infer_signature(example, predictions),
                    "input_example": example,
                    "serialization_format": mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
                    "skops_trusted_types": trusted,
                    "pip_requirements": [*requirements, f"skops=={version('skops')}"],
                },
                self._pending.add_linked_metrics,
                folder,
            )
        self._logged_models[uri] = folder
        return uri

    def logged_elsewhere(self) -> None:
        """Say that code other than this tracker may have logged into the run (a user's training function, an
        MLflow Project's entry point): `log_model` then reads the run for its params and metrics."""
        self._logged_elsewhere = True

    def logged_metric_names(self) -> set[str]:
        """The names of the metrics the run holds (read once after `logged_elsewhere`)."""
        return {metric.key for metric in self._run_record().metrics}

    def _run_record(self) -> RunRecord:
        if self._logged_elsewhere:
            self._hold(MlflowClient().get_run(self.run_id))
            self._logged_elsewhere = False
        pending = self._pending
        return RunRecord(self.run_id, self._experiment_id, pending.run_params(), pending.run_metrics())

    def _hold(self, run: Run) -> None:
        # RunData keeps the Metric objects (timestamp, step) behind its public key -> value dict.
        self._pending.add_held(run.data.params, getattr(run.data, "_metric_objs", []))

    def log_dict(self, data: Mapping[str, Any], artifact_file: str) -> None:
        """Log ``data`` as a JSON artifact at ``artifact_file`` (e.g. ``validation/report.json``)."""
        with mlflow_call(f"logging {artifact_file}"):
            mlflow.log_dict(dict(data), artifact_file)

    def log_figure(self, figure: Any, artifact_file: str) -> None:
        """Log a matplotlib figure as an image artifact (e.g. ``plots/confusion_matrix.png``)."""
        with mlflow_call(f"logging {artifact_file}"):
            mlflow.log_figure(figure, artifact_file)

    def log_artifact(self, local_path: str | os.PathLike[str], artifact_dir: str) -> None:
        """Log the file ``local_path`` into the run's folder ``artifact_dir`` (e.g. ``reference``)."""
        with mlflow_call(f"logging {artifact_dir}/{os.path.basename(local_path)}"):
            mlflow.log_artifact(os.fspath(local_path), artifact_path=artifact_dir)

    def log_text(self, text: str, artifact_file: str) -> None:
        """Log ``text`` as the artifact ``artifact_file`` (e.g. ``drift/report.html``)."""
        with mlflow_call(f"logging {artifact_file}"):
            mlflow.log_text(text, artifact_file)

    def set_tags(self, tags: Mapping[str, object]) -> None:
        """Set run tags (values become strings, cut to MLflow's limit), sent with the next `flush`."""
        self._pending.add_tags(tags)

    def end(self, status: RunStatus) -> None:
        """Send what is pending, then end the run as ``status`` if this process started it (by hand); the
        worker's run is only left, for the worker to end with the attempt's outcome. A failure is
        `InfrastructureError`."""
        if self._ended:
            return
        self.flush()
        self._ended = True
        self._remove_logged_models()
        if self._joined:
            leave_run(self.run_id)
            return
        with mlflow_call(f"ending the run as {status}"):
            mlflow.end_run(status)

    def end_after_failure(self, status: RunStatus, mlflow_failed: bool) -> None:
        """Like `end` after a failure, ignoring any error in doing so: the failure being reported is the one
        that matters. When MLflow itself failed, one short attempt is made: its default retries would delay
        the exit by minutes.
        """
        if self._ended:
            return
        self._ended = True
        self._remove_logged_models()
        if mlflow_failed:
            os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
            os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "5"
        with suppress(Exception):  # what the steps logged before the failure explains it: send it too
            self.flush()
        if self._joined:
            leave_run(self.run_id)
            return
        with suppress(Exception):
            mlflow.end_run(status)

    def _remove_logged_models(self) -> None:
        for folder in self._logged_models.values():
            shutil.rmtree(folder.parent, ignore_errors=True)
        self._logged_models.clear()
        self.run_models.remove()
