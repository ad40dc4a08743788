"""The rows a score job reads: inline or from a data source, with their keys and the model's input columns."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ct_pipeline.errors import DataError
from ct_pipeline.scoring.score_task import ScoreTask
from ct_pipeline.steps.extraction import SourceAccess, load_frame
from ct_pipeline.steps.preparation import apply_transforms, typed_features

NUMERIC_TYPES: Final = frozenset({"double", "float", "long", "integer"})  # MLflow signature types


def read_rows(task: ScoreTask, access: SourceAccess | None) -> pd.DataFrame:
    """The rows to score, every column: the task's inline rows, or its source read as extraction reads it."""
    if task.rows is not None:
        return pd.DataFrame.from_records(task.rows)
    assert task.source is not None and access is not None
    return load_frame(task.source, access).frame


def model_input(task: ScoreTask, frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The model's input columns of ``frame``, typed as in training; `DataError` names missing ones.

    The spec's renames, casts and drops apply as in training; its filters do not (they choose training
    rows, and a score job scores every row it is given).
    """
    reshaped = apply_transforms(frame, [t for t in task.spec.transforms if t.op != "filter"])
    missing = [name for name, _ in columns if name not in reshaped.columns]
    if missing:
        raise DataError(
            f"the rows to score lack the model's feature column(s) {missing} "
            f"(columns: {[str(c) for c in reshaped.columns]})"
        )
    features = reshaped[[name for name, _ in columns]].copy()
    for name, kind in columns:
        column = features[name]
        if kind in NUMERIC_TYPES and (not is_numeric_dtype(column) or is_bool_dtype(column)):
            features[name] = _numbers(column, name)
    return typed_features(features)


def _numbers(column: pd.Series, name: str) -> pd.Series:
    try:
        return pd.to_numeric(column, errors="raise")
    except (ValueError, TypeError) as exc:
        raise DataError(f"feature column {name!r} must hold numbers, as in training: {exc}") from exc


def row_keys(frame: pd.DataFrame, key_column: str, job_id: str) -> list[str]:
    """Each row's key: its ``key_column`` value, or ``<job id>:<row index>`` when it has none.

    Keys must be unique within a job: the stored predictions are unique by (job, key).
    """
    generated = [f"{job_id}:{index}" for index in range(len(frame))]
    if key_column not in frame.columns:
        return generated
    keys = [_key_text(value) or generated[i] for i, value in enumerate(frame[key_column])]
    repeated = [key for key, count in Counter(keys).items() if count > 1]
    if repeated:
        raise DataError(f"key column {key_column!r} repeats value(s) {repeated[:5]}: keys must be unique")
    return keys


def _key_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a CSV's integer keys become floats when a key is missing
    return str(value.item() if hasattr(value, "item") else value)
