"""The warm pool's fork server: requests in, forked runs and their ends out (see `ct_pipeline.warm_start`)."""

from __future__ import annotations

import json
import os
import selectors
import signal
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


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
