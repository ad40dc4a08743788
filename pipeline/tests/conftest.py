"""Shared fixtures: a real MLflow tracking server for the session, and runs created in it as the worker does.

Unless ``MLFLOW_TRACKING_URI`` names a server to use, a throwaway ``mlflow server`` (SQLite store, local
artifacts, temporary folder) is started once collection shows that a selected test needs it, and stopped when
the session ends.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

SERVER_START_DEADLINE_S = 120.0
MLFLOW_BIN = Path(sys.executable).parent / "mlflow"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayServer:
    """``mlflow server`` on a free port, store and artifacts in ``root``, in its own process group."""

    def __init__(self, root: Path) -> None:
        self.root = root
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = root / "server.log"
        command = [str(MLFLOW_BIN), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        command += ["--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"]
        command += ["--artifacts-destination", str(root / "artifacts")]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=root,
                # The server's job runner (GenAI scoring, trace archival) is a dozen processes we do not use.
                env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_healthy(self) -> None:
        """Poll ``GET /health`` until it answers 200; raise with the server's log at the deadline."""
        deadline = time.monotonic() + SERVER_START_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"mlflow server exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:  # refused while starting, or timed out
                pass
            time.sleep(0.5)
        raise RuntimeError(
            f"mlflow server not healthy after {SERVER_START_DEADLINE_S}s:\n{self.log.read_text()}"
        )

    def stop(self) -> None:
        """End the server and its workers (the process group started here), then delete its files."""
        for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=wait_s)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        shutil.rmtree(self.root, ignore_errors=True)


_server: ThrowawayServer | None = None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the server as soon as the selected tests are known to need it, so it boots while others run."""
    global _server
    needed = any("tracking_uri" in getattr(item, "fixturenames", ()) for item in session.items)
    if needed and not os.environ.get("MLFLOW_TRACKING_URI") and _server is None:
        _server = ThrowawayServer(Path(tempfile.mkdtemp(prefix="ct-mlflow-")))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the server whether or not a test used it."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None


@pytest.fixture(scope="session")
def tracking_uri() -> str:
    """The MLflow server's URI: ``MLFLOW_TRACKING_URI`` if set, else the throwaway server started here."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        assert _server is not None, "the server starts when collection finds a test that needs it"
        _server.wait_healthy()
        uri = _server.url
    mlflow.set_tracking_uri(uri)
    return uri


@pytest.fixture
def worker_run(tracking_uri: str) -> str:
    """A fresh MLflow run in its own experiment, created before the child starts, as the worker does."""
    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(f"ct-test-{uuid.uuid4().hex[:12]}")
    return client.create_run(experiment_id, tags={"ct.job_id": "job-test"}).info.run_id


@pytest.fixture(autouse=True)
def _allow_model_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    # MLflow refuses to deserialise any sklearn model (skops included) unless this is set.
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")


def write_spec(directory: Path, spec: dict[str, object], name: str = "spec.json") -> Path:
    """Write ``spec`` as JSON into ``directory`` and return its path."""
    path = directory / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path
