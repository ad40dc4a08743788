"""``python -m ct_pipeline.train --spec SPEC.json``: train one model as the spec says, log it to MLflow.

The worker runs this as a child process for each training job (see the README for the environment and the
exit codes in `ct_pipeline.exit_codes`). It logs into the worker's run ``MLFLOW_RUN_ID``; without it (a data
scientist at a terminal) it creates a run in an experiment named after the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from ct_pipeline.errors import InfrastructureError, InvalidInput, PipelineFailure
from ct_pipeline.events import EventEmitter, Step, emitter_from_env
from ct_pipeline.exit_codes import INFRASTRUCTURE, SUCCESS
from ct_pipeline.spec import CsvData, Spec, load_spec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.evaluation import evaluate
from ct_pipeline.steps.extraction import extract, resolve_csv_path
from ct_pipeline.steps.preparation import prepare
from ct_pipeline.steps.training import train

if TYPE_CHECKING:
    from ct_pipeline.tracking import Tracker

DATA_ROOT_VAR: Final = "CT_DATA_ROOT"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # a bad command line is invalid input, reported as such
        raise InvalidInput(f"command line: {message}")


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Run the job described by ``--spec``; return the process exit code."""
    try:
        events = emitter_from_env(environ)
    except ValueError as exc:  # the worker gave a broken events pipe: nowhere to report but stderr
        print(f"infrastructure: {exc}", file=sys.stderr)
        return INFRASTRUCTURE
    with events:
        return run(argv, events, environ)


def run(argv: Sequence[str] | None, events: EventEmitter, environ: Mapping[str, str]) -> int:
    """Validate the inputs, run the steps, and report the outcome as a ``result`` event and exit code."""
    from ct_pipeline.tracking import Tracker  # imports MLflow (seconds): not needed to reject bad input

    tracker: Tracker | None = None
    try:
        parser = _Parser(prog="python -m ct_pipeline.train", description=__doc__)
        parser.add_argument("--spec", required=True, type=Path, help="path to the training spec (JSON)")
        spec = load_spec(parser.parse_args(argv).spec)
        csv_path = _csv_path(spec, environ)
        tracker = Tracker.open(spec.pipeline, environ)
        payload = _run_steps(spec, events, tracker, csv_path)
        tracker.end("FINISHED")
    except PipelineFailure as failure:
        if tracker is not None:
            tracker.end_after_failure("FAILED", mlflow_failed=isinstance(failure, InfrastructureError))
        return _report_failure(events, failure)
    except KeyboardInterrupt:
        if tracker is not None:
            tracker.end_after_failure("KILLED", mlflow_failed=False)
        raise
    events.result(payload)
    metrics = ", ".join(f"{key}={value:.4g}" for key, value in payload["metrics"].items())
    print(f"run {payload['run_id']} succeeded: {metrics}; model {payload['model_uri']}", flush=True)
    return SUCCESS


def _csv_path(spec: Spec, environ: Mapping[str, str]) -> Path | None:
    if not isinstance(spec.data, CsvData):
        return None
    return resolve_csv_path(Path(environ.get(DATA_ROOT_VAR) or os.getcwd()), spec.data.path)


def _run_steps(spec: Spec, events: EventEmitter, tracker: Tracker, csv_path: Path | None) -> dict[str, Any]:
    ctx = StepContext(spec=spec, events=events, tracker=tracker)
    with _step(events, Step.EXTRACTION):
        dataset = extract(ctx, csv_path)
    with _step(events, Step.PREPARATION):
        split = prepare(ctx, dataset)
    with _step(events, Step.TRAINING):
        model = train(ctx, split)
    with _step(events, Step.EVALUATION):
        metrics = evaluate(ctx, model.pipeline, split)
    return {
        "status": "succeeded",
        "metrics": metrics,
        "model_uri": model.model_uri,
        "run_id": tracker.run_id,
        "rows": split.rows,
    }


@contextmanager
def _step(events: EventEmitter, step: Step) -> Iterator[None]:
    """Report the block as ``step`` and mark a failure raised in it as having happened there."""
    try:
        with events.step(step):
            yield
    except PipelineFailure as failure:
        failure.step = failure.step or step
        raise


def _report_failure(events: EventEmitter, failure: PipelineFailure) -> int:
    step = failure.step.value if failure.step else None
    payload = {"status": "failed", "reason": failure.reason.value, "message": failure.message, "step": step}
    events.result(payload)
    where = f" in {step}" if step else ""
    print(f"{failure.reason.value}{where}: {failure.message}", file=sys.stderr, flush=True)
    return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())
