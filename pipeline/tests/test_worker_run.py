"""Joining the worker's run: one read to open it, no read to log an artifact or end it."""

from __future__ import annotations

import uuid

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from ct_pipeline.errors import InfrastructureError
from ct_pipeline.mlflow_traffic import count_mlflow_requests
from ct_pipeline.tracking import Tracker
from ct_pipeline.worker_run import internals_known


def _worker_run(client: MlflowClient) -> str:
    experiment = client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")
    return client.create_run(experiment, tags={"ct.job_id": "job-test"}).info.run_id


def test_the_pinned_mlflow_has_the_internals_joining_relies_on() -> None:
    # Without them the tracker falls back to start_run: correct, but three requests more per job.
    assert internals_known()


def test_the_run_is_read_once_and_left_for_the_worker_to_end(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run_id = _worker_run(client)
    traffic = count_mlflow_requests()

    sut = Tracker.open("joined", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    assert mlflow.active_run() is not None and mlflow.active_run().info.run_id == run_id
    sut.log_dict({"rows": 3}, "validation/report.json")
    sut.end("FINISHED")

    assert dict(traffic.by_endpoint) == {"runs/get": 1, "artifacts:upload": 1}
    run = client.get_run(run_id)
    assert run.info.status == "RUNNING" and run.data.tags["ct.job_id"] == "job-test"
    assert mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/validation/report.json") == {"rows": 3}
    assert mlflow.active_run() is None


def test_a_run_the_worker_describes_is_not_read_at_all(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run = client.get_run(_worker_run(client))
    traffic = count_mlflow_requests()

    sut = Tracker.open(
        "joined",
        {
            "MLFLOW_TRACKING_URI": tracking_uri,
            "MLFLOW_RUN_ID": run.info.run_id,
            "CT_MLFLOW_EXPERIMENT_ID": run.info.experiment_id,
            "CT_MLFLOW_ARTIFACT_URI": run.info.artifact_uri,
        },
    )
    sut.log_dict({"rows": 4}, "validation/report.json")
    sut.log_metrics({"rows": 4})
    sut.end("FINISHED")

    assert dict(traffic.by_endpoint) == {"artifacts:upload": 1, "runs/log-batch": 1}
    assert mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/validation/report.json") == {"rows": 4}
    assert client.get_run(run.info.run_id).data.metrics == {"rows": 4.0}
    assert mlflow.active_run() is None


def test_a_deleted_run_is_refused_before_anything_is_logged(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run_id = _worker_run(client)
    client.delete_run(run_id)

    with pytest.raises(InfrastructureError, match="deleted"):
        Tracker.open("joined", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    assert mlflow.active_run() is None
