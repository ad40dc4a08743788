"""Promotion's compare-and-set: an alias that moved between model validation and promotion is not overwritten.

The steps run in this process against the real MLflow server, so that the test can move an alias between
`validate_model` and `promote`, as another run or a person's approve or promote would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from ct_pipeline.events import EventEmitter
from ct_pipeline.lineage import lineage_tags
from ct_pipeline.spec import parse_spec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.evaluation import evaluate
from ct_pipeline.steps.extraction import extract, resolve_source
from ct_pipeline.steps.model_validation import Decision, validate_model
from ct_pipeline.steps.preparation import prepare
from ct_pipeline.steps.promotion import Promotion, decision_payload, promote
from ct_pipeline.steps.training import plan_model, train
from ct_pipeline.tracking import Tracker

ENVIRON = {"CT_CODE_VERSION": "test-commit", "CT_JOB_ID": "job-cas"}


@dataclass
class Validated:
    """A run stopped between model validation and promotion."""

    ctx: StepContext
    model_uri: str
    decision: Decision
    lineage: dict[str, str]
    events: list[dict[str, Any]]

    def promote(self, model_name: str) -> tuple[Promotion, dict[str, Any]]:
        """Run the promotion step, end the run, and return the promotion and the result's ``decision``."""
        try:
            promotion = promote(self.ctx, model_name, self.model_uri, self.decision, self.lineage, ENVIRON)
        finally:
            self.ctx.tracker.end("FINISHED")
        return promotion, decision_payload(self.decision, promotion, self.ctx.spec.policy)


def ridge(alpha: float, policy: str = "auto") -> dict[str, Any]:
    return {
        "pipeline": "diabetes-ridge",
        "task": "regression",
        "data": {"source": "sklearn", "name": "diabetes"},
        "model": {"estimator": "sklearn.linear_model.Ridge", "params": {"alpha": alpha}},
        "metrics": {"primary": "rmse"},
        "promotion": {"policy": policy},
    }


@pytest.fixture
def model_name() -> str:
    return f"ct-test.cas-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def runs(tracking_uri: str) -> Iterator[list[Tracker]]:
    """The trackers a test opens; any run left open by a failing test is ended, so the next can start."""
    opened: list[Tracker] = []
    yield opened
    for tracker in opened:
        tracker.end_after_failure("FAILED", mlflow_failed=False)


def validated(tracking_uri: str, runs: list[Tracker], raw: dict[str, Any], model_name: str) -> Validated:
    """Run the steps up to model validation in a new run, as the worker's child would."""
    spec = parse_spec(raw)
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    tracker = Tracker.open(spec.pipeline, {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    runs.append(tracker)
    events: list[dict[str, Any]] = []
    emitter = EventEmitter(None)
    emitter.observe(events.append)
    ctx = StepContext(spec=spec, events=emitter, tracker=tracker)
    extracted = extract(ctx, resolve_source(spec, ENVIRON))
    split = prepare(ctx, extracted)
    model = train(ctx, split, plan_model(spec, ENVIRON))
    metrics = evaluate(ctx, model.pipeline, split)
    decision = validate_model(ctx, model_name, metrics, split)
    lineage = lineage_tags(spec.hash, extracted.fingerprint, ENVIRON)
    return Validated(ctx, model.model_uri, decision, lineage, events)


def aliases(tracking_uri: str, name: str) -> dict[str, str]:
    return {a: str(v) for a, v in MlflowClient(tracking_uri).get_registered_model(name).aliases.items()}


def another_version(tracking_uri: str, name: str, model_uri: str, alias: str) -> str:
    """Register ``model_uri`` again and point ``alias`` at it: what a concurrent run or a person does."""
    version = str(mlflow.register_model(model_uri, name).version)
    MlflowClient(tracking_uri).set_registered_model_alias(name, alias, version)
    return version


def test_auto_promotion_leaves_a_champion_that_moved_during_validation(
    tracking_uri: str, runs: list[Tracker], model_name: str
) -> None:
    first = validated(tracking_uri, runs, ridge(500.0), model_name)
    assert first.promote(model_name)[0].alias == "champion"
    better = validated(tracking_uri, runs, ridge(50.0), model_name)
    assert better.decision.won and better.decision.champion_version == "1"

    moved = another_version(tracking_uri, model_name, first.model_uri, "champion")
    promotion, payload = better.promote(model_name)

    assert (moved, promotion.version, promotion.alias) == ("2", "3", None)
    assert aliases(tracking_uri, model_name) == {"champion": "2"}
    expected = "champion changed from v1 to v2 during validation; v3 registered but not promoted"
    assert payload["promoted"] is False and payload["alias"] is None and payload["outcome"] == "promote"
    assert payload["reason"].startswith(f"{expected}; validation: rmse ")
    assert payload["alias_conflict"] == {"alias": "champion", "expected": "1", "found": "2"}
    warnings = [e["message"] for e in better.events if e["type"] == "log" and e["level"] == "warning"]
    assert warnings == [f"{model_name}: {expected}"]
    client = MlflowClient(tracking_uri)
    assert client.get_model_version(model_name, "3").tags["ct.promotion_conflict"] == expected
    assert client.get_run(better.ctx.tracker.run_id).data.tags["ct.promotion_conflict"] == expected


def test_auto_promotion_leaves_a_champion_set_while_the_first_model_was_validated(
    tracking_uri: str, runs: list[Tracker], model_name: str
) -> None:
    first = validated(tracking_uri, runs, ridge(1.0), model_name)
    assert first.decision.won and first.decision.aliases_seen == {}

    another_version(tracking_uri, model_name, first.model_uri, "champion")
    promotion, payload = first.promote(model_name)

    assert (promotion.version, promotion.alias) == ("2", None)
    assert aliases(tracking_uri, model_name) == {"champion": "1"}
    assert payload["alias_conflict"] == {"alias": "champion", "expected": None, "found": "1"}
    assert payload["reason"].startswith("champion was set to v1 during validation (there was none); ")


def test_manual_promotion_leaves_a_challenger_that_moved_during_validation(
    tracking_uri: str, runs: list[Tracker], model_name: str
) -> None:
    first = validated(tracking_uri, runs, ridge(500.0), model_name)
    assert first.promote(model_name)[0].alias == "champion"
    candidate = validated(tracking_uri, runs, ridge(50.0, policy="manual"), model_name)
    assert candidate.decision.won

    another_version(tracking_uri, model_name, first.model_uri, "challenger")
    promotion, payload = candidate.promote(model_name)

    assert promotion.alias is None and not payload["promoted"]
    assert aliases(tracking_uri, model_name) == {"champion": "1", "challenger": "2"}
    assert payload["alias_conflict"] == {"alias": "challenger", "expected": None, "found": "2"}


def test_manual_promotion_with_unmoved_aliases_replaces_the_challenger(
    tracking_uri: str, runs: list[Tracker], model_name: str
) -> None:
    first = validated(tracking_uri, runs, ridge(500.0), model_name)
    first.promote(model_name)
    another_version(tracking_uri, model_name, first.model_uri, "challenger")
    candidate = validated(tracking_uri, runs, ridge(50.0, policy="manual"), model_name)

    promotion, payload = candidate.promote(model_name)

    assert (promotion.version, promotion.alias, payload["alias_conflict"]) == ("3", "challenger", None)
    assert aliases(tracking_uri, model_name) == {"champion": "1", "challenger": "3"}
