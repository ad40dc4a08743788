"""The count of a job's MLflow requests: endpoints named as the P5 benchmark's proxy names them, by step."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from ct_pipeline.mlflow_traffic import MlflowTraffic, count_mlflow_requests, endpoint_of

BASE = "http://127.0.0.1:5050"
RUN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("POST", f"{BASE}/api/2.0/mlflow/runs/log-batch", "runs/log-batch"),
        ("GET", f"{BASE}/api/2.0/mlflow/runs/get?run_id={RUN}", "runs/get"),
        ("GET", f"{BASE}/ajax-api/2.0/mlflow/metrics/get-history?run_id=x", "metrics/get-history"),
        ("GET", f"{BASE}/api/3.0/mlflow/server-info", "server-info"),
        ("GET", f"{BASE}/api/2.0/mlflow/logged-models/m-{RUN}", "logged-models/:id"),
        ("PATCH", f"{BASE}/api/2.0/mlflow/logged-models/m-{RUN}/", "logged-models/:id"),
        ("PATCH", f"{BASE}/api/2.0/mlflow/logged-models/m-{RUN}/tags", "logged-models/:id/tags"),
        ("PUT", f"{BASE}/api/2.0/mlflow-artifacts/artifacts/1/{RUN}/artifacts/a.json", "artifacts:upload"),
        (
            "GET",
            f"{BASE}/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/MLmodel",
            "artifacts:download",
        ),
        ("GET", f"{BASE}/api/2.0/mlflow-artifacts/artifacts?path=1%2Fmodels", "artifacts:list"),
        ("GET", f"{BASE}/api/2.0/mlflow-artifacts/artifacts", "artifacts:list"),
        ("GET", f"{BASE}/health", None),
        ("GET", "http://iris.example:52773/api/atelier/", None),
    ],
)
def test_endpoint_of_names_mlflow_requests_only(method: str, url: str, expected: str | None) -> None:
    assert endpoint_of(method, url) == expected


def test_requests_count_towards_the_step_under_way_and_transfers_apart() -> None:
    sut = MlflowTraffic()
    sut.record("GET", f"{BASE}/api/2.0/mlflow/runs/get")
    sut.observe({"type": "step.started", "step": "training"})
    sut.record("POST", f"{BASE}/api/2.0/mlflow/runs/log-batch")
    sut.record("PUT", f"{BASE}/api/2.0/mlflow-artifacts/artifacts/1/x/model.skops")
    sut.record("GET", f"{BASE}/health")
    sut.observe({"type": "step.finished", "step": "training"})
    sut.record("POST", f"{BASE}/api/2.0/mlflow/runs/update")

    assert (sut.total, sut.transfers) == (4, 1)
    assert dict(sut.by_step) == {"setup": 1, "training": 2, "end": 1}
    assert sut.summary() == (
        "MLflow: 4 requests (1 artifact transfers); runs/get 1, runs/log-batch 1, artifacts:upload 1, "
        "runs/update 1; by step: setup 1, training 2, end 1"
    )


def test_a_new_count_sees_only_the_requests_made_after_it(tracking_uri: str, worker_run: str) -> None:
    client = MlflowClient(tracking_uri)
    first = count_mlflow_requests()
    client.get_run(worker_run)
    sut = count_mlflow_requests()
    client.get_run(worker_run)
    client.set_tag(worker_run, "ct.test", "x")

    assert first.by_endpoint == {"runs/get": 1}
    assert sut.by_endpoint == {"runs/get": 1, "runs/set-tag": 1}
