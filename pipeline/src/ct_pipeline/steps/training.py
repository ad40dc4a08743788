"""Training: fit the model on the training split, then log it to MLflow with its signature.

The model is a catalogue estimator inside the model pipeline, a custom training function, or an MLflow
Project's entry point (`ct_pipeline.models`). The fitted model's params (`get_params(deep=True)`, as
scikit-learn autologging would log them) and its metrics on the training rows (``training_<metric>``) go
into the run's next batch, not autologging's two requests; the fitted model itself is logged once,
explicitly, with its signature, input example and pinned requirements (run tag ``ct.model_source`` =
``ct-logged``).

A stock MLflow Project's entry point logs its model into the run itself: ct then loads that logged model
for evaluation and logs neither it nor its params and training metrics again (the script logged its own);
``ct.model_source`` is ``mlproject-logged`` and the model URI is the script's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ct_pipeline.catalogue import BASE_PACKAGES, build_model_pipeline, feature_kinds, model_requirements
from ct_pipeline.errors import TrainingError
from ct_pipeline.event_schema import Step
from ct_pipeline.metric_rules import task_metrics
from ct_pipeline.models import mlproject
from ct_pipeline.models.custom import CustomModel, load_function
from ct_pipeline.spec import ModelSpec, Spec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.evaluation import score
from ct_pipeline.steps.preparation import Split
from ct_pipeline.steps.training_mlproject import LoggedByScript, fit_mlproject

EXAMPLE_ROWS: Final = 5
REFERENCE_ROWS: Final = 5000
REFERENCE_ARTIFACT: Final = "reference/sample.parquet"
MODEL_SOURCE_TAG: Final = "ct.model_source"


@dataclass(frozen=True)
class ModelPlan:
    """How the model will be fitted, resolved before MLflow is contacted (bad input fails first)."""

    name: str
    params: Mapping[str, object]
    fit: Callable[[StepContext, Split], Any]
    requirements: list[str]
    # Code of the user's runs in the fit and may log into the run with MLflow's API itself.
    user_code: bool = False


@dataclass(frozen=True)
class TrainedModel:
    """The fitted model and the URI MLflow logged it under."""

    pipeline: Any
    model_uri: str


def plan_model(spec: Spec, environ: Mapping[str, str]) -> ModelPlan:
    """Check the spec's model can run here (project, module, parameters) and say how it is fitted."""
    model = spec.model
    base = [f"{name}=={_version(name)}" for name in BASE_PACKAGES]
    if isinstance(model, ModelSpec):
        entry = model.entry
        pipeline_params = dict(model.params)
        logged = {**entry.defaults, **pipeline_params}
        return ModelPlan(
            entry.name,
            {"estimator": entry.name, **{f"model.{k}": v for k, v in logged.items()}},
            lambda ctx, split: _fit_in_process(
                _catalogue_pipeline(entry, pipeline_params, split.x_train).fit, split
            ),
            model_requirements(entry),
        )
    if isinstance(model, CustomModel):
        function = load_function(model, environ)
        params = dict(model.params)
        return ModelPlan(
            f"{model.project}:{model.entrypoint}",
            {"model.kind": "custom", "model.project": model.project, "model.entrypoint": model.entrypoint}
            | {f"model.{k}": v for k, v in params.items()},
            lambda ctx, split: function(split.x_train, split.y_train, dict(params)),
            base,
            user_code=True,
        )
    project = mlproject.resolve(model, environ)
    return ModelPlan(
        f"MLflow Project {model.project} ({model.entry_point})",
        {"model.kind": "mlproject", "model.project": model.project, "model.entry_point": model.entry_point}
        | {f"model.{k}": v for k, v in project.values.items()},
        lambda ctx, split: fit_mlproject(ctx, split, project, environ),
        base,
        user_code=True,
    )


def train(ctx: StepContext, split: Split, plan: ModelPlan) -> TrainedModel:
    """Fit the planned model on the training rows, check it can predict, and log it."""
    ctx.tracker.log_params({"task": ctx.spec.task.value, **plan.params})
    ctx.tracker.flush()  # what the run knows so far is in MLflow while a long fit runs
    events = ctx.events
    events.progress(Step.TRAINING, 0.0, message=f"fitting {plan.name} on {split.rows['train']} rows")
    example = split.x_train.head(EXAMPLE_ROWS)
    if plan.user_code:
        ctx.tracker.logged_elsewhere()
    try:
        fitted = plan.fit(ctx, split)
        model = fitted.model if isinstance(fitted, LoggedByScript) else fitted
        _check_fitted(model, ctx.spec.task.is_classification)
        predictions = model.predict(example)
    except TrainingError:
        raise
    except Exception as exc:
        raise TrainingError(f"{plan.name} failed to fit: {type(exc).__name__}: {exc}") from exc
    if isinstance(fitted, LoggedByScript):
        return _adopt(ctx, split, fitted)
    events.progress(Step.TRAINING, 0.8, message="fitted; logging the model to MLflow")
    ctx.tracker.set_tags({MODEL_SOURCE_TAG: "ct-logged"})
    ctx.tracker.log_params(_estimator_params(model, ctx.tracker.logged_params()))
    ctx.tracker.log_metrics(_training_metrics(ctx, model, split))
    model_uri = ctx.tracker.log_model(model, example, predictions, plan.requirements)
    log_reference_sample(ctx, split)
    events.progress(Step.TRAINING, 1.0, message="model logged")
    events.log("info", f"model logged as {model_uri}")
    return TrainedModel(pipeline=model, model_uri=model_uri)


def _adopt(ctx: StepContext, split: Split, logged: LoggedByScript) -> TrainedModel:
    """Take the model the script logged as the run's model: no second copy, its own params and metrics."""
    ctx.events.progress(Step.TRAINING, 0.8, message=f"fitted; the entry point logged {logged.model_uri}")
    ctx.tracker.set_tags({MODEL_SOURCE_TAG: "mlproject-logged"})
    shared = sorted(set(task_metrics(ctx.spec.task)) & ctx.tracker.logged_metric_names())
    if shared:
        ctx.events.log(
            "warning",
            f"the entry point logged metric(s) {shared} itself: the run's latest value of each is now "
            "ct's, on ct's test split (tag ct.test_metrics); the script's stays in its history",
        )
    log_reference_sample(ctx, split)
    ctx.events.progress(Step.TRAINING, 1.0, message="logged model loaded")
    return TrainedModel(pipeline=logged.model, model_uri=logged.model_uri)


def _estimator_params(model: Any, logged: Mapping[str, str]) -> dict[str, object]:
    """The fitted model's params, nested ones as ``step__param``; none whose name the run already has."""
    get_params = getattr(model, "get_params", None)
    if not callable(get_params):
        return {}
    try:
        params = dict(get_params(deep=True))
    except Exception:  # a custom estimator's get_params: its params are a nice-to-have, never a failure
        return {}
    return {key: value for key, value in params.items() if isinstance(key, str) and key not in logged}


def _training_metrics(ctx: StepContext, model: Any, split: Split) -> dict[str, float]:
    """The task's metrics on the training rows, as ``training_<metric>`` (test metrics come in evaluation)."""
    try:
        scores = score(ctx.spec.task, model, split.x_train, split.y_train)
    except Exception as exc:
        raise TrainingError(f"scoring the training rows failed: {type(exc).__name__}: {exc}") from exc
    return {f"training_{key}": value for key, value in scores.items()}


def log_reference_sample(ctx: StepContext, split: Split) -> None:
    """Log up to `REFERENCE_ROWS` training rows (features only, seeded) as `REFERENCE_ARTIFACT`.

    Monitoring compares the rows a version scores with this sample to measure data drift. A frame that
    Parquet cannot hold only costs the drift report, so it is a warning, not a failed run.
    """
    x_train = split.x_train
    sample = x_train.sample(n=min(len(x_train), REFERENCE_ROWS), random_state=ctx.spec.split.seed)
    with tempfile.TemporaryDirectory(prefix="ct-reference-") as tmp:
        path = Path(tmp) / Path(REFERENCE_ARTIFACT).name
        try:
            sample.reset_index(drop=True).to_parquet(path, index=False)
        except (ValueError, TypeError, ImportError) as exc:  # pyarrow's errors are ValueError/TypeError
            ctx.events.log("warning", f"no reference sample for drift: {type(exc).__name__}: {exc}")
            return
        ctx.tracker.log_artifact(path, str(Path(REFERENCE_ARTIFACT).parent))


def _catalogue_pipeline(entry: Any, params: Mapping[str, Any], x_train: Any) -> Any:
    numeric, categorical = feature_kinds(x_train)
    return build_model_pipeline(entry, params, categorical=categorical, numeric=numeric)


def _fit_in_process(fit: Callable[[Any, Any], Any], split: Split) -> Any:
    return fit(split.x_train, split.y_train)


def _check_fitted(model: Any, classification: bool) -> None:
    wanted = ("predict", "predict_proba") if classification else ("predict",)
    missing = [name for name in wanted if not callable(getattr(model, name, None))]
    if missing:
        raise TrainingError(f"the training function returned {type(model).__name__} without {missing}")


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)
