"""Failures end with the contract's exit code, a failed result event and the message on stderr.

The tests that need no MLflow server come first, so the session's server boots while they run.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from child import Finished, RunningChild, run_child, worker_env
from conftest import write_spec
from mlflow.tracking import MlflowClient

from ct_pipeline import exit_codes

DIABETES = {"source": "sklearn", "name": "diabetes"}


def job(data: dict[str, Any], estimator: str, **params: Any) -> dict[str, Any]:
    return {
        "pipeline": "failing",
        "task": "regression",
        "data": data,
        "model": {"estimator": estimator, "params": params},
    }


def run_job(tmp_path: Path, spec: dict[str, Any], tracking_uri: str, run_id: str, **extra: str) -> Finished:
    env = worker_env(tmp_path, tracking_uri, run_id, data_root=tmp_path / "data", extra=extra)
    return run_child(write_spec(tmp_path, spec), env, cwd=tmp_path)


def assert_failed(done: Finished, code: int, reason: str, step: str | None, message: str) -> None:
    assert done.returncode == code, done.stderr
    assert done.reason == reason  # the exit code carries the reason; the result says what and where
    result = done.result
    assert result == {"status": "failed", "message": result["message"], "step": step}
    assert message in result["message"]
    assert result["message"] in done.stderr
    if step is not None:
        failed = done.of_type("step.finished")[-1]
        assert (failed["step"], failed["status"]) == (step, "failed")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections (bound, never listening), held for the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_unknown_model_is_invalid_input(tmp_path: Path, closed_port: int) -> None:
    spec = job(DIABETES, "sklearn.svm.SVR")

    done = run_job(tmp_path, spec, f"http://127.0.0.1:{closed_port}", "0" * 32)

    assert_failed(
        done,
        exit_codes.INVALID_INPUT,
        "invalid_input",
        None,
        "model.estimator: 'sklearn.svm.SVR' is not one of",
    )
    assert done.of_type("step.started") == []


def test_csv_symlinked_outside_the_data_root_is_invalid_input(tmp_path: Path, closed_port: int) -> None:
    (tmp_path / "secret.csv").write_text("a,y\n1,2\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").symlink_to(tmp_path / "secret.csv")
    spec = job({"source": "csv", "path": "x.csv", "target": "y"}, "sklearn.linear_model.Ridge")

    done = run_job(tmp_path, spec, f"http://127.0.0.1:{closed_port}", "0" * 32)

    assert_failed(done, exit_codes.INVALID_INPUT, "invalid_input", None, "outside CT_DATA_ROOT")


def test_unreachable_mlflow_is_an_infrastructure_error(tmp_path: Path, closed_port: int) -> None:
    spec = job(DIABETES, "sklearn.linear_model.LinearRegression")
    fast = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "2"}

    started = time.monotonic()
    done = run_job(tmp_path, spec, f"http://127.0.0.1:{closed_port}", "0" * 32, **fast)

    assert_failed(done, exit_codes.INFRASTRUCTURE, "infrastructure", None, "MLflow failed while opening run")
    assert time.monotonic() - started < 60


def test_broken_events_fd_is_an_infrastructure_error(tmp_path: Path, closed_port: int) -> None:
    env = worker_env(tmp_path, f"http://127.0.0.1:{closed_port}", "0" * 32, data_root=tmp_path)
    spec = write_spec(tmp_path, job(DIABETES, "sklearn.linear_model.Ridge"))

    done = subprocess.run(
        [sys.executable, "-m", "ct_pipeline.train", "--spec", str(spec)],
        env={**env, "CT_EVENTS_FD": "1"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == exit_codes.INFRASTRUCTURE
    assert "CT_EVENTS_FD=1 is stdin, stdout or stderr" in done.stderr


def test_csv_without_the_target_column_is_a_data_error(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "d.csv").write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(50)))
    spec = job({"source": "csv", "path": "d.csv", "target": "price"}, "sklearn.linear_model.Ridge")

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert_failed(done, exit_codes.DATA_ERROR, "data_error", "preparation", "target column 'price'")


def test_estimator_that_raises_in_fit_is_a_training_error(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    spec = job(DIABETES, "sklearn.ensemble.RandomForestRegressor", n_estimators=-1)

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert_failed(done, exit_codes.TRAINING_ERROR, "training_error", "training", "n_estimators")


def test_mlflow_refusing_a_write_mid_run_is_an_infrastructure_error(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    # MLflow refuses to change a param, so a conflicting value logged beforehand makes the training step's
    # write fail: an MLflow error in the middle of the run.
    MlflowClient(tracking_uri).log_param(worker_run, "estimator", "something.Else")
    spec = job(DIABETES, "sklearn.linear_model.LinearRegression")

    done = run_job(tmp_path, spec, tracking_uri, worker_run)

    assert_failed(done, exit_codes.INFRASTRUCTURE, "infrastructure", "training", "while logging params")
    # What the steps logged before the failure reached the run; ending it is the worker's (FAILED there).
    run = MlflowClient(tracking_uri).get_run(worker_run)
    assert run.info.status == "RUNNING" and run.data.params["estimator"] == "something.Else"


def test_sigterm_during_training_ends_the_child_promptly(
    tmp_path: Path, tracking_uri: str, worker_run: str
) -> None:
    data = {"source": "synthetic", "rows": 300_000, "features": 20, "seed": 1}
    spec = job(data, "sklearn.ensemble.RandomForestRegressor", n_estimators=300, n_jobs=1)
    env = worker_env(tmp_path, tracking_uri, worker_run, data_root=tmp_path)
    child = RunningChild(write_spec(tmp_path, spec), env, cwd=tmp_path)
    child.wait_for(lambda e: e["type"] == "progress" and e["step"] == "training", timeout=60)

    child.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    done = child.finish(timeout=10)

    assert time.monotonic() - started < 10
    assert done.returncode == -signal.SIGTERM
    assert all(e["type"] != "result" for e in done.events)
