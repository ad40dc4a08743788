"""The task's metrics over the window's labelled predictions, with evaluation's own metric functions.

Regression gets mae, rmse and r2. Classification gets accuracy and F1 (the window holds predicted labels,
not probabilities, so ROC AUC and log loss cannot be computed); binary F1 is of the larger label, as in
training (scikit-learn's ``classes_[1]``), and only when both labels occur in the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from ct_pipeline.catalogue import Task
from ct_pipeline.steps.evaluation import label_metrics, regression_metrics

MIN_LABELLED: Final = 2  # below this no metric means anything (r2 of one point is undefined)


@dataclass(frozen=True)
class LiveMetrics:
    """The metrics (undefined ones left out), how many labelled predictions they used, and why if none."""

    metrics: dict[str, float]
    samples: int
    note: str | None = None


def live_metrics(task: Task, labelled: pd.DataFrame) -> LiveMetrics:
    """Metrics of ``labelled`` (columns ``prediction`` and ``outcome``, no gaps) for ``task``."""
    count = len(labelled)
    if count < MIN_LABELLED:
        return LiveMetrics({}, 0, f"{count} labelled prediction(s) in the window: too few for metrics")
    observed, predicted = labelled["outcome"], labelled["prediction"]
    note = None
    if task is Task.REGRESSION:
        scores = regression_metrics(observed, predicted.to_numpy())
    else:
        labels = sorted(set(observed) | set(predicted))
        positive: Any | None = None
        if task is Task.BINARY_CLASSIFICATION:
            positive = labels[1] if len(labels) == 2 else None
        scores = label_metrics(observed, predicted, positive)
        if task is Task.BINARY_CLASSIFICATION and positive is None:
            del scores["f1"]  # weighted F1 would be another metric than training's
            note = f"labels {labels} in the window: f1 needs exactly the two classes"
    finite = {key: value for key, value in scores.items() if math.isfinite(value)}
    return LiveMetrics(finite, count, note)


def observed_plot(task: Task, labelled: pd.DataFrame) -> Any:
    """The predicted-vs-observed figure: a scatter with y = x (regression) or a confusion matrix."""
    from ct_pipeline import plots  # matplotlib: only when there is something to draw

    if task is Task.REGRESSION:
        return plots.predicted_vs_actual(
            labelled["outcome"],
            labelled["prediction"].to_numpy(),
            title="Predicted vs observed (monitoring window)",
            xlabel="observed",
        )
    return plots.confusion_of_labels(
        labelled["outcome"], labelled["prediction"], "Predicted vs observed (monitoring window)"
    )
