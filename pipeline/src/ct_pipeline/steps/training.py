"""Training: fit the model pipeline on the training split, then log it to MLflow with its signature.

scikit-learn autologging records the pipeline's params and training metrics during the fit; the fitted
pipeline itself is logged once, explicitly, with its signature, input example and pinned requirements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sklearn.pipeline import Pipeline

from ct_pipeline.catalogue import build_model_pipeline, model_requirements
from ct_pipeline.errors import TrainingError
from ct_pipeline.event_schema import Step
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.preparation import Split

EXAMPLE_ROWS: Final = 5


@dataclass(frozen=True)
class TrainedModel:
    """The fitted model pipeline and the URI MLflow logged it under."""

    pipeline: Pipeline
    model_uri: str


def train(ctx: StepContext, split: Split) -> TrainedModel:
    """Fit the spec's estimator (inside imputer and scaler) on the training rows and log the model."""
    spec, events = ctx.spec, ctx.events
    entry = spec.model.entry
    params = {**entry.defaults, **spec.model.params}
    ctx.tracker.log_params(
        {"task": spec.task.value, "estimator": entry.name, **{f"model.{k}": v for k, v in params.items()}}
    )
    pipeline = build_model_pipeline(entry, spec.model.params)
    rows = split.rows["train"]
    events.progress(Step.TRAINING, 0.0, message=f"fitting {entry.name} on {rows} rows")
    example = split.x_train.head(EXAMPLE_ROWS)
    ctx.tracker.enable_autolog()
    try:
        pipeline.fit(split.x_train, split.y_train)
        predictions = pipeline.predict(example)
    except Exception as exc:
        raise TrainingError(f"{entry.name} failed to fit: {type(exc).__name__}: {exc}") from exc
    finally:
        ctx.tracker.disable_autolog()
    events.progress(Step.TRAINING, 0.8, message="fitted; logging the model to MLflow")
    model_uri = ctx.tracker.log_model(pipeline, example, predictions, model_requirements(entry))
    events.progress(Step.TRAINING, 1.0, message="model logged")
    events.log("info", f"model logged as {model_uri}")
    return TrainedModel(pipeline=pipeline, model_uri=model_uri)
