"""Fitting an MLflow Project's entry point: the files it gets, the Python it runs in, the model it returns.

The entry point reads the training split from Parquet files (``CT_TRAIN_X``, ``CT_TRAIN_Y``) and writes the
fitted model to ``CT_MODEL_PATH`` (skops). A stock MLflow Project writes no file and logs its model into the
run itself: that logged model is loaded instead (`LoggedByScript`), and the training step adopts it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ct_pipeline.errors import TrainingError
from ct_pipeline.models import mlproject, project_env
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.preparation import Split


@dataclass(frozen=True)
class LoggedByScript:
    """A model an MLflow Project's entry point logged into the run, loaded for evaluation."""

    model: Any
    model_uri: str
    name: str


def fit_mlproject(
    ctx: StepContext, split: Split, project: mlproject.ResolvedProject, environ: Mapping[str, str]
) -> Any:
    """Run the entry point on the training split: the model it wrote, else the one it logged."""
    import skops.io

    with tempfile.TemporaryDirectory(prefix="ct-mlproject-") as tmp:
        folder = Path(tmp)
        split.x_train.to_parquet(folder / "x_train.parquet")
        split.y_train.to_frame(name=split.y_train.name or "target").to_parquet(folder / "y_train.parquet")
        model_path = folder / "model.skops"
        env = mlproject.script_env(
            environ,
            {
                "MLFLOW_TRACKING_URI": ctx.tracker.tracking_uri,
                "MLFLOW_RUN_ID": ctx.tracker.run_id,
                "CT_TRAIN_X": str(folder / "x_train.parquet"),
                "CT_TRAIN_Y": str(folder / "y_train.parquet"),
                "CT_MODEL_PATH": str(model_path),
                "CT_TASK": ctx.spec.task.value,
            },
        )
        mlproject.run(project, env, _project_python(ctx, project, environ))
        if not model_path.is_file():
            return _logged_by_script(ctx, project)
        # The file was written moments ago by the platform-known project into our private folder.
        return skops.io.load(model_path, trusted=skops.io.get_untrusted_types(file=model_path))


def _project_python(ctx: StepContext, project: mlproject.ResolvedProject, environ: Mapping[str, str]) -> str:
    """The Python the entry point runs in: the project's own environment when it declares one (built or
    reused, its packages recorded on the run), else the platform's."""
    if project.env is None:
        return sys.executable
    built = project_env.prepare(project.env, environ, lambda message: ctx.events.log("info", message))
    if built.reused:
        ctx.events.log("info", f"the project's environment {built.digest[:12]} is reused from this host")
    ctx.tracker.set_tags({"ct.project_env": built.digest})
    ctx.tracker.log_text("\n".join(built.packages) + "\n", "project_env/packages.txt")
    return str(built.python)


def _logged_by_script(ctx: StepContext, project: mlproject.ResolvedProject) -> LoggedByScript:
    """The model a stock MLflow Project logged into the run (the one, or its ``ct_model``), loaded."""
    model_id, name = mlproject.choose_logged_model(ctx.tracker.run_models.logged(), project.ct_model)
    loaded = ctx.tracker.run_models.load(model_id)
    uri = f"models:/{model_id}"
    if ctx.spec.task.is_classification and not loaded.has_proba:
        raise TrainingError(
            f"the logged model {name!r} ({uri}, {loaded.flavor} flavor) loads only as an MLflow pyfunc "
            "model, which has no predict_proba: a classification task needs one; log a model that has it "
            "(mlflow.sklearn, or a flavor such as mlflow.lightgbm of a scikit-learn API estimator)"
        )
    ctx.events.log(
        "info", f"took the model the MLflow Project logged, {name!r} ({uri}, {loaded.flavor} flavor)"
    )
    return LoggedByScript(loaded.model, uri, name)
