"""Champion/challenger and promotion against a real MLflow, the pipeline run as the worker runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from child import Finished, run_child, worker_env
from conftest import write_spec
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ct_pipeline import exit_codes

PIPELINE_DIR = Path(__file__).parent.parent


def ridge(alpha: float, policy: str = "auto", **extra: Any) -> dict[str, Any]:
    return {
        "pipeline": "diabetes-ridge",
        "task": "regression",
        "data": {"source": "sklearn", "name": "diabetes"},
        "model": {"estimator": "sklearn.linear_model.Ridge", "params": {"alpha": alpha}},
        "metrics": {"primary": "rmse", "thresholds": {"r2": {"min": -1}}},
        "promotion": {"policy": policy},
        **extra,
    }


@pytest.fixture
def model_name() -> str:
    return f"ct-test.{uuid.uuid4().hex[:10]}"


def new_run(tracking_uri: str) -> str:
    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")
    return client.create_run(experiment_id).info.run_id


def run_job(tmp_path: Path, spec: dict[str, Any], tracking_uri: str, model_name: str) -> Finished:
    work = tmp_path / uuid.uuid4().hex[:8]
    work.mkdir()
    extra = {"CT_REGISTERED_MODEL": model_name, "CT_CODE_VERSION": "test-commit"}
    env = worker_env(work, tracking_uri, new_run(tracking_uri), data_root=work, extra=extra)
    return run_child(write_spec(work, spec), env, cwd=work)


def aliases(tracking_uri: str, name: str) -> dict[str, str]:
    return {
        alias: str(v) for alias, v in MlflowClient(tracking_uri).get_registered_model(name).aliases.items()
    }


def test_champion_is_kept_against_a_worse_run_and_replaced_by_a_better_one(
    tmp_path: Path, tracking_uri: str, model_name: str
) -> None:
    client = MlflowClient(tracking_uri)

    first = run_job(tmp_path, ridge(500.0), tracking_uri, model_name)
    assert first.returncode == 0, first.stderr
    decision = first.result["decision"]
    assert (first.result["registered_model"], first.result["model_version"]) == (model_name, "1")
    assert decision["outcome"] == "promote" and decision["promoted"] and decision["alias"] == "champion"
    assert decision["primary"]["champion"] is None and decision["champion_version"] is None
    assert aliases(tracking_uri, model_name) == {"champion": "1"}
    run = client.get_run(first.result["run_id"])
    assert run.data.tags["ct.decision"] == "promote" and run.data.tags["ct.code_version"] == "test-commit"
    assert (
        len(run.data.tags["ct.spec_hash"]) == 64
        and run.data.params["data.fingerprint"] == run.data.tags["ct.data_fingerprint"]
    )
    assert "ct.version.scikit-learn" in run.data.tags and "ct.python_version" in run.data.tags
    assert any(key.startswith("training_") for key in run.data.metrics), (
        "autologging recorded training metrics"
    )
    artifacts = {
        a.path for folder in ("validation", "plots") for a in client.list_artifacts(run.info.run_id, folder)
    }
    assert artifacts == {
        "validation/report.json",
        "validation/decision.json",
        "plots/predicted_vs_actual.png",
        "plots/feature_importance.png",
    }
    version = client.get_model_version(model_name, "1")
    assert version.tags["ct.job_id"] == "job-test" and version.tags["ct.decision"] == "promote"
    assert float(version.tags["metric.rmse"]) == pytest.approx(first.result["metrics"]["rmse"])
    assert {"ct.spec_hash", "ct.data_fingerprint", "ct.code_version"} <= set(version.tags)

    worse = run_job(tmp_path, ridge(1e6), tracking_uri, model_name)
    assert worse.returncode == 0, worse.stderr
    decision = worse.result["decision"]
    assert worse.result["model_version"] == "2"
    assert decision["outcome"] == "reject" and not decision["promoted"] and decision["alias"] is None
    assert "not better" in decision["reason"] and decision["champion_version"] == "1"
    assert decision["primary"]["champion"] == pytest.approx(first.result["metrics"]["rmse"])
    assert aliases(tracking_uri, model_name) == {"champion": "1"}
    assert client.get_model_version(model_name, "2").tags["ct.decision"] == "reject"
    assert "champion.rmse" in client.get_run(worse.result["run_id"]).data.metrics

    better = run_job(tmp_path, ridge(50.0), tracking_uri, model_name)
    assert better.returncode == 0, better.stderr
    assert better.result["decision"]["outcome"] == "promote", better.result["decision"]["reason"]
    assert aliases(tracking_uri, model_name) == {"champion": "3"}
    steps = [e["step"] for e in better.of_type("step.finished")]
    assert steps == [
        "extraction",
        "validation",
        "preparation",
        "training",
        "evaluation",
        "model_validation",
        "promotion",
    ]


def test_manual_policy_marks_a_winner_as_challenger_and_leaves_the_champion(
    tmp_path: Path, tracking_uri: str, model_name: str
) -> None:
    assert run_job(tmp_path, ridge(500.0), tracking_uri, model_name).returncode == 0

    done = run_job(tmp_path, ridge(50.0, policy="manual"), tracking_uri, model_name)

    assert done.returncode == 0, done.stderr
    decision = done.result["decision"]
    assert (decision["outcome"], decision["alias"], decision["policy"], decision["promoted"]) == (
        "promote",
        "challenger",
        "manual",
        True,
    )
    assert aliases(tracking_uri, model_name) == {"champion": "1", "challenger": "2"}


def test_champion_on_other_features_is_reported_and_thresholds_decide(
    tmp_path: Path, tracking_uri: str, model_name: str
) -> None:
    assert run_job(tmp_path, ridge(1.0), tracking_uri, model_name).returncode == 0
    fewer = ridge(1.0, preparation={"transforms": [{"op": "drop", "columns": ["s1", "s2"]}]})

    done = run_job(tmp_path, fewer, tracking_uri, model_name)

    assert done.returncode == 0, done.stderr
    decision = done.result["decision"]
    assert decision["outcome"] == "promote" and decision["champion_version"] is None
    assert "champion v1 could not be scored" in decision["reason"]
    assert any("could not be scored" in e["message"] for e in done.of_type("log") if e["level"] == "warning")


def test_error_level_validation_finding_is_a_data_error_and_registers_nothing(
    tmp_path: Path, tracking_uri: str, model_name: str
) -> None:
    spec = ridge(1.0, validation={"min_rows": {"rows": 1000}, "iqr_outliers": {"max_share": 0.0}})

    done = run_job(tmp_path, spec, tracking_uri, model_name)

    assert done.returncode == exit_codes.DATA_ERROR, done.stderr
    result = done.result
    assert (done.reason, result["step"]) == ("data_error", "validation")
    assert "min_rows: 442 rows, fewer than the 1000 required" in result["message"]
    warnings = [e["message"] for e in done.of_type("log") if e["level"] == "warning"]
    assert any(w.startswith("validation iqr_outliers:") for w in warnings)
    findings = [(e["rule"], e["severity"], e["figures"]) for e in done.of_type("validation.finding")]
    assert findings[0] == ("min_rows", "error", {"rows": 442, "min_rows": 1000})
    assert [(rule, severity) for rule, severity, _ in findings[1:]] == [("iqr_outliers", "warning")]
    assert done.of_type("validation.finding")[1]["columns"]
    with pytest.raises(MlflowException, match=r"RESOURCE_DOES_NOT_EXIST|not found"):
        MlflowClient(tracking_uri).get_registered_model(model_name)


def test_csv_path_outside_the_data_root_is_invalid_input(
    tmp_path: Path, tracking_uri: str, model_name: str
) -> None:
    spec = ridge(1.0, data={"source": "csv", "path": "../secret.csv", "target": "y"})

    done = run_job(tmp_path, spec, tracking_uri, model_name)

    assert done.returncode == exit_codes.INVALID_INPUT
    assert done.reason == "invalid_input" and "data.path" in done.result["message"]


def test_cli_runs_the_yaml_example_with_readable_progress(tracking_uri: str, model_name: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_RUN_ID", "CT_EVENTS_FD")}
    env.update({"MLFLOW_TRACKING_URI": tracking_uri, "CT_REGISTERED_MODEL": model_name})

    done = subprocess.run(
        [str(Path(sys.executable).parent / "ct-pipeline"), "run", "examples/diabetes-ct.yaml"],
        cwd=PIPELINE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    for step in (
        "extraction",
        "validation",
        "preparation",
        "training",
        "evaluation",
        "model_validation",
        "promotion",
    ):
        assert f"[ct] {step}: done in " in done.stderr
    assert f"[ct] decision: promote {model_name} v1, alias champion" in done.stderr
    assert aliases(tracking_uri, model_name) == {"champion": "1"}


def test_cli_reports_a_bad_spec_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(json.dumps({"pipeline": "p"}))

    done = subprocess.run(
        [str(Path(sys.executable).parent / "ct-pipeline"), "run", str(tmp_path / "s.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "CT_EVENTS_FD"},
    )

    assert done.returncode == exit_codes.INVALID_INPUT
    assert "invalid_input: spec: 'task' is a required property" in done.stderr
