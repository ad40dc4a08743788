"""Custom training functions and MLflow Projects as real jobs: the pipeline as a child, a real MLflow."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from child import Finished, run_child, worker_env
from conftest import write_spec
from mlflow.tracking import MlflowClient

EXAMPLES = Path(__file__).parent.parent / "examples"
STEPS = ["extraction", "validation", "preparation", "training", "evaluation", "model_validation", "promotion"]
BASE: dict[str, Any] = {
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
}
CUSTOM = {"project": "ridge-custom", "entrypoint": "train_model:train", "params": {"alpha": 0.5}}
INJECTION = "1; rm -rf / $(touch pwned) `touch pwned2` && echo"


def run_job(tmp_path: Path, spec: dict[str, Any], tracking_uri: str, run_id: str | None) -> Finished:
    projects = tmp_path / "projects"
    if not projects.exists():
        shutil.copytree(EXAMPLES / "projects", projects)
    env = worker_env(
        tmp_path, tracking_uri, run_id, data_root=tmp_path, extra={"CT_PROJECTS_ROOT": str(projects)}
    )
    return run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)


def finished_steps(done: Finished) -> list[str]:
    return [e["step"] for e in done.of_type("step.finished") if e["status"] == "ok"]


def test_a_custom_training_function_is_trained_evaluated_and_promoted(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    spec = {**BASE, "pipeline": f"custom-{worker_run[:8]}", "model": {"custom": CUSTOM}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert finished_steps(done) == STEPS
    result = done.result
    assert result["metrics"]["r2"] > 0.3 and result["model_version"] == "1"
    assert result["decision"]["alias"] == "champion"
    params = MlflowClient(tracking_uri).get_run(worker_run).data.params
    assert params["model.kind"] == "custom" and params["model.entrypoint"] == "train_model:train"
    assert params["model.alpha"] == "0.5"


def test_an_exception_inside_the_function_is_a_training_error(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    custom = {**CUSTOM, "params": {"fail": True}}
    spec = {**BASE, "pipeline": "custom-fails", "model": {"custom": custom}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 4, done.stderr
    assert done.reason == "training_error" and done.result["step"] == "training"
    assert "ValueError: asked to fail" in done.result["message"]


def test_an_unknown_project_is_invalid_input_before_mlflow(tmp_path: Path) -> None:
    spec = {**BASE, "pipeline": "custom-x", "model": {"custom": {**CUSTOM, "project": "nope"}}}

    done = run_job(tmp_path, spec, "http://127.0.0.1:9", None)

    assert done.returncode == 2, done.stderr
    assert done.result["message"].startswith("model.custom.project: there is no project 'nope'")


def test_an_mlproject_runs_without_a_shell_and_logs_into_the_same_run(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    mlproject = {
        "project": "ridge-mlproject",
        "parameters": {"alpha": 0.5, "max_iter": 200, "note": INJECTION},
    }
    spec = {**BASE, "pipeline": f"mlproject-{worker_run[:8]}", "model": {"mlproject": mlproject}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 0, done.stderr
    assert finished_steps(done) == STEPS
    assert done.result["metrics"]["r2"] > 0.3 and done.result["decision"]["alias"] == "champion"
    run = MlflowClient(tracking_uri).get_run(worker_run)
    assert run.data.params["script.note"] == INJECTION  # verbatim, one argv element: no shell saw it
    assert run.data.params["script.max_iter"] == "200"
    assert run.data.params["model.kind"] == "mlproject" and run.data.params["model.alpha"] == "0.5"
    assert run.data.metrics["script.train_rows"] == 353
    project = tmp_path / "projects" / "ridge-mlproject"
    assert not list(tmp_path.rglob("pwned*")) and not list(project.rglob("pwned*"))


def test_an_mlproject_parameter_of_the_wrong_type_is_invalid_input(tmp_path: Path) -> None:
    mlproject = {"project": "ridge-mlproject", "parameters": {"alpha": "0.5; id"}}
    spec = {**BASE, "pipeline": "mlproject-x", "model": {"mlproject": mlproject}}

    done = run_job(tmp_path, spec, "http://127.0.0.1:9", None)

    assert done.returncode == 2, done.stderr
    assert done.result["message"].startswith("model.mlproject.parameters.alpha: expects a float")


def test_a_failing_mlproject_script_is_a_training_error(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    shutil.copytree(EXAMPLES / "projects", tmp_path / "projects")
    (tmp_path / "projects" / "ridge-mlproject" / "train.py").write_text("raise SystemExit(3)\n")
    spec = {**BASE, "pipeline": "mlproject-fails", "model": {"mlproject": {"project": "ridge-mlproject"}}}

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert done.returncode == 4, done.stderr
    assert done.reason == "training_error"
    assert "exited with 3" in done.result["message"]
