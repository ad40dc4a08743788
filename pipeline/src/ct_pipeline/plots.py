"""The evaluation plots, drawn with matplotlib's Agg backend (no display), for `Tracker.log_figure`."""

from __future__ import annotations

from typing import Any, Final

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.inspection import permutation_importance
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import Pipeline

PERMUTATION_ROWS: Final = 200
TOP_FEATURES: Final = 20


def predicted_vs_actual(
    y_true: pd.Series,
    y_pred: np.ndarray,
    title: str = "Predicted vs actual (test split)",
    xlabel: str = "actual",
) -> Figure:
    """Scatter of predictions against true values, with the diagonal of perfect predictions."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(y_true, y_pred, s=12, alpha=0.6)
    low, high = float(min(y_true.min(), y_pred.min())), float(max(y_true.max(), y_pred.max()))
    ax.plot([low, high], [low, high], color="grey", linestyle="--", linewidth=1)
    ax.set(xlabel=xlabel, ylabel="predicted", title=title)
    fig.tight_layout()
    return fig


def confusion_matrix(model: Pipeline, x: pd.DataFrame, y_true: pd.Series) -> Figure:
    """The confusion matrix of the test split."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ConfusionMatrixDisplay.from_estimator(model, x, y_true, ax=ax, colorbar=False)
    ax.set_title("Confusion matrix (test split)")
    fig.tight_layout()
    return fig


def confusion_of_labels(y_true: pd.Series, y_pred: pd.Series, title: str) -> Figure:
    """The confusion matrix of observed against predicted labels (no model needed)."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, ax=ax, colorbar=False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def feature_importance(model: Pipeline, x: pd.DataFrame, y: pd.Series, seed: int) -> tuple[Figure, str]:
    """Bar chart of the most important features and how importance was measured.

    The estimator's ``feature_importances_``, else the absolute ``coef_`` (averaged over classes), else
    permutation importance on at most `PERMUTATION_ROWS` test rows.
    """
    estimator: Any = model[-1]
    if hasattr(estimator, "feature_importances_"):
        values, method = np.asarray(estimator.feature_importances_, dtype=float), "feature_importances_"
    elif hasattr(estimator, "coef_"):
        coef = np.abs(np.asarray(estimator.coef_, dtype=float))
        values, method = (coef.mean(axis=0) if coef.ndim > 1 else coef), "|coef_|"
    else:
        sample = x.sample(min(len(x), PERMUTATION_ROWS), random_state=seed)
        found = permutation_importance(model, sample, y.loc[sample.index], n_repeats=3, random_state=seed)
        values, method = found.importances_mean, "permutation"
    names = [str(name) for name in x.columns]
    if len(values) != len(names) and hasattr(model[0], "get_feature_names_out"):
        names = [str(name) for name in model[0].get_feature_names_out()]  # one-hot columns
    order = np.argsort(values)[::-1][:TOP_FEATURES][::-1]
    fig, ax = plt.subplots(figsize=(6, max(2.5, 0.3 * len(order) + 1)))
    ax.barh([names[i] for i in order], values[order])
    ax.set(xlabel=method, title="Feature importance")
    fig.tight_layout()
    return fig, method


def close(fig: Figure) -> None:
    """Free a figure's memory once it is logged."""
    plt.close(fig)
