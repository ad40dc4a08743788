"""The warm pool's fork server: its requests, its exit statuses, and what it preloads."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from ct_pipeline import forked_run, warm_start
from ct_pipeline.fork_server import RunRequest
from ct_pipeline.warm_start import PRELOAD

GOOD = {
    "token": "t1",
    "argv": ["-m", "ct_pipeline.train", "--spec", "s.json"],
    "env": {"A": "1"},
    "cwd": "/w",
    "socket": "/s",
}


def test_parses_a_run_request() -> None:
    sut = RunRequest.parse(GOOD)
    assert sut == RunRequest("t1", ["-m", "ct_pipeline.train", "--spec", "s.json"], {"A": "1"}, "/w", "/s")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"token": ""}, "token, cwd and socket"),
        ({"cwd": None}, "token, cwd and socket"),
        ({"argv": ["ct_pipeline.train"]}, "argv must start with -m MODULE or -c CODE"),
        ({"argv": ["-x", "code"]}, "argv must start with -m MODULE or -c CODE"),
        ({"argv": ["-c", 1]}, "argv must be strings"),
        ({"env": {"A": 1}}, "env must map names to strings"),
        ({"env": ["A=1"]}, "env must map names to strings"),
    ],
)
def test_refuses_a_malformed_request(change: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        RunRequest.parse({**GOOD, **change})


@pytest.mark.parametrize(
    ("code", "status"),
    [(None, 0), (0, 0), (4, 4), (256 + 3, 3), ("a message", 1)],
)
def test_exits_with_the_status_python_would(code: object, status: int) -> None:
    assert forked_run._exit_status(code) == status


@pytest.mark.parametrize("module", PRELOAD)
def test_every_preloaded_module_imports(module: str) -> None:
    # The server logs a module it cannot preload and goes on: a renamed one would silently cost every run.
    assert importlib.import_module(module) is not None


def test_watches_the_package_and_its_lockfile() -> None:
    paths = warm_start.watched_paths()
    assert paths[0].endswith("ct_pipeline")
    assert paths[1:] == [p for p in paths[1:] if p.endswith("uv.lock")]


SHOW = """
import os, sys
from ct_pipeline.forked_run import show_environment
show_environment({"A": "1", "LONG": "x" * int(sys.argv[1]), "CT_JOB_ID": "j1", "MLFLOW_RUN_ID": "r1"})
sys.stdout.write(open(f"/proc/{os.getpid()}/environ", "rb").read().decode())
"""


@pytest.mark.parametrize(
    ("long", "shown"),
    [
        (10, ["CT_JOB_ID=j1", "MLFLOW_RUN_ID=r1", "A=1", "LONG=" + "x" * 10]),
        (5000, ["CT_JOB_ID=j1", "MLFLOW_RUN_ID=r1", "A=1"]),  # what does not fit is left out; the job first
    ],
)
def test_shows_the_run_environment_in_the_room_it_was_given(long: int, shown: list[str]) -> None:
    room = {"CT_ENVIRON_ROOM": "." * 200, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SHOW, str(long)], env=room, capture_output=True, text=True, check=True
    )
    assert [entry for entry in done.stdout.split("\0") if entry] == shown
