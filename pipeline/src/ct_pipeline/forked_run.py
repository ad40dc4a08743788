"""What a run forked by the warm pool does first: become the run, then end as the interpreter would."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from typing import Final, NoReturn

from ct_pipeline.exit_codes import INFRASTRUCTURE
from ct_pipeline.fork_server import RunRequest

STREAMS: Final = ("stdout", "stderr", "events")
_PR_SET_PDEATHSIG: Final = 1
_FIRST_FREE_FD: Final = 100
_MAX_FD: Final = 65536
# /proc/<pid>/stat: env_start and env_end are fields 50 and 51, counted from 3 after the command's ')'.
_ENV_START_FIELD: Final = 50 - 3


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
    show_environment(request.env)
    import tempfile

    tempfile.tempdir = None  # computed again from the run's TMPDIR
    os.chdir(request.cwd)


def show_environment(env: Mapping[str, str]) -> None:
    """Make ``/proc/<pid>/environ`` show the run's environment, as a cold start's does.

    That file is what ``ps e``, an operator's ``grep CT_JOB_ID=`` and the worker's sweep of a dead worker's
    runs read, and the kernel shows there the memory the process was started with: a forked run would show
    the server's. The server was started with room for a run's (``CT_ENVIRON_ROOM``); the run writes its own
    there in place, job and MLflow names first, and the C library no longer points into it (``os.environ``
    was cleared and set again before). What does not fit is left out of that view only.
    """
    with open("/proc/self/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[_ENV_START_FIELD]), int(fields[_ENV_START_FIELD + 1])
    first = sorted(env.items(), key=lambda item: not item[0].startswith(("CT_", "MLFLOW_")))
    shown = bytearray()
    for name, value in first:
        entry = f"{name}={value}".encode() + b"\0"
        if len(shown) + len(entry) <= end - start:
            shown += entry
    view = (ctypes.c_char * (end - start)).from_address(start)
    ctypes.memset(view, 0, end - start)
    ctypes.memmove(view, bytes(shown), len(shown))


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
