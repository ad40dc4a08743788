"""Stock MLflow Projects (written for ``mlflow run``, no CT_MODEL_PATH) as real jobs: ct evaluates the model
the script logged into the job's run, logs no second one, and promotes it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from champions import Champion, new_run, run_task, score_task
from child import Finished, run_child, worker_env
from conftest import write_spec
from mlflow.tracking import MlflowClient
from sklearn.datasets import load_diabetes

from ct_pipeline.errors import TrainingError
from ct_pipeline.models.mlproject import choose_logged_model

EXAMPLES = Path(__file__).parent.parent / "examples" / "projects"
STEPS = ["extraction", "validation", "preparation", "training", "evaluation", "model_validation", "promotion"]
BASE: dict[str, Any] = {"task": "regression", "data": {"source": "sklearn", "name": "diabetes"}}
# Logs two models: "ridge" (sklearn flavor) and "lgbm" (lightgbm flavor).
TWO_MODELS = """
import mlflow
from lightgbm import LGBMRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split

x, y = load_diabetes(return_X_y=True, as_frame=True)
x_train, _, y_train, _ = train_test_split(x, y, test_size=0.2, random_state=42)
with mlflow.start_run():
    mlflow.sklearn.log_model(Ridge().fit(x_train, y_train), name="ridge", serialization_format="skops")
    lgbm = LGBMRegressor(n_estimators=20, verbose=-1).fit(x_train, y_train)
    mlflow.lightgbm.log_model(lgbm, name="lgbm", input_example=x_train.head(3))
    mlflow.log_metric("r2", lgbm.score(x_train, y_train))  # its training rows; ct's evaluation logs r2 too
"""


def run_job(tmp_path: Path, spec: dict[str, Any], tracking_uri: str, run_id: str) -> Finished:
    projects = tmp_path / "projects"
    if not projects.exists():
        shutil.copytree(EXAMPLES, projects)
    env = worker_env(
        tmp_path, tracking_uri, run_id, data_root=tmp_path, extra={"CT_PROJECTS_ROOT": str(projects)}
    )
    return run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)


def two_model_project(tmp_path: Path, ct_model: str | None) -> None:
    project = tmp_path / "projects" / "two-models"
    project.mkdir(parents=True)
    (project / "train.py").write_text(TWO_MODELS)
    head = f"ct_model: {ct_model}\n" if ct_model else ""
    (project / "MLproject").write_text(head + "entry_points: {main: {command: python train.py}}\n")


def logged_models(tracking_uri: str, run_id: str) -> dict[str, str]:
    """Name -> model id of every logged model whose source run is ``run_id``."""
    client = MlflowClient(tracking_uri)
    experiment = client.get_run(run_id).info.experiment_id
    found = client.search_logged_models([experiment], filter_string=f"source_run_id = '{run_id}'")
    return {model.name: model.model_id for model in found}


def logs(done: Finished) -> str:
    return "\n".join(event["message"] for event in done.of_type("log"))


def test_a_stock_project_is_evaluated_and_promoted_with_the_model_it_logged(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    pipeline = f"stock-{worker_run[:8]}"
    mlproject = {"project": "lgbm-stock", "parameters": {"n_estimators": 20}}
    spec = {**BASE, "pipeline": pipeline, "model": {"mlproject": mlproject}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert [e["step"] for e in done.of_type("step.finished") if e["status"] == "ok"] == STEPS
    models = logged_models(tracking_uri, worker_run)
    assert list(models) == ["model"]  # the script's, autologged; ct logged no second one
    result = done.result
    assert result["model_uri"] == f"models:/{models['model']}"
    assert result["metrics"]["r2"] > 0.2 and result["decision"]["alias"] == "champion"
    assert f"'model' (models:/{models['model']}, lightgbm flavor)" in logs(done)
    run = MlflowClient(tracking_uri).get_run(worker_run)
    assert run.data.tags["ct.model_source"] == "mlproject-logged"
    assert {"mae", "rmse", "r2", "holdout_r2"} <= set(run.data.metrics)
    assert run.data.params["num_boost_round"] == "20" and run.data.params["model.kind"] == "mlproject"
    version = MlflowClient(tracking_uri).get_model_version(pipeline, result["model_version"])
    assert version.source == result["model_uri"] and version.run_id == worker_run

    # The lightgbm champion is loaded by the next run's champion comparison...
    again = run_job(tmp_path, spec, tracking_uri, new_run(tracking_uri, "stock"))
    assert again.returncode == 0, again.stderr
    decision = again.result["decision"]
    assert decision["champion_version"] == result["model_version"]
    assert decision["primary"]["champion"] == pytest.approx(result["metrics"]["rmse"])
    # ... and by a score job, whose predictions are the champion's own.
    champion = Champion(pipeline, result["model_version"], worker_run, spec, tmp_path, "")
    exchange = tmp_path / "score"
    task = {**score_task(champion, exchange), "rows": None}
    scored = run_task(
        "ct_pipeline.score",
        exchange,
        task,
        tracking_uri,
        new_run(tracking_uri, "score"),
        tmp_path,
        tmp_path / "cache",
    )
    assert scored.returncode == 0, scored.stderr
    x, _ = load_diabetes(return_X_y=True, as_frame=True)
    predictions = pd.read_csv(exchange / "predictions.csv")
    expected = mlflow.lightgbm.load_model(result["model_uri"]).predict(x)
    assert len(predictions) == len(x)
    assert predictions["prediction"].to_numpy() == pytest.approx(expected)


def test_two_logged_models_without_ct_model_are_a_training_error_naming_both(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    two_model_project(tmp_path, ct_model=None)
    spec = {**BASE, "pipeline": "stock-two", "model": {"mlproject": {"project": "two-models"}}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 4, done.stderr
    assert done.reason == "training_error" and done.result["step"] == "training"
    message = done.result["message"]
    assert "logged 2 models" in message and "'ridge'" in message and "'lgbm'" in message
    assert "ct_model: <name>" in message


def test_ct_model_names_the_logged_model_ct_evaluates(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    two_model_project(tmp_path, ct_model="lgbm")
    spec = {**BASE, "pipeline": f"stock-{worker_run[:8]}", "model": {"mlproject": {"project": "two-models"}}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    models = logged_models(tracking_uri, worker_run)
    assert sorted(models) == ["lgbm", "ridge"]
    assert done.result["model_uri"] == f"models:/{models['lgbm']}"
    assert done.result["decision"]["alias"] == "champion"
    assert f"'lgbm' (models:/{models['lgbm']}, lightgbm flavor)" in logs(done)
    # The script's r2 and ct's: the run's latest is ct's, on its test split; both stay in the history.
    assert "the entry point logged metric(s) ['r2'] itself" in logs(done)
    client = MlflowClient(tracking_uri)
    run = client.get_run(worker_run)
    assert run.data.tags["ct.test_metrics"] == "mae,rmse,r2"
    assert run.data.metrics["r2"] == pytest.approx(done.result["metrics"]["r2"])
    assert len(client.get_metric_history(worker_run, "r2")) == 2


@pytest.mark.parametrize(
    ("logged", "ct_model", "taken", "message"),
    [
        ([("m-1", "model")], None, "m-1", None),
        ([("m-1", "a"), ("m-2", "b")], "b", "m-2", None),
        ([], None, None, "ended without writing CT_MODEL_PATH and logged no model"),
        ([("m-1", "a"), ("m-2", "b")], None, None, "say which one ct evaluates with a top-level 'ct_model"),
        ([("m-1", "a")], "b", None, "says ct_model: 'b', but the entry point logged no model of that name"),
        ([("m-1", "a"), ("m-2", "a")], "a", None, "logged 2 models named 'a'"),
    ],
)
def test_choosing_the_logged_model(
    logged: list[tuple[str, str]], ct_model: str | None, taken: str | None, message: str | None
) -> None:
    if message is None:
        assert choose_logged_model(logged, ct_model)[0] == taken
        return
    with pytest.raises(TrainingError, match=re.escape(message)):
        choose_logged_model(logged, ct_model)
