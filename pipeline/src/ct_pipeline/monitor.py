"""``python -m ct_pipeline.monitor --spec TASK``: live performance and data drift of a model version.

The worker runs this for a monitor job, with the task file it wrote (``task.json``) and the window's
predictions it exported (``window.csv``: see the README). Steps: ``extraction`` (the window, the version's
reference sample from the model cache), ``evaluation`` (metrics, plot, drift report). Everything goes to the
worker's monitoring run: ``live.<metric>``, ``live.samples``, ``live.scored``, ``drift.<feature>``,
``drift.share``, ``plots/predicted_vs_observed.png`` and ``drift/report.html``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ct_pipeline.entry import run_entry_point, run_job, step_scope
from ct_pipeline.events import EventEmitter, Step
from ct_pipeline.monitoring.monitor_task import MonitorTask, load_monitor_task

if TYPE_CHECKING:
    import pandas as pd

    from ct_pipeline.monitoring.drift import Drift
    from ct_pipeline.monitoring.window_file import Window
    from ct_pipeline.registry import ModelVersion
    from ct_pipeline.tracking import Tracker

PLOT_PATH = "plots/predicted_vs_observed.png"
REPORT_PATH = "drift/report.html"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Run the monitor task given by ``--spec``; return the process exit code."""
    return run_entry_point("python -m ct_pipeline.monitor", __doc__, argv, environ, execute, "the task file")


def execute(task_path: Path, events: EventEmitter, environ: Mapping[str, str]) -> int:
    """Check the task, evaluate the window, report the outcome as a ``result`` event and exit code."""
    code, payload = run_job(
        events,
        environ,
        lambda: load_monitor_task(task_path, environ),
        lambda task: f"{task.spec.pipeline}/monitoring",
        lambda task, tracker: _monitor(task, events, tracker, environ),
    )
    if payload is not None:
        metrics = ", ".join(f"{key}={value:.4g}" for key, value in payload["metrics"].items()) or "no metrics"
        drift = payload["drift"]
        shown = f"{drift['drifted']} drifted feature(s)" if drift else f"no drift: {payload['drift_skipped']}"
        print(f"monitored v{payload['model_version']}: {payload['samples']} samples, {metrics}; {shown}")
    return code


def _monitor(
    task: MonitorTask, events: EventEmitter, tracker: Tracker, environ: Mapping[str, str]
) -> dict[str, Any]:
    from ct_pipeline.monitoring.live_metrics import live_metrics
    from ct_pipeline.monitoring.window_file import read_window
    from ct_pipeline.registry import resolve_version
    from ct_pipeline.scoring.model_cache import cache_root, cached_reference

    version = resolve_version(task.registered_model, task.model_version or task.model)
    tracker.set_tags({"ct.registered_model": version.registered_model, "ct.model_version": version.version})
    tracker.log_params(
        {"window_start": task.window_start, "window_end": task.window_end, "model_version": version.version}
    )
    with step_scope(events, Step.EXTRACTION):
        window = read_window(task.input)
        reference_file = cached_reference(cache_root(environ), version)
        scored, labelled = len(window.predictions), len(window.labelled)
        events.log("info", f"{scored} predictions in the window, {labelled} with an observed outcome")
    with step_scope(events, Step.EVALUATION):
        live = live_metrics(task.spec.task, window.labelled)
        for note in (live.note, _below_min_samples(live.samples, task.min_samples)):
            if note:
                events.log("info", note)
        tracker.log_metrics(
            {f"live.{key}": value for key, value in live.metrics.items()}
            | {"live.samples": live.samples, "live.scored": scored}
        )
        for key, value in live.metrics.items():
            events.metric(f"live.{key}", value)
        _log_plot(task, window, events, tracker)
        drift = _drift(version, reference_file, window, events, tracker)
    return {
        "status": "succeeded",
        "kind": "monitor",
        "samples": live.samples,
        "scored": scored,
        "metrics": live.metrics,
        "primary": task.spec.rules.primary,
        "drift": drift.payload,
        "drift_skipped": drift.skipped,
        "model_version": version.version,
        "run_id": tracker.run_id,
    }


def _below_min_samples(samples: int, min_samples: int) -> str | None:
    if samples >= min_samples:
        return None
    return f"{samples} labelled sample(s) < min_samples {min_samples}: no degradation decision on this window"


def _log_plot(task: MonitorTask, window: Window, events: EventEmitter, tracker: Tracker) -> None:
    from ct_pipeline import plots
    from ct_pipeline.monitoring.live_metrics import observed_plot

    if window.labelled.empty:
        return
    try:
        figure = observed_plot(task.spec.task, window.labelled)
    except Exception as exc:  # a plot is a nice-to-have: never fail the evaluation over one
        events.log("warning", f"could not draw {PLOT_PATH}: {type(exc).__name__}: {exc}")
        return
    try:
        tracker.log_figure(figure, PLOT_PATH)
    finally:
        plots.close(figure)


def _drift(
    version: ModelVersion, reference_file: Path | None, window: Window, events: EventEmitter, tracker: Tracker
) -> Drift:
    from ct_pipeline.monitoring.drift import Drift, measure_drift

    why = f"the training run of v{version.version} logged no reference sample (reference/sample.parquet)"
    try:
        drift = measure_drift(_read_reference(reference_file), window.features, why)
    except Exception as exc:  # Evidently (or the cached sample) failing costs the drift, not the metrics
        events.log("warning", f"drift not measured: {type(exc).__name__}: {exc}")
        return Drift(skipped=f"drift could not be measured: {type(exc).__name__}: {exc}")
    if drift.payload is None:
        events.log("info", f"drift skipped: {drift.skipped}")
        return drift
    assert drift.html is not None
    tracker.log_text(drift.html, REPORT_PATH)
    tracker.log_metrics(drift.metrics)
    events.log("info", f"drift: {drift.payload['drifted']} of {len(drift.payload['features'])} feature(s)")
    return drift


def _read_reference(path: Path | None) -> pd.DataFrame | None:
    import pandas as pd

    return None if path is None else pd.read_parquet(path)


if __name__ == "__main__":
    sys.exit(main())
