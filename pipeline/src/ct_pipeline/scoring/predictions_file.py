"""Predicting in chunks and writing ``predictions.csv``, the file the worker loads into Postgres.

Header ``row_key,prediction,probabilities,features,features_hash,inference_us``, quoted as Python's csv
module quotes; an empty field is NULL. ``probabilities`` (classifiers only) and ``features`` are JSON text;
``features_hash`` is the sha256 of that canonical JSON (sorted keys, no spaces); ``inference_us`` is the
time its chunk took to predict divided by the chunk's rows, in microseconds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from ct_pipeline.errors import DataError, TrainingError

CHUNK_ROWS: Final = 10_000
HEADER: Final = ("row_key", "prediction", "probabilities", "features", "features_hash", "inference_us")
_COMPACT: Final = (",", ":")  # JSON without spaces
Progress = Callable[[int, int], None]


def check_numeric_classes(model: Any) -> None:
    """Predictions are stored as numbers: a classifier with text labels is a `DataError` (for now)."""
    classes = np.asarray(getattr(model, "classes_", []))
    if classes.size and not (np.issubdtype(classes.dtype, np.number) or classes.dtype == bool):
        raise DataError(
            f"the model predicts text labels {classes.tolist()[:5]}: scoring stores predictions as "
            "numbers, so classification needs numeric class labels"
        )


def write_predictions(
    model: Any,
    classification: bool,
    features: pd.DataFrame,
    keys: Sequence[str],
    output: Path,
    progress: Progress,
) -> float:
    """Predict ``features`` chunk by chunk into ``output`` (renamed into place at the end).

    Returns the seconds spent in ``predict`` (and ``predict_proba``). A model that raises or predicts a
    non-finite value is `TrainingError`.
    """
    partial = output.with_name(f"{output.name}.part")
    total = len(features)
    spent = 0.0
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for start in range(0, total, CHUNK_ROWS):
            chunk = features.iloc[start : start + CHUNK_ROWS]
            predicted, probabilities, seconds = _predict(model, classification, chunk, start)
            spent += seconds
            per_row_us = repr(seconds / len(chunk) * 1e6)
            texts = canonical_rows(chunk)
            writer.writerows(
                (key, repr(value), proba, text, _sha256(text), per_row_us)
                for key, value, proba, text in zip(
                    keys[start : start + len(chunk)], predicted, probabilities, texts, strict=True
                )
            )
            progress(start + len(chunk), total)
    os.replace(partial, output)
    return spent


def _predict(
    model: Any, classification: bool, chunk: pd.DataFrame, start: int
) -> tuple[list[float], list[str], float]:
    began = time.perf_counter()
    try:
        predicted = np.asarray(model.predict(chunk))
        proba = np.asarray(model.predict_proba(chunk)) if classification else None
    except Exception as exc:
        raise TrainingError(
            f"the model failed to predict rows {start}..{start + len(chunk) - 1}: {type(exc).__name__}: {exc}"
        ) from exc
    seconds = time.perf_counter() - began
    values = [float(v) for v in predicted]
    bad = sum(1 for v in values if not math.isfinite(v))
    if bad:
        raise TrainingError(f"the model predicted {bad} non-finite value(s) in rows from {start}")
    if proba is None:
        return values, [""] * len(values), seconds
    labels = [_label(c) for c in model.classes_]
    texts = [
        json.dumps(dict(zip(labels, map(float, row), strict=True)), separators=(",", ":")) for row in proba
    ]
    return values, texts, seconds


def canonical_rows(frame: pd.DataFrame) -> list[str]:
    """Each row as canonical JSON (sorted keys, no spaces, NaN as null): the stored ``features``.

    The same text as ``json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, built
    column by column: a row at a time through ``json.dumps`` is most of the time a large job spends.
    """
    columns = []
    for name in sorted(frame.columns, key=str):
        key = json.dumps(str(name), ensure_ascii=False) + ":"
        columns.append([key + _json_value(value) for value in frame[name].tolist()])
    return ["{" + ",".join(cells) + "}" for cells in zip(*columns, strict=True)]


def _json_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"  # JSON has no NaN or infinity
    if isinstance(value, int):
        return str(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    return json.dumps(str(value), ensure_ascii=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _label(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
