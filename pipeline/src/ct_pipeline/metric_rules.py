"""The test metrics each task has, which way each one is better, and the defaults of a spec's metric rules."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from ct_pipeline.catalogue import Task

Direction = Literal["minimize", "maximize"]

REGRESSION_METRICS: Final = ("mae", "rmse", "r2")
CLASSIFICATION_METRICS: Final = ("accuracy", "f1", "roc_auc", "log_loss")
DIRECTIONS: Final[Mapping[str, Direction]] = MappingProxyType(
    {
        "mae": "minimize",
        "rmse": "minimize",
        "log_loss": "minimize",
        "r2": "maximize",
        "accuracy": "maximize",
        "f1": "maximize",
        "roc_auc": "maximize",
    }
)


def task_metrics(task: Task) -> tuple[str, ...]:
    """The metrics evaluation computes for ``task``."""
    return CLASSIFICATION_METRICS if task.is_classification else REGRESSION_METRICS


def default_primary(task: Task) -> str:
    """The primary metric when the spec names none: rmse for regression, f1 for classification."""
    return "f1" if task.is_classification else "rmse"


def improvement(metric: str, challenger: float, champion: float, direction: Direction | None = None) -> float:
    """How much better ``challenger`` is than ``champion`` on ``metric`` (negative when worse)."""
    way = direction or DIRECTIONS[metric]
    return challenger - champion if way == "maximize" else champion - challenger
