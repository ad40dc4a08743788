"""Successful jobs end to end: the pipeline as a child process, as the worker runs it, with a real MLflow."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from child import Finished, run_child, worker_env
from conftest import write_spec
from mlflow.tracking import MlflowClient
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split

PIPELINE_DIR = Path(__file__).parent.parent
STEPS = ["extraction", "validation", "preparation", "training", "evaluation", "model_validation", "promotion"]
REGRESSION: dict[str, Any] = {
    "pipeline": "diabetes-lgbm",
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
    "model": {"estimator": "lightgbm.LGBMRegressor", "params": {"n_estimators": 50, "learning_rate": 0.1}},
}
CLASSIFICATION: dict[str, Any] = {
    "pipeline": "cancer-logreg",
    "task": "binary_classification",
    "data": {"source": "sklearn", "name": "breast_cancer"},
    "model": {"estimator": "sklearn.linear_model.LogisticRegression", "params": {"C": 0.5, "max_iter": 500}},
    "split": {"test_size": 0.25, "seed": 7},
}


def run_job(tmp_path: Path, spec: dict[str, Any], tracking_uri: str, run_id: str) -> Finished:
    env = worker_env(tmp_path, tracking_uri, run_id, data_root=tmp_path / "data")
    return run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)


def step_events(done: Finished) -> list[tuple[str, str, str]]:
    return [(e["type"], e["step"], e.get("status", "")) for e in done.events if e["type"].startswith("step.")]


def assert_steps_succeeded(done: Finished) -> None:
    expected = [
        (kind, step, status)
        for step in STEPS
        for kind, status in (("step.started", ""), ("step.finished", "ok"))
    ]
    assert step_events(done) == expected
    assert [e["seq"] for e in done.events] == list(range(1, len(done.events) + 1))


def test_lightgbm_regression_on_diabetes(tmp_path: Path, tracking_uri: str, worker_run: str) -> None:
    done = run_job(tmp_path, REGRESSION, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert_steps_succeeded(done)
    training = [e["fraction"] for e in done.of_type("progress") if e["step"] == "training"]
    assert training[0] == 0 and training[-1] == 1
    assert [e["key"] for e in done.of_type("metric")] == ["mae", "rmse", "r2"]
    result = done.result
    assert result["status"] == "succeeded" and result["run_id"] == worker_run
    assert result["rows"] == {"train": 353, "test": 89}
    assert set(result["metrics"]) == {"mae", "rmse", "r2"} and result["metrics"]["r2"] > 0.2
    assert re.fullmatch(r"models:/m-[0-9a-f]+", result["model_uri"]), result["model_uri"]
    assert f"run {worker_run} succeeded" in done.stdout

    client = MlflowClient(tracking_uri)
    run = client.get_run(worker_run)
    assert run.data.params["model.n_estimators"] == "50"
    assert run.data.params["model.verbose"] == "-1"
    assert run.data.params["task"] == "regression"
    assert run.data.params["estimator"] == "lightgbm.LGBMRegressor"
    assert run.data.params["data.source"] == "sklearn"
    assert run.data.params["rows.train"] == "353"
    assert run.data.metrics["data.rows"] == 442
    for key, value in result["metrics"].items():
        assert run.data.metrics[key] == pytest.approx(value)
    assert len(client.search_runs([run.info.experiment_id])) == 1, "the child must not create a run"
    # The fitted pipeline's own params and its scores on the training rows, logged with ct's batches.
    assert run.data.params["model__n_estimators"] == "50" and run.data.params["model__learning_rate"] == "0.1"
    training = {key for key in run.data.metrics if key.startswith("training_")}
    assert training == {"training_mae", "training_rmse", "training_r2"}
    logged = client.get_logged_model(result["model_uri"].removeprefix("models:/"))
    assert training | {"data.rows"} <= {m.key for m in logged.metrics}
    assert logged.params["model__n_estimators"] == "50" and logged.params["task"] == "regression"

    rows = load_diabetes(as_frame=True).data.head(3)
    predictions = mlflow.pyfunc.load_model(result["model_uri"]).predict(rows)
    assert np.asarray(predictions).shape == (3,)
    requirements = Path(mlflow.artifacts.download_artifacts(result["model_uri"])) / "requirements.txt"
    assert {"lightgbm", "scikit-learn", "skops"} <= {
        r.split("==")[0] for r in requirements.read_text().split()
    }


def test_logistic_regression_on_breast_cancer(tmp_path: Path, tracking_uri: str, worker_run: str) -> None:
    done = run_job(tmp_path, CLASSIFICATION, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert_steps_succeeded(done)
    result = done.result
    assert [e["key"] for e in done.of_type("metric")] == ["accuracy", "f1", "roc_auc", "log_loss"]
    assert result["metrics"]["accuracy"] > 0.9 and result["metrics"]["roc_auc"] > 0.95
    assert result["rows"] == {"train": 426, "test": 143}
    run = MlflowClient(tracking_uri).get_run(worker_run)
    assert run.data.params["model.C"] == "0.5" and run.data.params["split.stratified"] == "True"
    assert run.data.metrics["log_loss"] == pytest.approx(result["metrics"]["log_loss"])
    assert {k for k in run.data.metrics if k.startswith("training_")} == {
        "training_accuracy",
        "training_f1",
        "training_roc_auc",
        "training_log_loss",
    }
    rows = load_breast_cancer(as_frame=True).data.head(4)
    assert set(mlflow.pyfunc.load_model(result["model_uri"]).predict(rows)) <= {0, 1}


def test_csv_job_with_string_labels_and_missing_values(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80), "note": "free text"})
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    frame.loc[[3, 9], "a"] = np.nan
    (tmp_path / "data" / "sales").mkdir(parents=True)
    frame.to_csv(tmp_path / "data" / "sales" / "q1.csv", index=False)
    spec = {
        "pipeline": "sales-rf",
        "task": "binary_classification",
        "data": {"source": "csv", "path": "sales/q1.csv", "target": "label", "features": ["a", "b"]},
        "model": {"estimator": "sklearn.ensemble.RandomForestClassifier", "params": {"n_estimators": 20}},
    }

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert_steps_succeeded(done)
    assert done.result["rows"] == {"train": 64, "test": 16}
    assert done.result["metrics"]["accuracy"] > 0.7
    run = MlflowClient(tracking_uri).get_run(worker_run)
    assert run.data.params["data.path"] == "sales/q1.csv" and run.data.params["data.target"] == "label"
    model = mlflow.pyfunc.load_model(done.result["model_uri"])
    assert set(model.predict(frame[["a", "b"]].head(5))) <= {"yes", "no"}


def test_csv_job_in_a_time_window_records_its_bounds(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    rng = np.random.default_rng(1)
    times = pd.date_range("2024-01-01", periods=60, freq="D", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = pd.DataFrame({"ts": times, "a": rng.normal(size=60)})
    frame["y"] = 2 * frame["a"] + rng.normal(scale=0.1, size=60)
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data" / "sales.csv", index=False)
    window = {"time_column": "ts", "since": "2024-01-11T00:00:00Z", "until": "2024-02-09T00:00:00+00:00"}
    spec = {
        "pipeline": "sales-window",
        "task": "regression",
        "data": {"source": "csv", "path": "sales.csv", "target": "y", **window},
        "model": {"estimator": "sklearn.linear_model.Ridge"},
    }

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert done.result["rows"] == {"train": 24, "test": 6}, "Jan 11 to Feb 9: 30 days, both ends kept"
    params = MlflowClient(tracking_uri).get_run(worker_run).data.params
    assert (params["data.since"], params["data.until"]) == (
        "2024-01-11T00:00:00+00:00",
        "2024-02-09T00:00:00+00:00",
    )
    assert params["data.rows"] == "30"


def test_hand_run_creates_its_own_run_in_the_pipeline_experiment(tracking_uri: str) -> None:
    # The README's command, run from pipeline/ without MLFLOW_RUN_ID or CT_EVENTS_FD.
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_RUN_ID", "CT_EVENTS_FD")}
    done = subprocess.run(
        [sys.executable, "-m", "ct_pipeline.train", "--spec", "examples/diabetes-lgbm.json"],
        cwd=PIPELINE_DIR,
        env={**env, "MLFLOW_TRACKING_URI": tracking_uri},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    match = re.search(r"run ([0-9a-f]{32}) succeeded: mae=", done.stdout)
    assert match, done.stdout
    run = MlflowClient(tracking_uri).get_run(match.group(1))
    assert run.info.status == "FINISHED"
    assert MlflowClient(tracking_uri).get_experiment(run.info.experiment_id).name == "diabetes-lgbm"
    assert {"mae", "rmse", "r2"} <= set(run.data.metrics)


def test_csv_job_one_hot_encodes_categorical_features_inside_the_model(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    rng = np.random.default_rng(1)
    city = rng.choice(["lyon", "oslo", "kyiv"], size=120)
    frame = pd.DataFrame({"a": rng.normal(size=120), "city": city})
    frame["y"] = frame["a"] * 2 + np.select([city == "lyon", city == "oslo"], [10.0, -10.0], 0.0)
    frame.loc[[4, 7], "city"] = None
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data" / "cities.csv", index=False)
    spec = {
        "pipeline": "cities-ridge",
        "task": "regression",
        "data": {"source": "csv", "path": "cities.csv", "target": "y"},
        "model": {"estimator": "sklearn.linear_model.Ridge", "params": {"alpha": 0.1}},
    }

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    # Without the city the error would be about 8; encoded, only the rows whose city was missing miss.
    assert done.result["metrics"]["rmse"] < 4
    model = mlflow.sklearn.load_model(done.result["model_uri"])
    assert "OneHotEncoder" in repr(model)
    unseen = pd.DataFrame({"a": [0.5, 0.5], "city": ["lyon", "paris"]})
    predicted = model.predict(unseen)
    assert predicted[0] == pytest.approx(11.0, abs=1.5) and predicted[1] == pytest.approx(1.0, abs=1.5)

    # The reference sample for drift: the training split's features (all 96 rows: under the cap), in the
    # order the split seed samples them, gaps and text kept.
    path = mlflow.artifacts.download_artifacts(
        run_id=worker_run, artifact_path="reference/sample.parquet", dst_path=str(tmp_path / "ref")
    )
    sample = pd.read_parquet(path)
    read_back = pd.read_csv(tmp_path / "data" / "cities.csv")[["a", "city"]]
    x_train = train_test_split(read_back, test_size=0.2, random_state=42)[0]
    expected = x_train.sample(n=96, random_state=42).reset_index(drop=True)
    assert list(sample.columns) == ["a", "city"] and len(sample) == 96
    assert sample["a"].tolist() == expected["a"].tolist()
    assert sample["city"].fillna("-").tolist() == expected["city"].fillna("-").tolist()
