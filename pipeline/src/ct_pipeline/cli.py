"""``ct-pipeline run SPEC``: the CT pipeline by hand, with readable progress on stderr.

The same code path as the worker's ``python -m ct_pipeline.train --spec SPEC``: same steps, same MLflow
logging, same registry decision, same exit codes. Without ``MLFLOW_RUN_ID`` it creates a run in an experiment
named after the pipeline, on the server ``MLFLOW_TRACKING_URI`` names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from ct_pipeline.entry import ArgParser, report_failure
from ct_pipeline.errors import PipelineFailure
from ct_pipeline.events import emitter_from_env
from ct_pipeline.exit_codes import INFRASTRUCTURE
from ct_pipeline.train import execute


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Parse ``run SPEC`` and run the pipeline; return the exit code."""
    try:
        events = emitter_from_env(environ)
    except ValueError as exc:
        print(f"infrastructure: {exc}", file=sys.stderr)
        return INFRASTRUCTURE
    with events:
        events.observe(console(sys.stderr))
        try:
            parser = ArgParser(prog="ct-pipeline", description=__doc__)
            commands = parser.add_subparsers(dest="command", required=True)
            run = commands.add_parser("run", help="run the pipeline a spec describes")
            run.add_argument("spec", type=Path, help="the spec: YAML (.yaml, .yml) or JSON")
            args = parser.parse_args(argv)
        except PipelineFailure as failure:
            return report_failure(events, failure)
        return execute(args.spec, events, environ)


def console(stream: TextIO) -> Callable[[dict[str, Any]], None]:
    """An event observer that writes one readable line per step, warning and outcome to ``stream``."""

    def write(event: dict[str, Any]) -> None:
        line = describe(event)
        if line is not None:
            print(line, file=stream, flush=True)

    return write


def describe(event: dict[str, Any]) -> str | None:
    """The readable line for ``event`` (None for events not worth a line)."""
    kind = event["type"]
    if kind == "step.started":
        return f"[ct] {event['step']}: started"
    if kind == "step.finished":
        seconds = event["duration_ms"] / 1000
        if event["status"] == "ok":
            return f"[ct] {event['step']}: done in {seconds:.2f}s"
        return f"[ct] {event['step']}: FAILED after {seconds:.2f}s: {event.get('reason', '')}"
    if kind == "log" and event["level"] in ("warning", "error"):
        return f"[ct]   {event['level']}: {event['message']}"
    if kind == "log":
        return f"[ct]   {event['message']}"
    if kind == "progress":
        return f"[ct]   {event['step']} {event['fraction']:.0%}: {event.get('message', '')}"
    if kind == "metric":
        return f"[ct]   {event['key']} = {event['value']:.6g}"
    if kind == "result":
        payload = event["payload"]
        if payload.get("status") != "succeeded":
            where = f" in {payload['step']}" if payload.get("step") else ""
            return f"[ct] failed{where}: {payload.get('message')}"
        decision = payload["decision"]
        alias = f", alias {decision['alias']}" if decision["alias"] else ", no alias moved"
        return (
            f"[ct] decision: {decision['outcome']} {payload['registered_model']} v{payload['model_version']}"
            f"{alias}: {decision['reason']}"
        )
    return None


if __name__ == "__main__":
    sys.exit(main())
