"""Evaluation: metrics of the fitted model on the test split, logged to the run and sent as events."""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn import metrics as m
from sklearn.pipeline import Pipeline

from ct_pipeline.catalogue import Task
from ct_pipeline.errors import TrainingError
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.preparation import Split

TEST_METRICS_TAG: Final = "ct.test_metrics"


def evaluate(ctx: StepContext, model: Pipeline, split: Split) -> dict[str, float]:
    """Compute the task's test metrics, log them as MLflow metrics and ``metric`` events, return them.

    Regression: mae, rmse, r2. Classification: accuracy, f1, roc_auc, log_loss (f1 and roc_auc weighted
    over the classes, one-vs-rest, for multiclass).
    """
    try:
        if ctx.spec.task is Task.REGRESSION:
            scores = regression_metrics(split.y_test, model.predict(split.x_test))
        else:
            scores = classification_metrics(model, split.x_test, split.y_test)
    except Exception as exc:
        raise TrainingError(f"evaluating the model failed: {type(exc).__name__}: {exc}") from exc
    undefined = sorted(key for key, value in scores.items() if not math.isfinite(value))
    if undefined:
        ctx.events.log("warning", f"metric(s) {undefined} are undefined on this test split and not logged")
    scores = {key: value for key, value in scores.items() if key not in undefined}
    ctx.tracker.log_metrics(scores)
    # Which of the run's metrics are ct's, on its test split (rows.test), beside any the user's code logged.
    ctx.tracker.set_tags({TEST_METRICS_TAG: ",".join(scores)})
    for key, value in scores.items():
        ctx.events.metric(key, value)
    log_plots(ctx, model, split)
    return scores


def score(task: Task, model: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """The task's metrics of ``model`` on ``x``/``y``, leaving out the undefined ones (NaN)."""
    if task is Task.REGRESSION:
        scores = regression_metrics(y, model.predict(x))
    else:
        scores = classification_metrics(model, x, y)
    return {key: value for key, value in scores.items() if math.isfinite(value)}


def log_plots(ctx: StepContext, model: Pipeline, split: Split) -> None:
    """Log the evaluation plots: predicted vs actual or the confusion matrix, and feature importance."""
    from ct_pipeline import plots  # matplotlib: only once a model is there to plot

    try:
        if ctx.spec.task is Task.REGRESSION:
            figures = {
                "plots/predicted_vs_actual.png": plots.predicted_vs_actual(
                    split.y_test, model.predict(split.x_test)
                )
            }
        else:
            figures = {
                "plots/confusion_matrix.png": plots.confusion_matrix(model, split.x_test, split.y_test)
            }
        importance, method = plots.feature_importance(model, split.x_test, split.y_test, ctx.spec.split.seed)
        figures["plots/feature_importance.png"] = importance
    except Exception as exc:  # a plot is a nice-to-have: never fail a good model over one
        ctx.events.log("warning", f"could not draw the evaluation plots: {type(exc).__name__}: {exc}")
        return
    for path, figure in figures.items():
        try:
            ctx.tracker.log_figure(figure, path)
        finally:
            plots.close(figure)
    ctx.events.log("info", f"logged {len(figures)} plots (feature importance by {method})")


def regression_metrics(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    """Mean absolute error, root mean squared error and R²."""
    return {
        "mae": float(m.mean_absolute_error(y_true, y_pred)),
        "rmse": float(m.root_mean_squared_error(y_true, y_pred)),
        "r2": float(m.r2_score(y_true, y_pred)),
    }


def classification_metrics(model: Pipeline, x: pd.DataFrame, y_true: pd.Series) -> dict[str, float]:
    """Accuracy, F1, ROC AUC and log loss; labels may be numbers or strings."""
    classes = model.classes_
    y_pred = model.predict(x)
    proba = model.predict_proba(x)
    binary = len(classes) == 2
    scores = label_metrics(y_true, y_pred, positive=classes[1] if binary else None)
    if binary:
        scores["roc_auc"] = float(m.roc_auc_score(y_true == classes[1], proba[:, 1]))
    else:
        scores["roc_auc"] = float(
            m.roc_auc_score(y_true, proba, multi_class="ovr", average="weighted", labels=classes)
        )
    scores["log_loss"] = float(m.log_loss(y_true, proba, labels=classes))
    return scores


def label_metrics(y_true: Any, y_pred: Any, positive: Any | None) -> dict[str, float]:
    """Accuracy and F1 from predicted labels: F1 of the ``positive`` class, or weighted over the classes.

    Live monitoring has labels only (no probabilities), so these are the classification metrics it reports.
    """
    scores = {"accuracy": float(m.accuracy_score(y_true, y_pred))}
    if positive is not None:
        scores["f1"] = float(m.f1_score(y_true, y_pred, pos_label=positive))
    else:
        scores["f1"] = float(m.f1_score(y_true, y_pred, average="weighted"))
    return scores
