"""Registering versions and moving aliases: one request each once the registered model is known."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from ct_pipeline.mlflow_traffic import count_mlflow_requests
from ct_pipeline.tracking import Tracker


@pytest.fixture
def tracker(tracking_uri: str) -> Iterator[Tracker]:
    """A tracker on a fresh worker run, ended after the test."""
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    opened = Tracker.open("registration", {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    yield opened
    opened.end_after_failure("FAILED", mlflow_failed=False)


def logged_model(tracker: Tracker) -> str:
    x = pd.DataFrame({"a": np.arange(12.0)})
    model = Pipeline([("model", Ridge())]).fit(x, x["a"] * 3)
    return tracker.log_model(model, x.head(2), model.predict(x.head(2)), [])


@pytest.mark.parametrize(
    ("seen", "deleted_since", "requests"),
    [
        (False, False, {"registered-models/create": 1, "model-versions/create": 1}),
        (True, False, {"model-versions/create": 1}),
        # Seen by validation, deleted before promotion: registered in a model created again.
        (True, True, {"model-versions/create": 2, "registered-models/create": 1}),
    ],
)
def test_a_version_is_registered_with_its_tags_and_linked_to_its_logged_model(
    tracker: Tracker, tracking_uri: str, seen: bool, deleted_since: bool, requests: dict[str, int]
) -> None:
    client = MlflowClient(tracking_uri)
    name = f"ct-test.registration-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    if seen:
        assert tracker.aliases(name) == {}
    if deleted_since:
        client.delete_registered_model(name)
    model_uri = logged_model(tracker)
    traffic = count_mlflow_requests()

    version = tracker.register(model_uri, name, {"ct.decision": "promote", "metric.rmse": 1.5})

    assert dict(traffic.by_endpoint) == requests
    registered = client.get_model_version(name, version)
    assert registered.source == model_uri and registered.run_id == tracker.run_id
    assert registered.tags == {"ct.decision": "promote", "metric.rmse": "1.5"}
    tag = client.get_logged_model(model_uri.removeprefix("models:/")).tags["mlflow.modelVersions"]
    assert name in tag


def test_an_alias_is_moved_in_one_request(tracker: Tracker, tracking_uri: str) -> None:
    name = f"ct-test.registration-{uuid.uuid4().hex[:8]}"
    version = tracker.register(logged_model(tracker), name, {})
    traffic = count_mlflow_requests()

    tracker.set_alias(name, "champion", version)

    assert dict(traffic.by_endpoint) == {"registered-models/alias": 1}
    assert tracker.aliases(name) == {"champion": version}
