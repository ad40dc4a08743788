"""Runs ``python -m ct_pipeline.<module>`` as the worker will: no shell, clean env, events on a pipe."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_check import assert_in_contract, read_event, reason_of


def worker_env(
    home: Path, tracking_uri: str, run_id: str | None, data_root: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment the worker gives the child, and nothing else (plus ``extra``)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "MLFLOW_TRACKING_URI": tracking_uri,
        "CT_JOB_ID": "job-test",
        "CT_DATA_ROOT": str(data_root),
        # As the worker gives them: uv's cache of the host (HOME is the run's own folder) and the host's
        # MLflow Project environments, shared by the tests (each is named by the hash of its description).
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv"),
        "CT_PROJECT_ENV_DIR": str(Path(tempfile.gettempdir()) / "ct-test-project-envs"),
        **(extra or {}),
    }
    if run_id is not None:
        env["MLFLOW_RUN_ID"] = run_id
    return env


class RunningChild:
    """A started child, its events on a pipe named by ``CT_EVENTS_FD``, collected by a thread."""

    def __init__(self, spec: Path, env: dict[str, str], cwd: Path, module: str = "ct_pipeline.train") -> None:
        read_fd, write_fd = os.pipe()
        env = {**env, "CT_EVENTS_FD": str(write_fd)}
        self.events: list[dict[str, Any]] = []
        self._arrived: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, "--spec", str(spec)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=[write_fd],
        )
        os.close(write_fd)
        self._reader = threading.Thread(target=self._read, args=(read_fd,), daemon=True)
        self._reader.start()

    def _read(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            for line in pipe:
                event = read_event(line)
                self.events.append(event)
                self._arrived.put(event)
        self._arrived.put(None)

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        """Block until an event matching ``predicate`` arrives; fail at the deadline or at end of events."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._arrived.get(timeout=left)
            except queue.Empty:
                break
            if event is None:
                raise AssertionError(f"events ended before the awaited one: {self.events}")
            if predicate(event):
                return event
        raise AssertionError(f"no matching event within {timeout}s: {self.events}")

    def finish(self, timeout: float) -> Finished:
        """Wait for the child to exit and for its events to end; return what it did."""
        stdout, stderr = self.process.communicate(timeout=timeout)
        self._reader.join(timeout=10)
        for event in self.events:
            assert_in_contract(event)
        return Finished(self.process.returncode, self.events, stdout.decode(), stderr.decode())


@dataclass(frozen=True)
class Finished:
    """A finished child: exit code, events in order, and its captured stdout and stderr."""

    returncode: int
    events: list[dict[str, Any]]
    stdout: str
    stderr: str

    @property
    def result(self) -> dict[str, Any]:
        """The payload of the last event, which must be the ``result``."""
        assert self.events and self.events[-1]["type"] == "result", (self.events, self.stderr)
        return self.events[-1]["payload"]

    @property
    def reason(self) -> str:
        """The failure reason the worker reads from the exit code (the one channel of a reason)."""
        return reason_of(self.returncode).value

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        """The events of one type, in order."""
        return [event for event in self.events if event["type"] == event_type]


def run_child(
    spec: Path, env: dict[str, str], cwd: Path, timeout: float = 120, module: str = "ct_pipeline.train"
) -> Finished:
    """Start ``module`` (the training pipeline by default) for ``spec`` and wait for it to finish."""
    return RunningChild(spec, env, cwd, module).finish(timeout)
