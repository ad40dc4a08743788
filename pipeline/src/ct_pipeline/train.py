"""``python -m ct_pipeline.train --spec SPEC``: run the seven-step CT pipeline as the spec says.

The worker runs this as a child process for each training job (see the README for the environment and the
exit codes in `ct_pipeline.exit_codes`). It logs into the worker's run ``MLFLOW_RUN_ID``; without it (a data
scientist at a terminal, or ``ct-pipeline run``) it creates a run in an experiment named after the pipeline.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ct_pipeline.entry import report_failure, run_entry_point, run_job, step_scope
from ct_pipeline.events import EventEmitter, Step
from ct_pipeline.spec import Spec, load_spec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.extraction import SourceAccess, resolve_source
from ct_pipeline.steps.training import ModelPlan, plan_model

if TYPE_CHECKING:
    from ct_pipeline.tracking import Tracker

__all__ = ["execute", "main", "report_failure"]


@dataclass(frozen=True)
class _Job:
    spec: Spec
    access: SourceAccess
    plan: ModelPlan


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Run the job described by ``--spec``; return the process exit code."""
    return run_entry_point("python -m ct_pipeline.train", __doc__, argv, environ, execute)


def execute(spec_path: Path, events: EventEmitter, environ: Mapping[str, str]) -> int:
    """Validate the inputs, run the steps, and report the outcome as a ``result`` event and exit code."""

    def prepare() -> _Job:
        spec = load_spec(spec_path)
        return _Job(spec, resolve_source(spec, environ), plan_model(spec, environ))

    code, payload = run_job(
        events,
        environ,
        prepare,
        lambda job: job.spec.pipeline,
        lambda job, tracker: _run_steps(job.spec, events, tracker, job.access, job.plan, environ),
    )
    if payload is not None:
        metrics = ", ".join(f"{key}={value:.4g}" for key, value in payload["metrics"].items())
        decision = payload["decision"]
        print(
            f"run {payload['run_id']} succeeded: {metrics}; model {payload['model_uri']}; "
            f"{payload['registered_model']} v{payload['model_version']}: {decision['outcome']}"
            + (f" ({decision['alias']})" if decision["alias"] else ""),
            flush=True,
        )
    return code


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
    with step_scope(events, Step.EXTRACTION):
        extracted = extract(ctx, access)
        lineage = lineage_tags(spec.hash, extracted.fingerprint, environ)
        tracker.set_tags(lineage)
    with step_scope(events, Step.VALIDATION):
        validate(ctx, extracted)
    with step_scope(events, Step.PREPARATION):
        split = prepare(ctx, extracted)
    with step_scope(events, Step.TRAINING):
        model = train(ctx, split, plan)
    with step_scope(events, Step.EVALUATION):
        metrics = evaluate(ctx, model.pipeline, split)
    with step_scope(events, Step.MODEL_VALIDATION):
        decision = validate_model(ctx, model_name, metrics, split, environ)
    with step_scope(events, Step.PROMOTION):
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


if __name__ == "__main__":
    sys.exit(main())
