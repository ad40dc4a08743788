"""Preparation: the spec's non-learned transforms in order, the features and target, then the split.

The split is random and seeded (stratified by class for classification), or, with ``split.time_column``,
by time: the newest ``test_size`` share of the rows is the test set.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype
from sklearn.model_selection import train_test_split

from ct_pipeline.catalogue import Task
from ct_pipeline.errors import DataError
from ct_pipeline.spec import Spec, TableData
from ct_pipeline.spec_transforms import Transform
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.extraction import Extracted, to_utc

MIN_ROWS: Final = 5  # below this no split is meaningful, whatever the validation rules say
_OPERATORS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_CASTS: Final = {"float": "float64", "int": "int64", "str": "str", "bool": "bool"}


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


def prepare(ctx: StepContext, extracted: Extracted) -> Split:
    """Transform, select and split the rows as the spec says; log the split's settings and sizes."""
    spec = ctx.spec
    frame = apply_transforms(extracted.frame, spec.transforms)
    features, target, unlabelled = select(spec, frame, extracted.target)
    if unlabelled:
        ctx.events.log("warning", f"dropped {unlabelled} rows without a target value")
    split = split_rows(spec, features, target, frame)
    ctx.tracker.log_params(
        {
            "split.test_size": spec.split.test_size,
            "split.seed": spec.split.seed,
            "split.stratified": spec.task.is_classification and spec.split.time_column is None,
            "split.time_column": spec.split.time_column,
            "rows.train": split.rows["train"],
            "rows.test": split.rows["test"],
        }
    )
    ctx.tracker.log_metrics({"data.features": features.shape[1]})
    ctx.events.log("info", f"split {split.rows['train']} training rows, {split.rows['test']} test rows")
    return split


def apply_transforms(frame: pd.DataFrame, transforms: Sequence[Transform]) -> pd.DataFrame:
    """Apply ``transforms`` in order; `DataError` naming ``preparation.transforms[i]`` when one fails."""
    for index, transform in enumerate(transforms):
        where = f"preparation.transforms[{index}] ({transform.describe()})"
        named = list(transform.mapping) or list(transform.names) or [transform.column]
        absent = [name for name in named if name not in frame.columns]
        if absent:
            raise DataError(
                f"{where}: unknown column(s) {absent} (columns: {[str(c) for c in frame.columns]})"
            )
        try:
            frame = _apply(frame, transform)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{where}: {type(exc).__name__}: {exc}") from exc
    return frame


def _apply(frame: pd.DataFrame, transform: Transform) -> pd.DataFrame:
    if transform.op == "rename":
        return frame.rename(columns=dict(transform.mapping))
    if transform.op == "drop":
        return frame.drop(columns=list(transform.names))
    if transform.op == "cast":
        return frame.astype({name: _CASTS[kind] for name, kind in transform.mapping.items()})
    assert transform.column is not None and transform.operator is not None
    column = frame[transform.column]
    value = transform.value
    if isinstance(value, str) and pd.api.types.is_datetime64_any_dtype(column):
        column, value = to_utc(column, transform.column), pd.Timestamp(value)
        value = value.tz_localize("UTC") if value.tzinfo is None else value
    keep = _OPERATORS[transform.operator](column, value)
    return frame[keep.fillna(False).astype(bool)].reset_index(drop=True)


def select(spec: Spec, frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series, int]:
    """The feature columns and the labelled target; `DataError` when they cannot be used.

    Numeric features become float64; text, category and boolean features stay categorical (the model
    pipeline one-hot encodes them, missing values as NaN); datetime features must be cast or dropped first.
    """
    if target not in frame.columns:
        raise DataError(
            f"target column {target!r} is not in the data (columns: {[str(c) for c in frame.columns]})"
        )
    data = spec.data
    time_columns = {spec.split.time_column, data.time_column if isinstance(data, TableData) else None}
    if isinstance(data, TableData) and data.features:
        wanted = list(data.features)
        missing = [name for name in wanted if name not in frame.columns]
        if missing:
            raise DataError(f"feature column(s) {missing} are not in the data")
    else:
        wanted = [c for c in frame.columns if c != target and c not in time_columns]
    labelled = frame[frame[target].notna()].reset_index(drop=True)
    features, labels = labelled[wanted], labelled[target]
    _check_usable(features, labels, spec.task)
    return typed_features(features), labels, len(frame) - len(labelled)


def typed_features(features: pd.DataFrame) -> pd.DataFrame:
    """Features as the model sees them: numbers as float64, anything else as text (gaps as NaN).

    Scoring passes its rows through this too, so that a model gets the types it was trained on.
    """
    out = features.copy()
    for name in out.columns:
        column = out[name]
        if is_numeric_dtype(column) and not is_bool_dtype(column):
            out[name] = column.astype("float64")
        else:
            out[name] = column.map(lambda value: np.nan if pd.isna(value) else str(value)).astype(object)
    return out


def _check_usable(features: pd.DataFrame, target: pd.Series, task: Task) -> None:
    if len(features) < MIN_ROWS:
        raise DataError(f"too few rows: {len(features)} < {MIN_ROWS}")
    if features.shape[1] == 0:
        raise DataError("no feature columns")
    dates = [str(name) for name in features.columns if is_datetime64_any_dtype(features[name])]
    if dates:
        raise DataError(
            f"datetime feature column(s) {dates}: cast them to numbers or drop them in preparation.transforms"
        )
    classes = target.nunique()
    if task is Task.REGRESSION and not is_numeric_dtype(target):
        raise DataError(f"regression needs a numeric target, {target.name!r} is {target.dtype}")
    if task is Task.BINARY_CLASSIFICATION and classes != 2:
        raise DataError(f"binary_classification needs exactly 2 target classes, found {classes}")
    if task is Task.MULTICLASS_CLASSIFICATION and classes < 3:
        raise DataError(f"multiclass_classification needs at least 3 target classes, found {classes}")


def split_rows(spec: Spec, features: pd.DataFrame, target: pd.Series, frame: pd.DataFrame) -> Split:
    """The seeded random split (stratified for classification), or the split by ``split.time_column``."""
    settings = spec.split
    if settings.time_column is not None:
        return _split_by_time(settings.time_column, settings.test_size, features, target, frame)
    stratify = target if spec.task.is_classification else None
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            features, target, test_size=settings.test_size, random_state=settings.seed, stratify=stratify
        )
    except ValueError as exc:  # e.g. a class with a single row cannot be stratified
        raise DataError(f"cannot split the data: {exc}") from exc
    return Split(x_train=x_train, x_test=x_test, y_train=y_train, y_test=y_test)


def _split_by_time(
    column: str, test_size: float, features: pd.DataFrame, target: pd.Series, frame: pd.DataFrame
) -> Split:
    if column not in frame.columns:
        raise DataError(f"split.time_column: {column!r} is not in the data")
    times = to_utc(frame.loc[frame[target.name].notna(), column], column).reset_index(drop=True)
    if times.isna().any():
        raise DataError(f"split.time_column: {column!r} has {int(times.isna().sum())} missing values")
    order = times.sort_values(kind="stable").index
    test_rows = max(1, math.ceil(len(order) * test_size))
    train_index, test_index = order[:-test_rows], order[-test_rows:]
    if len(train_index) == 0:
        raise DataError("cannot split the data by time: no training rows left")
    return Split(
        x_train=features.loc[train_index],
        x_test=features.loc[test_index],
        y_train=target.loc[train_index],
        y_test=target.loc[test_index],
    )
