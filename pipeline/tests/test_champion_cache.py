"""The champion is re-evaluated from the worker's model cache: an unchanged champion is not downloaded again,
and a version this worker registered is not downloaded at all.

The steps run in this process against the real MLflow server; the MLflow requests of each model validation
are counted as the job counts them (`ct_pipeline.mlflow_traffic`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow.artifacts
import pytest
from mlflow.tracking import MlflowClient

from ct_pipeline.events import EventEmitter
from ct_pipeline.lineage import lineage_tags
from ct_pipeline.mlflow_traffic import MlflowTraffic, count_mlflow_requests
from ct_pipeline.spec import parse_spec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.evaluation import evaluate
from ct_pipeline.steps.extraction import extract, resolve_source
from ct_pipeline.steps.model_validation import Decision, validate_model
from ct_pipeline.steps.preparation import prepare
from ct_pipeline.steps.promotion import promote
from ct_pipeline.steps.training import plan_model, train
from ct_pipeline.tracking import Tracker

SPEC = parse_spec(
    {
        "pipeline": "diabetes-ridge",
        "task": "regression",
        "data": {"source": "sklearn", "name": "diabetes"},
        "model": {"estimator": "sklearn.linear_model.Ridge", "params": {"alpha": 0.5}},
        "metrics": {"primary": "rmse"},
    }
)


@pytest.fixture
def runs(tracking_uri: str) -> Iterator[list[Tracker]]:
    """The trackers a test opens; any run left open by a failing test is ended."""
    opened: list[Tracker] = []
    yield opened
    for tracker in opened:
        tracker.end_after_failure("FAILED", mlflow_failed=False)


def job(
    tracking_uri: str, runs: list[Tracker], model_name: str, environ: dict[str, str]
) -> tuple[Decision, MlflowTraffic, list[str]]:
    """A whole job in this process: its decision, the requests of its model validation, its log lines."""
    client = MlflowClient(tracking_uri)
    run_id = client.create_run(client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")).info.run_id
    tracker = Tracker.open(SPEC.pipeline, {"MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_RUN_ID": run_id})
    runs.append(tracker)
    events: list[dict[str, Any]] = []
    emitter = EventEmitter(None)
    emitter.observe(events.append)
    ctx = StepContext(spec=SPEC, events=emitter, tracker=tracker)
    extracted = extract(ctx, resolve_source(SPEC, environ))
    split = prepare(ctx, extracted)
    model = train(ctx, split, plan_model(SPEC, environ))
    metrics = evaluate(ctx, model.pipeline, split)
    traffic = count_mlflow_requests()
    decision = validate_model(ctx, model_name, metrics, split, environ)
    lineage = lineage_tags(SPEC.hash, extracted.fingerprint, environ)
    promote(ctx, model_name, model.model_uri, decision, lineage, environ)
    tracker.end("FINISHED")
    return decision, traffic, [e["message"] for e in events if e["type"] == "log"]


def fresh_model(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A registered model no other test uses, and the environment of jobs caching models in ``tmp_path``."""
    environ = {"CT_CODE_VERSION": "test-commit", "CT_MODEL_CACHE_DIR": str(tmp_path / "cache")}
    return f"ct-test.cache-{uuid.uuid4().hex[:10]}", environ


def test_an_unchanged_champion_is_downloaded_once_then_read_from_the_cache(
    tracking_uri: str, runs: list[Tracker], tmp_path: Path
) -> None:
    model_name, environ = fresh_model(tmp_path)

    first, _, _ = job(tracking_uri, runs, model_name, environ)
    shutil.rmtree(tmp_path / "cache" / model_name)  # as on another worker than the one that trained v1
    missed, miss_traffic, miss_lines = job(tracking_uri, runs, model_name, environ)
    hit, hit_traffic, hit_lines = job(tracking_uri, runs, model_name, environ)

    assert first.won and first.champion is None
    assert missed.champion_version == hit.champion_version == "1"
    assert hit.champion == missed.champion and hit.champion is not None
    assert "champion v1 loaded (model cache miss)" in miss_lines
    assert "champion v1 loaded (model cache hit)" in hit_lines
    assert miss_traffic.by_endpoint["artifacts:download"] >= 2  # MLmodel and the model file at least
    assert "artifacts:download" not in hit_traffic.by_endpoint
    assert (tmp_path / "cache" / model_name / "1" / "MLmodel").is_file()


def test_a_version_registered_here_is_cached_as_its_download_would_be(
    tracking_uri: str, runs: list[Tracker], tmp_path: Path
) -> None:
    model_name, environ = fresh_model(tmp_path)

    first, _, _ = job(tracking_uri, runs, model_name, environ)
    kept = tmp_path / "cache" / model_name / "1"
    judged, traffic, lines = job(tracking_uri, runs, model_name, environ)

    assert first.won and judged.champion_version == "1"
    assert "champion v1 loaded (model cache hit)" in lines
    assert "artifacts:download" not in traffic.by_endpoint
    # The same files, byte for byte, as a worker that did not train v1 downloads from the registry.
    down = Path(mlflow.artifacts.download_artifacts(f"models:/{model_name}/1", dst_path=str(tmp_path / "d")))
    files = sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file())
    assert "MLmodel" in files
    assert files == sorted(p.relative_to(down).as_posix() for p in down.rglob("*") if p.is_file())
    assert all((kept / f).read_bytes() == (down / f).read_bytes() for f in files)
