"""``window.csv``: the predictions in the monitored window, as the worker exported them from Postgres.

Header ``row_key,prediction,outcome,features,scored_at``; ``outcome`` is empty when no ground truth has
arrived; ``features`` is the JSON the score job stored (empty for pairs sent by an outside system).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from ct_pipeline.errors import DataError

COLUMNS: Final = ("row_key", "prediction", "outcome", "features", "scored_at")


@dataclass(frozen=True)
class Window:
    """Every prediction in the window (``predictions``) and the feature rows of those that have them."""

    predictions: pd.DataFrame
    features: pd.DataFrame

    @property
    def labelled(self) -> pd.DataFrame:
        """The predictions with an observed outcome."""
        return self.predictions[self.predictions["outcome"].notna()]


def read_window(path: Path) -> Window:
    """Read ``path``; `DataError` when it is not the file described above."""
    try:
        frame = pd.read_csv(
            path,
            dtype={"row_key": str, "features": str, "scored_at": str},
            keep_default_na=False,  # a row key "NA" is a key, not a gap
            na_values={"prediction": [""], "outcome": [""], "features": [""]},
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read the window file {path.name}: {exc}") from exc
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise DataError(f"the window file lacks column(s) {missing} (columns: {list(frame.columns)})")
    for name in ("prediction", "outcome"):
        try:
            frame[name] = pd.to_numeric(frame[name], errors="raise").astype("float64")
        except (ValueError, TypeError) as exc:
            raise DataError(f"the window file's {name} column holds a non-number: {exc}") from exc
    return Window(predictions=frame, features=_features(frame["features"]))


def _features(column: pd.Series) -> pd.DataFrame:
    records = []
    for index, text in column.dropna().items():
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"the window file's features of row {index} are not JSON: {exc}") from exc
        if not isinstance(record, dict):
            raise DataError(f"the window file's features of row {index} are not a JSON object")
        records.append(record)
    return pd.DataFrame.from_records(records)
