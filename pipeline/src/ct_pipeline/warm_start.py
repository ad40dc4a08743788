"""``python -m ct_pipeline.warm_start``: the worker's warm pool, a fork server of preloaded interpreters.

Importing scikit-learn, pandas, MLflow, LightGBM and Evidently takes a pipeline process about two seconds of
its start. This process imports them once, then forks a fresh child for each run the worker asks for: the
child starts with everything imported and nothing else shared (a fork copies memory; what a run changes
stays in its own process), and runs the entry point exactly as ``python -m ...`` would, under the run's own
environment, working directory, process group, standard streams and events pipe.

Protocol (JSON lines; the worker writes requests to stdin, this process answers on stdout, its own logs go
to stderr):

- ``{"op": "ready", "pid", "preload_ms", "watch": [paths]}`` once the imports are done; ``watch`` names the
  code whose change makes the worker start a new server.
- request ``{"op": "run", "token", "argv", "env", "cwd", "socket"}``: fork a child that connects to the unix
  socket ``socket`` three times, sending ``"<token> stdout|stderr|events\\n"`` first on each connection, puts
  them on fds 1, 2 and 3, and runs ``argv`` (``-m module args...`` or ``-c code args...``);
  answered ``{"op": "started", "token", "pid"}``, or ``{"op": "refused", "token", "error"}``.
- ``{"op": "exit", "pid", "code", "signal"}`` when a child ends (``code`` null when a signal ended it).

When stdin closes, the server forks nothing more, waits for its children, and exits.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from ct_pipeline.fork_server import Server
from ct_pipeline.forked_run import become_run, run_and_exit

# What runs import, eagerly or inside a step: the entry points, their lazily imported libraries, and the
# plotting backend (set before pyplot loads, as the steps do).
PRELOAD: Final = (
    "ct_pipeline.train",
    "ct_pipeline.score",
    "ct_pipeline.monitor",
    "mlflow",
    "mlflow.sklearn",
    "mlflow.lightgbm",
    "mlflow.pyfunc",
    "pyarrow.parquet",
    "matplotlib.pyplot",
    "skops.io",
    "lightgbm",
    "psycopg",
    "evidently",
    "evidently.presets",
)


def preload(modules: Sequence[str] = PRELOAD) -> float:
    """Import what runs need; return the milliseconds it took. A module that fails is left to the run."""
    started = time.perf_counter()
    import matplotlib

    matplotlib.use("Agg")
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the run that needs it reports the same error, as a cold start would
            print(f"warm pool: could not preload {name}: {exc}", file=sys.stderr)
    return (time.perf_counter() - started) * 1000


def watched_paths() -> list[str]:
    """The pipeline's code and, when installed from a checkout, its lockfile: a change means a new server."""
    package = Path(__file__).resolve().parent
    paths = [str(package)]
    lockfile = package.parent.parent / "uv.lock"
    if lockfile.is_file():
        paths.append(str(lockfile))
    return paths


def main() -> None:
    # Answers go to the original stdout; anything a library prints goes to stderr instead of into them.
    answers = os.dup(1)
    os.dup2(2, 1)
    server = Server(requests=0, answers=answers)
    preload_ms = preload()
    server.send(op="ready", pid=os.getpid(), preload_ms=round(preload_ms), watch=watched_paths())
    parent = os.getpid()
    request = server.serve()
    if request is None:
        return
    server.close_in_child()
    become_run(request, parent)
    run_and_exit(request.argv)


if __name__ == "__main__":
    main()
