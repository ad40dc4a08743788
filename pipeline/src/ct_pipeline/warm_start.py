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

import atexit
import contextlib
import ctypes
import fcntl
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NoReturn

from ct_pipeline.exit_codes import INFRASTRUCTURE

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
STREAMS: Final = ("stdout", "stderr", "events")
_PR_SET_PDEATHSIG: Final = 1
_FIRST_FREE_FD: Final = 100
_MAX_FD: Final = 65536


@dataclass(frozen=True)
class RunRequest:
    """One run the worker asked for: what the child becomes."""

    token: str
    argv: list[str]
    env: dict[str, str]
    cwd: str
    socket: str

    @staticmethod
    def parse(message: Mapping[str, Any]) -> RunRequest:
        argv = message.get("argv")
        env = message.get("env")
        fields = (message.get("token"), message.get("cwd"), message.get("socket"))
        if not all(isinstance(value, str) and value for value in fields):
            raise ValueError("token, cwd and socket must be non-empty strings")
        if not isinstance(argv, list) or len(argv) < 2 or argv[0] not in ("-m", "-c"):
            raise ValueError("argv must start with -m MODULE or -c CODE")
        if not all(isinstance(arg, str) for arg in argv):
            raise ValueError("argv must be strings")
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise ValueError("env must map names to strings")
        token, cwd, path = fields
        return RunRequest(str(token), list(argv), dict(env), str(cwd), str(path))


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


class Server:
    """Reads requests, forks runs, reports their ends. Single-threaded, so forking is safe."""

    def __init__(self, requests: int, answers: int) -> None:
        self._requests = requests
        self._answers = answers
        self._buffer = b""
        self._children: set[int] = set()
        self._open = True
        self._wakeup_read, self._wakeup_write = os.pipe()
        os.set_blocking(self._wakeup_write, False)

    def send(self, **message: Any) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self._answers, data) :]

    def serve(self) -> RunRequest | None:
        """Serve until stdin closes and every child has ended (returns None), or return in a forked child."""
        signal.set_wakeup_fd(self._wakeup_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        selector = selectors.DefaultSelector()
        selector.register(self._requests, selectors.EVENT_READ)
        selector.register(self._wakeup_read, selectors.EVENT_READ)
        while self._open or self._children:
            for key, _ in selector.select(timeout=1.0):
                if key.fd == self._wakeup_read:
                    os.read(self._wakeup_read, 512)
                    continue
                for message in self._read_requests():
                    request = self._accept(message)
                    if request is not None and self._fork(request):
                        selector.close()
                        return request
                if not self._open:
                    selector.unregister(self._requests)
            self._reap()
        return None

    def _read_requests(self) -> Iterator[dict[str, Any]]:
        chunk = os.read(self._requests, 65536)
        if not chunk:
            self._open = False
            return
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            yield message if isinstance(message, dict) else {}

    def _accept(self, message: dict[str, Any]) -> RunRequest | None:
        try:
            return RunRequest.parse(message)
        except ValueError as exc:
            self.send(op="refused", token=str(message.get("token", "")), error=str(exc))
            return None

    def _fork(self, request: RunRequest) -> bool:
        """Fork a child for ``request``; True in the child."""
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            self.send(op="refused", token=request.token, error=f"fork failed: {exc}")
            return False
        if pid == 0:
            return True
        self._children.add(pid)
        self.send(op="started", token=request.token, pid=pid)
        return False

    def _reap(self) -> None:
        for pid in list(self._children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done == 0:
                continue
            self._children.discard(pid)
            if os.WIFSIGNALED(status):
                self.send(op="exit", pid=pid, code=None, signal=signal.Signals(os.WTERMSIG(status)).name)
            else:
                self.send(op="exit", pid=pid, code=os.waitstatus_to_exitcode(status), signal=None)

    def close_in_child(self) -> None:
        signal.set_wakeup_fd(-1)
        # stdin (the requests) is replaced by /dev/null in `become_run`.
        for fd in (self._answers, self._wakeup_read, self._wakeup_write):
            os.close(fd)


def become_run(request: RunRequest, server_pid: int) -> None:
    """In the forked child: leave the server's group, streams and environment behind, take the run's."""
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0 or os.getppid() != server_pid:
        os._exit(INFRASTRUCTURE)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # Moved out of the way first, so that putting one on fd 1, 2 or 3 never closes another.
    moved = []
    for name in STREAMS:
        stream = _connect(request, name)
        moved.append(fcntl.fcntl(stream.fileno(), fcntl.F_DUPFD, _FIRST_FREE_FD))
        stream.close()
    for fd, source in zip((1, 2, 3), moved, strict=True):
        os.dup2(source, fd)
    os.closerange(4, _MAX_FD)
    os.environ.clear()
    os.environ.update(request.env)
    import tempfile

    tempfile.tempdir = None  # computed again from the run's TMPDIR
    os.chdir(request.cwd)


def _connect(request: RunRequest, name: str) -> socket.socket:
    stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        stream.connect(request.socket)
        stream.sendall(f"{request.token} {name}\n".encode())
    except OSError as exc:
        print(f"warm pool: cannot reach the worker at {request.socket}: {exc}", file=sys.stderr)
        os._exit(INFRASTRUCTURE)
    stream.shutdown(socket.SHUT_RD)
    return stream


def run(argv: Sequence[str]) -> None:
    """Run ``-m module args`` or ``-c code args`` as the interpreter's main program would."""
    import runpy

    flag, target, *args = argv
    if flag == "-m":
        sys.argv = [target, *args]
        sys.path[0] = os.getcwd()
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *args]
        sys.path[0] = ""
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})


def run_and_exit(argv: Sequence[str]) -> NoReturn:
    """Run ``argv`` and end the process as the interpreter would, without tearing its modules down.

    Python's own exit waits for the run's threads, calls its ``atexit`` functions and flushes its streams,
    then frees every module: with all that the server preloaded, that last part takes over a second. A
    forked run does the first three and leaves the rest to the kernel (as multiprocessing's children do).
    """
    code = 0
    try:
        run(argv)
    except SystemExit as exc:
        code = _exit_status(exc.code)
    except KeyboardInterrupt:
        traceback.print_exc()
        _flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:  # an uncaught exception: its traceback and status 1, as `python` ends
        traceback.print_exc()
        code = 1
    threading._shutdown()  # type: ignore[attr-defined]  # what Python's exit runs to wait for threads
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


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
