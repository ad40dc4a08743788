"""The tracker's pending batch: what the steps log goes in one log-batch, before the fit and at the end."""

from __future__ import annotations

import uuid

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from ct_pipeline.mlflow_traffic import count_mlflow_requests
from ct_pipeline.run_batch import MAX_PARAM_LENGTH, MAX_TAG_LENGTH, PendingBatch
from ct_pipeline.tracking import Tracker


def test_a_later_value_of_a_key_wins_and_take_empties_the_batch() -> None:
    sut = PendingBatch()
    sut.add_params({"alpha": 0.5, "solver": None})
    sut.add_params({"alpha": 1})
    sut.add_metrics({"rows": 442})
    sut.add_tags({"ct.decision": "x" * (MAX_TAG_LENGTH + 10)})

    metrics, params, tags = sut.take()

    assert {(p.key, p.value) for p in params} == {("alpha", "1"), ("solver", "None")}
    assert [(m.key, m.value, m.step) for m in metrics] == [("rows", 442.0, 0)]
    assert len(tags[0].value) == MAX_TAG_LENGTH
    assert not sut and sut.take() == ([], [], [])


def test_the_batch_remembers_what_the_run_holds_after_it_is_sent() -> None:
    sut = PendingBatch()
    sut.add_held({"user.alpha": "0.5"}, [Metric("user.loss", 0.25, 1000, 0)])
    sut.add_params({"steps": "x" * (MAX_PARAM_LENGTH + 10)})
    sut.add_metrics({"rows": 442})
    metrics, params, _tags = sut.take()
    sut.add_metrics({"rows": 440})

    assert len(params[0].value) == MAX_PARAM_LENGTH  # MLflow refuses a longer value
    assert [p.key for p in params] == ["steps"] and [m.key for m in metrics] == ["rows"]  # held: not sent
    assert sut.run_params() == {"user.alpha": "0.5", "steps": "x" * MAX_PARAM_LENGTH}
    assert sorted((m.key, m.value) for m in sut.run_metrics()) == [("rows", 440.0), ("user.loss", 0.25)]


def test_values_logged_by_several_steps_reach_the_run_in_one_request(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    sut = Tracker.open("batch", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    traffic = count_mlflow_requests()
    sut.set_tags({"ct.spec_hash": "abc"})
    sut.log_params({"split.seed": 42})
    sut.log_metrics({"rows": 442, "rows.train": 353})
    sut.log_params({"task": "regression"})
    sut.end("FINISHED")

    run = client.get_run(run_id)
    assert traffic.by_endpoint["runs/log-batch"] == 1
    assert run.data.params == {"split.seed": "42", "task": "regression"}
    assert run.data.metrics == {"rows": 442.0, "rows.train": 353.0}
    # The worker's run: the worker ends it with the attempt's outcome, not the pipeline.
    assert run.data.tags["ct.spec_hash"] == "abc" and run.info.status == "RUNNING"


def test_a_failed_run_still_gets_what_its_steps_logged(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    sut = Tracker.open("batch", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    sut.log_metrics({"rows": 12})
    sut.set_tags({"ct.validation": "failed"})

    sut.end_after_failure("FAILED", mlflow_failed=False)

    run = client.get_run(run_id)
    assert run.data.metrics == {"rows": 12.0} and run.data.tags["ct.validation"] == "failed"
    assert run.info.status == "RUNNING"  # left for the worker to end


def test_a_run_started_by_hand_is_ended_by_the_pipeline(tracking_uri: str) -> None:
    sut = Tracker.open(f"ct-test-{uuid.uuid4().hex[:12]}", {"MLFLOW_TRACKING_URI": tracking_uri})
    sut.log_metrics({"rows": 3})
    sut.end_after_failure("FAILED", mlflow_failed=False)

    run = MlflowClient(tracking_uri).get_run(sut.run_id)
    assert run.info.status == "FAILED" and run.data.metrics == {"rows": 3.0}
