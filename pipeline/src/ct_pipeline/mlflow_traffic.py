"""How many HTTP requests a job sends to MLflow, by endpoint and by pipeline step.

MLflow's client sends every request through a `requests.Session` (REST calls and artifact transfers alike),
so counting at ``Session.send`` sees all of them, whoever makes the call: our tracker, autologging, or
MLflow's model logging and registry code. The job reports the count at its end as a ``log`` event, which
the worker stores with the job's other events: a job that got chattier shows it in its own event stream,
and the platform's P5 benchmark (``bench/mlflow-traffic.mjs``) checks it against a proxy's count.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

_API: Final = re.compile(r"/(?:ajax-)?api/[0-9.]+/mlflow/(.+)$")
_ARTIFACTS: Final = re.compile(r"/mlflow-artifacts/artifacts(/.*)?$")
# Ids in a REST path (logged models m-<hex>, run ids): one endpoint, however many models a job logs.
_ID: Final = re.compile(r"(?<=/)(?:m-)?[0-9a-f]{32}(?=/|$)")
TRANSFERS: Final = frozenset({"artifacts:upload", "artifacts:download"})


def endpoint_of(method: str, url: str) -> str | None:
    """The MLflow endpoint of a request (``runs/log-batch``, ``artifacts:upload``...), None if not MLflow's.

    Artifact proxy requests are ``artifacts:upload``, ``artifacts:download`` or ``artifacts:list`` (a GET
    of a folder); ids in a path become ``:id`` (``logged-models/:id``).
    """
    parts = urlsplit(url)
    artifact = _ARTIFACTS.search(parts.path)
    if artifact:
        if method in ("PUT", "POST"):
            return "artifacts:upload"
        file = artifact.group(1)
        if not file or file == "/" or "path" in parse_qs(parts.query):
            return "artifacts:list"
        return "artifacts:download" if method == "GET" else f"artifacts:{method.lower()}"
    api = _API.search(parts.path)
    if api is None:
        return None
    return _ID.sub(":id", "/" + api.group(1).rstrip("/"))[1:]


class MlflowTraffic:
    """The MLflow requests of this process, counted by endpoint and by the pipeline step they fell in."""

    def __init__(self) -> None:
        self.by_endpoint: Counter[str] = Counter()
        self.by_step: Counter[str] = Counter()
        self.step = "setup"
        self._lock = threading.Lock()  # autologging and MLflow's async logging send from other threads

    def record(self, method: str, url: str) -> None:
        """Count one request (ignored when it is not MLflow's)."""
        endpoint = endpoint_of(method, url)
        if endpoint is None:
            return
        with self._lock:
            self.by_endpoint[endpoint] += 1
            self.by_step[self.step] += 1

    def observe(self, event: dict[str, Any]) -> None:
        """An `EventEmitter` observer: requests count towards the step under way, else ``setup``/``end``."""
        if event.get("type") == "step.started":
            self.step = str(event["step"])
        elif event.get("type") == "step.finished":
            self.step = "end"

    @property
    def total(self) -> int:
        """Every request counted."""
        return sum(self.by_endpoint.values())

    @property
    def transfers(self) -> int:
        """Requests that moved artifact bytes (uploads and downloads)."""
        return sum(n for endpoint, n in self.by_endpoint.items() if endpoint in TRANSFERS)

    def summary(self) -> str:
        """One line: ``MLflow: 30 requests (9 artifact transfers); runs/log-batch 4, ...; by step: ...``."""
        endpoints = ", ".join(f"{name} {n}" for name, n in self.by_endpoint.most_common())
        steps = ", ".join(f"{name} {n}" for name, n in self.by_step.items())
        return (
            f"MLflow: {self.total} requests ({self.transfers} artifact transfers); "
            f"{endpoints or 'none'}; by step: {steps or 'none'}"
        )


_current: MlflowTraffic | None = None
_hooked = False
_hook_lock = threading.Lock()


def count_mlflow_requests() -> MlflowTraffic:
    """Count this process's MLflow requests from now on into a new counter (a job's); return it.

    The hook goes into ``requests`` once per process; each call starts a fresh count, so that jobs run one
    after the other in one interpreter (tests, a forked pool member) each see only their own requests.
    """
    global _current, _hooked
    with _hook_lock:
        if not _hooked:
            import requests

            _wrap_send(requests.Session, _record)
            _hooked = True
        _current = MlflowTraffic()
        return _current


def _record(method: str, url: str) -> None:
    traffic = _current
    if traffic is not None:
        traffic.record(method, url)


def _wrap_send(session_class: Any, record: Callable[[str, str], None]) -> None:
    send = session_class.send

    def counted_send(self: Any, request: Any, **kwargs: Any) -> Any:
        record(str(request.method or "GET"), str(request.url))
        return send(self, request, **kwargs)

    session_class.send = counted_send
