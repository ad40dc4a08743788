"""Score jobs end to end: ``python -m ct_pipeline.score`` as the worker runs it, against a real champion."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from champions import (
    LABEL_SPEC,
    LINE_SPEC,
    Champion,
    labelled_points,
    line_points,
    new_run,
    run_task,
    score_task,
    train_champion,
)
from child import Finished
from mlflow.tracking import MlflowClient

from ct_pipeline import score
from ct_pipeline.events import EventEmitter


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory, tracking_uri: str) -> Champion:
    folder = tmp_path_factory.mktemp("line")
    return train_champion(folder, tracking_uri, LINE_SPEC, line_points(60, seed=1), "points.csv")


@pytest.fixture(scope="module")
def labels(tmp_path_factory: pytest.TempPathFactory, tracking_uri: str) -> Champion:
    folder = tmp_path_factory.mktemp("labels")
    return train_champion(folder, tracking_uri, LABEL_SPEC, labelled_points(80, seed=2), "labels.csv")


def run_score(tmp: Path, champion: Champion, uri: str, cache: Path, **fields: Any) -> tuple[Finished, str]:
    exchange = tmp / "exchange"
    run_id = new_run(uri, "score")
    task = score_task(champion, exchange, **fields)
    return run_task("ct_pipeline.score", exchange, task, uri, run_id, champion.data_root, cache), run_id


def read_predictions(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def champion_model(champion: Champion) -> Any:
    return mlflow.sklearn.load_model(f"models:/{champion.registered_model}/{champion.version}")


def test_predictions_are_the_champions_own(tmp_path: Path, tracking_uri: str, line: Champion) -> None:
    done, run_id = run_score(tmp_path, line, tracking_uri, tmp_path / "cache")

    assert done.returncode == 0, done.stderr
    result = done.result
    assert result == {
        "status": "succeeded",
        "kind": "score",
        "rows": 60,
        "model_version": line.version,
        "model_run_id": line.run_id,
        "model_uri": f"models:/{line.registered_model}/{line.version}",
        "cache": "miss",
        "inference_seconds": result["inference_seconds"],
        "rows_per_second": result["rows_per_second"],
    }
    assert result["inference_seconds"] > 0 and result["rows_per_second"] > 0
    assert [e["step"] for e in done.of_type("step.finished")] == ["extraction", "evaluation"]
    assert done.of_type("progress")[-1]["fraction"] == 1

    stored = read_predictions(tmp_path / "exchange" / "predictions.csv")
    expected = champion_model(line).predict(line.frame[["x1", "x2"]])
    assert [row["row_key"] for row in stored] == line.frame["id"].tolist()
    assert [float(row["prediction"]) for row in stored] == expected.tolist()
    first = stored[0]
    assert first["probabilities"] == ""
    assert json.loads(first["features"]) == {"x1": line.frame["x1"][0], "x2": line.frame["x2"][0]}
    assert first["features"] == json.dumps(
        json.loads(first["features"]), sort_keys=True, separators=(",", ":")
    )
    assert first["features_hash"] == hashlib.sha256(first["features"].encode()).hexdigest()
    assert float(first["inference_us"]) > 0

    run = MlflowClient(tracking_uri).get_run(run_id)
    assert run.data.params["model_version"] == line.version and run.data.params["rows"] == "60"
    assert run.data.params["model_uri"] == result["model_uri"]
    assert run.data.metrics["rows_per_second"] == pytest.approx(result["rows_per_second"])
    assert run.data.metrics["inference_seconds"] == pytest.approx(result["inference_seconds"])


def test_a_second_scoring_of_the_version_does_not_download_it(
    tmp_path: Path, tracking_uri: str, line: Champion, monkeypatch: pytest.MonkeyPatch
) -> None:
    downloads: list[str | None] = []
    real_download = mlflow.artifacts.download_artifacts

    def counted(*args: Any, **kwargs: Any) -> str:
        downloads.append(kwargs.get("artifact_uri"))
        return real_download(*args, **kwargs)

    monkeypatch.setattr(mlflow.artifacts, "download_artifacts", counted)
    task_path = tmp_path / "task.json"
    task_path.write_text(json.dumps(score_task(line, tmp_path)), encoding="utf-8")
    payloads = []
    for _ in range(2):
        environ = {
            "MLFLOW_TRACKING_URI": tracking_uri,
            "MLFLOW_RUN_ID": new_run(tracking_uri, "score"),
            "CT_MODEL_CACHE_DIR": str(tmp_path / "cache"),
            "CT_DATA_ROOT": str(line.data_root),
        }
        seen: list[dict[str, Any]] = []
        events = EventEmitter(None)
        events.observe(seen.append)
        assert score.execute(task_path, events, environ) == 0, seen[-1]
        payloads.append(seen[-1]["payload"])

    assert [p["cache"] for p in payloads] == ["miss", "hit"]
    assert downloads == [f"models:/{line.registered_model}/{line.version}"]
    assert payloads[0]["rows"] == payloads[1]["rows"] == 60
    cached = tmp_path / "cache" / line.registered_model / line.version
    assert (cached / "MLmodel").is_file()
    assert sorted(p.name for p in cached.parent.iterdir()) == [line.version], "no staging folder is left"


@pytest.mark.parametrize(
    ("model", "registered_model", "message"),
    [
        ("champion", "ct-test.never-trained", "pipeline has no champion yet"),
        ("99", None, "has no version 99"),
        ("staging", None, "has no alias 'staging'"),
    ],
    ids=["no champion", "unknown version", "unknown alias"],
)
def test_a_model_the_registry_lacks_is_invalid_input(
    tmp_path: Path, tracking_uri: str, line: Champion, model: str, registered_model: str | None, message: str
) -> None:
    fields = {"model": model, "registered_model": registered_model or line.registered_model}
    done, _ = run_score(tmp_path, line, tracking_uri, tmp_path / "cache", **fields)

    assert done.returncode == 2, done.stderr
    assert done.reason == "invalid_input" and done.result["step"] is None
    assert message in done.result["message"]
    assert not (tmp_path / "exchange" / "predictions.csv").exists()


def test_rows_without_a_feature_column_are_a_data_error(
    tmp_path: Path, tracking_uri: str, line: Champion
) -> None:
    rows = [{"id": "a", "x1": 1.0}, {"id": "b", "x1": 2.0}]
    done, _ = run_score(tmp_path, line, tracking_uri, tmp_path / "cache", rows=rows)

    assert done.returncode == 3, done.stderr
    assert done.reason == "data_error" and done.result["step"] == "extraction"
    assert "['x2']" in done.result["message"]


def test_inline_rows_without_keys_get_the_jobs_keys(
    tmp_path: Path, tracking_uri: str, line: Champion
) -> None:
    rows = [{"x1": 0.5, "x2": -1}, {"x1": -2, "x2": 0.25, "note": "ignored"}]
    done, _ = run_score(tmp_path, line, tracking_uri, tmp_path / "cache", rows=rows)

    assert done.returncode == 0, done.stderr
    stored = read_predictions(tmp_path / "exchange" / "predictions.csv")
    assert [row["row_key"] for row in stored] == ["job-1:0", "job-1:1"]
    expected = champion_model(line).predict(pd.DataFrame({"x1": [0.5, -2.0], "x2": [-1.0, 0.25]}))
    assert [float(row["prediction"]) for row in stored] == expected.tolist()
    assert json.loads(stored[0]["features"]) == {"x1": 0.5, "x2": -1.0}


def test_a_time_window_bounds_the_source(tmp_path: Path, tracking_uri: str, line: Champion) -> None:
    window = {"since": "2024-01-01T10:00:00Z", "until": "2024-01-01T19:00:00Z"}
    done, _ = run_score(tmp_path, line, tracking_uri, tmp_path / "cache", **window)

    assert done.returncode == 0, done.stderr
    assert done.result["rows"] == 10, "hours 10 to 19, both ends kept"
    stored = read_predictions(tmp_path / "exchange" / "predictions.csv")
    assert [row["row_key"] for row in stored] == [f"p1-{hour}" for hour in range(10, 20)]


def test_a_classifier_stores_classes_and_probabilities(
    tmp_path: Path, tracking_uri: str, labels: Champion
) -> None:
    rows = labelled_points(6, seed=9)
    payload = [{"x1": x1, "x2": x2} for x1, x2 in zip(rows["x1"], rows["x2"], strict=True)]
    done, _ = run_score(tmp_path, labels, tracking_uri, tmp_path / "cache", rows=payload)

    assert done.returncode == 0, done.stderr
    stored = read_predictions(tmp_path / "exchange" / "predictions.csv")
    model = champion_model(labels)
    features = rows[["x1", "x2"]]
    assert [float(row["prediction"]) for row in stored] == [float(v) for v in model.predict(features)]
    for row, proba in zip(stored, model.predict_proba(features), strict=True):
        assert json.loads(row["probabilities"]) == {"0": proba[0], "1": proba[1]}
