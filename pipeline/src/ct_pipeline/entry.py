"""What the worker's entry points share: ``--spec`` parsing, the events pipe, the run, and failure reports.

``python -m ct_pipeline.train``, ``ct_pipeline.score`` and ``ct_pipeline.monitor`` each take one file
(``--spec``), report on the events pipe, log into the worker's MLflow run and end with the exit codes of
`ct_pipeline.exit_codes`. `run_entry_point` and `run_job` are that frame; each module brings its own work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from ct_pipeline.contract import result_problem
from ct_pipeline.errors import InfrastructureError, InvalidInput, PipelineFailure
from ct_pipeline.events import EventEmitter, EventError, Step, emitter_from_env
from ct_pipeline.exit_codes import INFRASTRUCTURE, SUCCESS

if TYPE_CHECKING:
    from ct_pipeline.tracking import Tracker

Job = TypeVar("Job")
Execute = Callable[[Path, EventEmitter, Mapping[str, str]], int]


class ArgParser(argparse.ArgumentParser):
    """An argument parser whose errors are `InvalidInput`, reported like any other bad input."""

    def error(self, message: str) -> NoReturn:
        raise InvalidInput(f"command line: {message}")


def run_entry_point(
    prog: str,
    description: str | None,
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    execute: Execute,
    spec_help: str = "path to the spec (JSON or YAML)",
) -> int:
    """Open the events pipe, parse ``--spec FILE`` from ``argv``, call ``execute``; return its exit code."""
    try:
        events = emitter_from_env(environ)
    except ValueError as exc:  # the worker gave a broken events pipe: nowhere to report but stderr
        print(f"infrastructure: {exc}", file=sys.stderr)
        return INFRASTRUCTURE
    with events:
        try:
            parser = ArgParser(prog=prog, description=description)
            parser.add_argument("--spec", required=True, type=Path, help=spec_help)
            path = parser.parse_args(argv).spec
        except PipelineFailure as failure:
            return report_failure(events, failure)
        return execute(path, events, environ)


def run_job(
    events: EventEmitter,
    environ: Mapping[str, str],
    prepare: Callable[[], Job],
    experiment: Callable[[Job], str],
    work: Callable[[Job, Tracker], dict[str, Any]],
) -> tuple[int, dict[str, Any] | None]:
    """Check the input (``prepare``, before MLflow is contacted), open the run, ``work``, report the outcome.

    The run is the worker's ``MLFLOW_RUN_ID``, which the worker ends, or by hand a new run in experiment
    ``experiment(job)``, which ends FINISHED, FAILED or KILLED here (`Tracker.end`). Returns the exit code,
    and the payload of the ``result`` event on success (already sent).
    """
    from ct_pipeline.mlflow_traffic import count_mlflow_requests
    from ct_pipeline.tracking import Tracker  # imports MLflow (seconds): not needed to reject bad input

    traffic = count_mlflow_requests()
    events.observe(traffic.observe)
    tracker: Tracker | None = None
    try:
        job = prepare()
        tracker = Tracker.open(experiment(job), environ)
        payload = work(job, tracker)
        tracker.end("FINISHED")
    except PipelineFailure as failure:
        if tracker is not None:
            tracker.end_after_failure("FAILED", mlflow_failed=isinstance(failure, InfrastructureError))
            events.log("info", traffic.summary())
        return report_failure(events, failure), None
    except KeyboardInterrupt:
        if tracker is not None:
            tracker.end_after_failure("KILLED", mlflow_failed=False)
        raise
    # Before the result: the result is the job's last event.
    events.log("info", traffic.summary())
    send_result(events, payload)
    return SUCCESS, payload


@contextmanager
def step_scope(events: EventEmitter, step: Step) -> Iterator[None]:
    """Report the block as ``step`` and mark a failure raised in it as having happened there."""
    try:
        with events.step(step):
            yield
    except PipelineFailure as failure:
        failure.step = failure.step or step
        raise


def send_result(events: EventEmitter, payload: dict[str, Any]) -> None:
    """Send the ``result`` event, once ``payload`` is checked against the contract's payload of its kind
    (``schema/pipeline-result.schema.json``); a payload that breaks it is a bug: `EventError`."""
    problem = result_problem(payload)
    if problem is not None:
        raise EventError(problem)
    events.result(payload)


def report_failure(events: EventEmitter, failure: PipelineFailure) -> int:
    """Send the failed ``result`` event, print the reason on stderr, return the exit code.

    The exit code is the one channel of the reason (the worker reads it, and it is there even after a
    crash); the result says what went wrong and in which step.
    """
    step = failure.step.value if failure.step else None
    send_result(events, {"status": "failed", "message": failure.message, "step": step})
    where = f" in {step}" if step else ""
    print(f"{failure.reason.value}{where}: {failure.message}", file=sys.stderr, flush=True)
    return failure.exit_code
