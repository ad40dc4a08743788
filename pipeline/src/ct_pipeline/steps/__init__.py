"""The pipeline's steps, one module each, run in order by `ct_pipeline.train` (``training_mlproject`` is
the training step's fit of an MLflow Project's entry point).

Each step takes a `StepContext` (the spec, the event emitter and the MLflow tracker) and the previous step's
output, logs what it learns, and raises a `ct_pipeline.errors.PipelineFailure` with the right reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ct_pipeline.events import EventEmitter
from ct_pipeline.spec import Spec

if TYPE_CHECKING:  # the tracker imports MLflow, which the steps' callers load only once input is valid
    from ct_pipeline.tracking import Tracker


@dataclass(frozen=True)
class StepContext:
    """What every step gets: the validated spec, the event emitter and the MLflow tracker."""

    spec: Spec
    events: EventEmitter
    tracker: Tracker
