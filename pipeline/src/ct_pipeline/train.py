"""``python -m ct_pipeline.train --spec SPEC``: run the seven-step CT pipeline as the spec says.

The worker runs this as a child process for each training job (see the README for the environment and the
exit codes in `ct_pipeline.exit_codes`). It logs into the worker's run ``MLFLOW_RUN_ID``; without it (a data
scientist at a terminal, or ``ct-pipeline run``) it creates a run in an experiment named after the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ct_pipeline.errors import InfrastructureError, InvalidInput, PipelineFailure
from ct_pipeline.events import EventEmitter, Step, emitter_from_env
from ct_pipeline.exit_codes import INFRASTRUCTURE, SUCCESS
from ct_pipeline.spec import Spec, load_spec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.extraction import SourceAccess, resolve_source
from ct_pipeline.steps.training import ModelPlan, plan_model

if TYPE_CHECKING:
    from ct_pipeline.tracking import Tracker


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
    """Parse ``--spec`` from ``argv`` and run it (see `execute`)."""
    try:
        parser = _Parser(prog="python -m ct_pipeline.train", description=__doc__)
        parser.add_argument("--spec", required=True, type=Path, help="path to the spec (JSON or YAML)")
        spec_path = parser.parse_args(argv).spec
    except PipelineFailure as failure:
        return report_failure(events, failure)
    return execute(spec_path, events, environ)


def execute(spec_path: Path, events: EventEmitter, environ: Mapping[str, str]) -> int:
    """Validate the inputs, run the steps, and report the outcome as a ``result`` event and exit code."""
    from ct_pipeline.tracking import Tracker  # imports MLflow (seconds): not needed to reject bad input

    tracker: Tracker | None = None
    try:
        spec = load_spec(spec_path)
        access = resolve_source(spec, environ)
        plan = plan_model(spec, environ)
        tracker = Tracker.open(spec.pipeline, environ)
        payload = _run_steps(spec, events, tracker, access, plan, environ)
        tracker.end("FINISHED")
    except PipelineFailure as failure:
        if tracker is not None:
            tracker.end_after_failure("FAILED", mlflow_failed=isinstance(failure, InfrastructureError))
        return report_failure(events, failure)
    except KeyboardInterrupt:
        if tracker is not None:
            tracker.end_after_failure("KILLED", mlflow_failed=False)
        raise
    events.result(payload)
    metrics = ", ".join(f"{key}={value:.4g}" for key, value in payload["metrics"].items())
    decision = payload["decision"]
    print(
        f"run {payload['run_id']} succeeded: {metrics}; model {payload['model_uri']}; "
        f"{payload['registered_model']} v{payload['model_version']}: {decision['outcome']}"
        + (f" ({decision['alias']})" if decision["alias"] else ""),
        flush=True,
    )
    return SUCCESS


def _run_steps(
    spec: Spec,
    events: EventEmitter,
    tracker: Tracker,
    access: SourceAccess,
    plan: ModelPlan,
    environ: Mapping[str, str],
) -> dict[str, Any]:
    from ct_pipeline.lineage import lineage_tags
    from ct_pipeline.steps.evaluation import evaluate
    from ct_pipeline.steps.extraction import extract
    from ct_pipeline.steps.model_validation import registered_model_name, validate_model
    from ct_pipeline.steps.preparation import prepare
    from ct_pipeline.steps.promotion import decision_payload, promote
    from ct_pipeline.steps.training import train
    from ct_pipeline.steps.validation import validate

    ctx = StepContext(spec=spec, events=events, tracker=tracker)
    model_name = registered_model_name(spec.pipeline, environ)
    tracker.set_tags({"ct.spec_hash": spec.hash, "ct.policy": spec.policy})
    with _step(events, Step.EXTRACTION):
        extracted = extract(ctx, access)
        lineage = lineage_tags(spec.hash, extracted.fingerprint, environ)
        tracker.set_tags(lineage)
    with _step(events, Step.VALIDATION):
        validate(ctx, extracted)
    with _step(events, Step.PREPARATION):
        split = prepare(ctx, extracted)
    with _step(events, Step.TRAINING):
        model = train(ctx, split, plan)
    with _step(events, Step.EVALUATION):
        metrics = evaluate(ctx, model.pipeline, split)
    with _step(events, Step.MODEL_VALIDATION):
        decision = validate_model(ctx, model_name, metrics, split)
    with _step(events, Step.PROMOTION):
        promotion = promote(ctx, model_name, model.model_uri, decision, lineage, environ)
    return {
        "status": "succeeded",
        "metrics": metrics,
        "model_uri": model.model_uri,
        "run_id": tracker.run_id,
        "rows": split.rows,
        "registered_model": promotion.registered_model,
        "model_version": promotion.version,
        "decision": decision_payload(decision, promotion, spec.policy),
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


def report_failure(events: EventEmitter, failure: PipelineFailure) -> int:
    """Send the failed ``result`` event, print the reason on stderr, return the exit code."""
    step = failure.step.value if failure.step else None
    payload = {"status": "failed", "reason": failure.reason.value, "message": failure.message, "step": step}
    events.result(payload)
    where = f" in {step}" if step else ""
    print(f"{failure.reason.value}{where}: {failure.message}", file=sys.stderr, flush=True)
    return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())
