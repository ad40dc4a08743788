"""Logging the model: a READY logged model of the run, with its params and metrics, in 3 requests."""

from __future__ import annotations

import uuid

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.entities import LoggedModelStatus, Metric
from mlflow.tracking import MlflowClient
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from ct_pipeline.mlflow_traffic import count_mlflow_requests
from ct_pipeline.model_logging import linked_metrics
from ct_pipeline.tracking import MODEL_NAME, Tracker


@pytest.mark.parametrize(
    ("metric", "linked"),
    [
        (Metric("rows", 442.0, 1000, 0), True),
        (Metric("loss", 0.5, 1000, 3), False),  # another step: MLflow links only the model's step
        (Metric("rmse", 1.0, 1000, 0, model_id="m-other"), False),  # another model's already
    ],
)
def test_the_run_s_step_0_metrics_are_linked_to_the_model(metric: Metric, linked: bool) -> None:
    sut = linked_metrics([metric], "m-1")

    assert [(m.key, m.value, m.timestamp, m.model_id) for m in sut] == (
        [(metric.key, metric.value, metric.timestamp, "m-1")] if linked else []
    )


def test_the_model_is_logged_ready_with_the_run_s_params_and_metrics(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    client.log_param(run_id, "held", "before")  # in the run when the tracker joins it (read then)
    sut = Tracker.open("logging", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    x, model = _fitted()
    sut.log_params({"model.alpha": 0.5})
    sut.log_metrics({"data.rows": 20})
    sut.flush()
    sut.log_metrics({"training_r2": 0.9})  # not sent yet: linked in the same batch that sends it
    traffic = count_mlflow_requests()

    uri = sut.log_model(model, x.head(3), model.predict(x.head(3)), [])
    requests = dict(traffic.by_endpoint)
    sut.end("FINISHED")

    # The run is not read: the tracker knows what it holds.
    assert {k: n for k, n in requests.items() if k != "artifacts:upload"} == {
        "logged-models": 1,
        "runs/outputs": 1,
        "logged-models/:id": 1,
    }
    model_id = uri.removeprefix("models:/")
    logged = client.get_logged_model(model_id)
    assert logged.status == LoggedModelStatus.READY and logged.name == MODEL_NAME
    assert logged.source_run_id == run_id and logged.params == {"model.alpha": "0.5", "held": "before"}
    assert sorted((m.key, m.value) for m in logged.metrics) == [("data.rows", 20.0), ("training_r2", 0.9)]
    assert client.get_run(run_id).data.metrics == {"data.rows": 20.0, "training_r2": 0.9}
    assert [o.model_id for o in client.get_run(run_id).outputs.model_outputs] == [model_id]
    for where in (uri, f"runs:/{run_id}/{MODEL_NAME}"):
        loaded = mlflow.sklearn.load_model(where)
        assert np.allclose(loaded.predict(x), model.predict(x)), where


def test_after_code_that_logs_by_itself_the_run_is_read_for_what_it_logged(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    sut = Tracker.open("logging", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    x, model = _fitted()
    sut.log_params({"model.kind": "custom"})
    sut.flush()
    sut.logged_elsewhere()
    mlflow.log_param("user.alpha", 0.5)  # a user's training function, into the active run
    mlflow.log_metric("user.loss", 0.25)
    traffic = count_mlflow_requests()

    uri = sut.log_model(model, x.head(3), model.predict(x.head(3)), [])
    requests = dict(traffic.by_endpoint)
    sut.end("FINISHED")

    assert requests["runs/get"] == 1
    logged = client.get_logged_model(uri.removeprefix("models:/"))
    assert logged.params == {"model.kind": "custom", "user.alpha": "0.5"}
    assert [(m.key, m.value) for m in logged.metrics] == [("user.loss", 0.25)]


def _fitted() -> tuple[pd.DataFrame, Pipeline]:
    x = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    return x, Pipeline([("model", Ridge(alpha=0.5))]).fit(x, x["a"] * 2 + x["b"])
