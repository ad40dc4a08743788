"""A run's params, metrics and tags, gathered to be sent to MLflow in one ``runs/log-batch`` request.

Each step logs a few values; sent one call at a time they made a dozen requests per job. `Tracker` keeps
them here and flushes them at the points where they matter: before the fit (a long fit shows what came
before it), and when the run ends, whether it succeeded or failed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from mlflow.entities import Metric, Param, RunTag

MAX_TAG_LENGTH = 5000  # MLflow's limit for a tag value
MAX_PARAM_LENGTH = 6000  # and for a param value


class PendingBatch:
    """Params, metrics (step 0, stamped when logged) and tags not yet sent; a later value of a key wins.

    It also remembers every param and metric added, sent or not (`run_params`, `run_metrics`): with those
    logged by others (`add_held`), they are what the run holds, known without reading it.
    """

    def __init__(self) -> None:
        self._params: dict[str, str] = {}
        self._metrics: dict[str, Metric] = {}
        self._tags: dict[str, str] = {}
        self._linked: list[Metric] = []
        self._run_params: dict[str, str] = {}
        self._run_metrics: dict[str, Metric] = {}

    def __bool__(self) -> bool:
        return bool(self._params or self._metrics or self._tags or self._linked)

    def add_params(self, params: Mapping[str, object]) -> None:
        """Params as MLflow stores them: values become strings (cut to its limit), None becomes ``"None"``."""
        strings = {key: str(value)[:MAX_PARAM_LENGTH] for key, value in params.items()}
        self._params.update(strings)
        self._run_params.update(strings)

    def add_metrics(self, metrics: Mapping[str, float]) -> None:
        """Metrics at step 0, timestamped now (when the value was known, not when it is sent)."""
        now = int(time.time() * 1000)
        stamped = {key: Metric(key, float(value), now, 0) for key, value in metrics.items()}
        self._metrics.update(stamped)
        self._run_metrics.update(stamped)

    def add_tags(self, tags: Mapping[str, object]) -> None:
        """Tags: values become strings, cut to MLflow's limit."""
        self._tags.update({key: str(value)[:MAX_TAG_LENGTH] for key, value in tags.items()})

    def add_linked_metrics(self, metrics: list[Metric]) -> None:
        """Metrics already in the run, sent again with a logged model's id: that links them to the model."""
        self._linked.extend(metrics)

    def add_held(self, params: Mapping[str, str], metrics: Iterable[Metric]) -> None:
        """Params and metrics the run holds that were logged elsewhere (read from MLflow): not to be sent."""
        self._run_params.update(params)
        self._run_metrics.update({m.key: m for m in metrics})

    def run_params(self) -> dict[str, str]:
        """Every param the run holds from here or held when joined, sent or not."""
        return dict(self._run_params)

    def run_metrics(self) -> list[Metric]:
        """The latest value of every metric the run holds from here or held when joined, sent or not."""
        return list(self._run_metrics.values())

    def take(self) -> tuple[list[Metric], list[Param], list[RunTag]]:
        """Everything pending, emptied: ``(metrics, params, tags)`` for ``MlflowClient.log_batch``."""
        batch = (
            [*self._metrics.values(), *self._linked],
            [Param(key, value) for key, value in self._params.items()],
            [RunTag(key, value) for key, value in self._tags.items()],
        )
        self._params, self._metrics, self._tags, self._linked = {}, {}, {}, []
        return batch
