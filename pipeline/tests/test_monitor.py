"""Monitor jobs end to end: ``python -m ct_pipeline.monitor`` as the worker runs it, on real champions."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from champions import LINE_SPEC, Champion, line_points, new_run, run_task, train_champion
from child import Finished
from mlflow.tracking import MlflowClient
from sklearn import metrics as m
from sklearn.linear_model import LinearRegression

WINDOW = {"window_start": "2024-03-01T00:00:00Z", "window_end": "2024-03-02T00:00:00Z"}


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory, tracking_uri: str) -> Champion:
    folder = tmp_path_factory.mktemp("line")
    return train_champion(folder, tracking_uri, LINE_SPEC, line_points(60, seed=1), "points.csv")


def window_rows(model: Any, rows: int, seed: int, shift: float, labelled: int) -> pd.DataFrame:
    """Scored rows as the worker exports them: x1 shifted by ``shift``, the first ``labelled`` observed."""
    points = line_points(rows, seed=seed)
    points["x1"] += shift
    features = points[["x1", "x2"]]
    outcome = points["y"].where(points.index < labelled)
    return pd.DataFrame(
        {
            "row_key": points["id"],
            "prediction": model.predict(features),
            "outcome": outcome,
            "features": [json.dumps(row, sort_keys=True) for row in features.to_dict("records")],
            "scored_at": "2024-03-01 10:00:00+00",
        }
    )


def run_monitor(
    tmp: Path, champion: Champion, uri: str, window: pd.DataFrame, **fields: Any
) -> tuple[Finished, str]:
    exchange = tmp / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    window.to_csv(exchange / "window.csv", index=False)
    task = {
        "kind": "monitor",
        "job_id": "job-2",
        "spec": champion.spec,
        "registered_model": champion.registered_model,
        "model": "champion",
        "model_version": champion.version,
        "input": str(exchange / "window.csv"),
        "min_samples": 1,
        **WINDOW,
        **fields,
    }
    run_id = new_run(uri, "monitor")
    return run_task(
        "ct_pipeline.monitor", exchange, task, uri, run_id, champion.data_root, tmp / "cache"
    ), run_id


def test_live_metrics_plot_and_drift_of_the_champion(
    tmp_path: Path, tracking_uri: str, line: Champion
) -> None:
    model = mlflow.sklearn.load_model(f"models:/{line.registered_model}/{line.version}")
    window = window_rows(model, rows=40, seed=5, shift=4.0, labelled=30)
    # The ground truth comes from another line: the champion is now wrong, the way the loop must notice.
    window["outcome"] = window["outcome"] * -1 + 5

    done, run_id = run_monitor(tmp_path, line, tracking_uri, window)

    assert done.returncode == 0, done.stderr
    result = done.result
    labelled = window[window["outcome"].notna()]
    expected = {
        "mae": m.mean_absolute_error(labelled["outcome"], labelled["prediction"]),
        "rmse": m.root_mean_squared_error(labelled["outcome"], labelled["prediction"]),
        "r2": m.r2_score(labelled["outcome"], labelled["prediction"]),
    }
    assert result["metrics"] == pytest.approx(expected) and result["metrics"]["r2"] < 0.2
    assert (result["samples"], result["scored"], result["primary"]) == (30, 40, "rmse")
    assert (result["model_version"], result["run_id"], result["kind"]) == (line.version, run_id, "monitor")
    assert [e["step"] for e in done.of_type("step.finished")] == ["extraction", "evaluation"]

    drift = result["drift"]
    assert result["drift_skipped"] is None
    assert set(drift["features"]) == {"x1", "x2"}
    assert drift["features"]["x1"]["drifted"] is True, "x1 moved by 4 standard deviations"
    assert drift["features"]["x2"]["drifted"] is False, "x2 is drawn as in training"
    assert drift["drifted"] == 1 and drift["share_drifted"] == 0.5
    assert drift["features"]["x1"]["method"] and drift["features"]["x1"]["score"] < 0.05

    client = MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    for key, value in expected.items():
        assert run.data.metrics[f"live.{key}"] == pytest.approx(value)
    assert (run.data.metrics["live.samples"], run.data.metrics["live.scored"]) == (30, 40)
    assert run.data.metrics["drift.x1"] == pytest.approx(drift["features"]["x1"]["score"])
    assert run.data.metrics["drift.share"] == 0.5
    assert run.data.params["model_version"] == line.version
    assert run.data.params["window_start"] == WINDOW["window_start"]
    assert run.data.tags["ct.model_version"] == line.version
    artifacts = {a.path for folder in ("plots", "drift") for a in client.list_artifacts(run_id, folder)}
    assert artifacts == {"plots/predicted_vs_observed.png", "drift/report.html"}
    report = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="drift/report.html"))
    assert "x1" in report.read_text(encoding="utf-8")
    assert (tmp_path / "cache" / line.registered_model / f"{line.version}.reference.parquet").is_file()


def test_a_champion_without_a_reference_sample_skips_drift(
    tmp_path: Path, tracking_uri: str, line: Champion
) -> None:
    # A champion trained before ct logged reference samples: a model registered from a bare run.
    data = line.frame
    fitted = LinearRegression().fit(data[["x1", "x2"]], data["y"])
    client = MlflowClient(tracking_uri)
    experiment = client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")
    with mlflow.start_run(experiment_id=experiment):  # not set_experiment: in-process tests share it
        info = mlflow.sklearn.log_model(fitted, name="model", input_example=data[["x1", "x2"]].head(2))
    name = f"ct-test.{uuid.uuid4().hex[:10]}"
    version = mlflow.register_model(info.model_uri, name).version
    client.set_registered_model_alias(name, "champion", version)
    old = Champion(name, str(version), "", line.spec, line.data_root, line.file)
    window = window_rows(fitted, rows=20, seed=6, shift=0.0, labelled=1)

    done, run_id = run_monitor(tmp_path, old, tracking_uri, window, model_version=None)

    assert done.returncode == 0, done.stderr
    result = done.result
    assert result["drift"] is None
    assert (
        result["drift_skipped"]
        == f"the training run of v{version} logged no reference sample (reference/sample.parquet)"
    )
    assert (result["metrics"], result["samples"], result["scored"]) == ({}, 0, 20)
    assert result["model_version"] == str(version)
    run = MlflowClient(tracking_uri).get_run(run_id)
    assert (run.data.metrics["live.samples"], run.data.metrics["live.scored"]) == (0, 20)
    assert not any(key.startswith("drift.") for key in run.data.metrics)


def test_no_champion_is_invalid_input(tmp_path: Path, tracking_uri: str, line: Champion) -> None:
    window = pd.DataFrame(
        {
            "row_key": ["a"],
            "prediction": [1.0],
            "outcome": [2.0],
            "features": ['{"x1":1.0}'],
            "scored_at": ["x"],
        }
    )
    fields = {"registered_model": "ct-test.never-trained", "model_version": None}
    done, _ = run_monitor(tmp_path, line, tracking_uri, window, **fields)

    assert done.returncode == 2, done.stderr
    assert done.reason == "invalid_input"
    assert "pipeline has no champion yet" in done.result["message"]
