"""Preparation: the seeded train/test split (stratified by class for classification)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.model_selection import train_test_split

from ct_pipeline.errors import DataError
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.extraction import Dataset


@dataclass(frozen=True)
class Split:
    """The training and test rows; nothing is fitted on the test rows."""

    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series

    @property
    def rows(self) -> dict[str, int]:
        """How many rows each side has, as reported in the result."""
        return {"train": len(self.x_train), "test": len(self.x_test)}


def prepare(ctx: StepContext, dataset: Dataset) -> Split:
    """Split ``dataset`` as the spec says and log the split's settings and sizes."""
    settings = ctx.spec.split
    stratify = dataset.target if ctx.spec.task.is_classification else None
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            dataset.features,
            dataset.target,
            test_size=settings.test_size,
            random_state=settings.seed,
            stratify=stratify,
        )
    except ValueError as exc:  # e.g. a class with a single row cannot be stratified
        raise DataError(f"cannot split the data: {exc}") from exc
    split = Split(x_train=x_train, x_test=x_test, y_train=y_train, y_test=y_test)
    ctx.tracker.log_params(
        {
            "split.test_size": settings.test_size,
            "split.seed": settings.seed,
            "split.stratified": stratify is not None,
            "rows.train": split.rows["train"],
            "rows.test": split.rows["test"],
        }
    )
    ctx.events.log("info", f"split {split.rows['train']} training rows, {split.rows['test']} test rows")
    return split
