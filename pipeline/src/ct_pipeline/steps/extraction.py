"""Extraction: load the data named by the spec as a numeric feature frame and a target series."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import sklearn.datasets
from pandas.api.types import is_numeric_dtype

from ct_pipeline.catalogue import Task
from ct_pipeline.errors import DataError, InvalidInput
from ct_pipeline.spec import CsvData, SklearnData, Spec, SyntheticData
from ct_pipeline.steps import StepContext

MIN_ROWS: Final = 20
TARGET: Final = "target"


@dataclass(frozen=True)
class Dataset:
    """Features (numeric, float64) and the target, one row per example."""

    features: pd.DataFrame
    target: pd.Series
    unlabelled_rows: int = 0
    """Rows dropped because their target was missing (CSV only)."""


def resolve_csv_path(data_root: Path, relative: str) -> Path:
    """Return ``data_root / relative`` with symlinks resolved; `InvalidInput` if it leaves ``data_root``."""
    root = data_root.resolve()
    path = (root / relative).resolve()
    if Path(relative).is_absolute() or not path.is_relative_to(root):
        raise InvalidInput(f"data.path: {relative!r} resolves outside CT_DATA_ROOT ({root})")
    return path


def extract(ctx: StepContext, csv_path: Path | None) -> Dataset:
    """Load the spec's data (``csv_path`` is the resolved CSV for a csv source) and log its size."""
    data = ctx.spec.data
    dataset = load_dataset(ctx.spec, csv_path)
    rows, columns = dataset.features.shape
    if dataset.unlabelled_rows:
        ctx.events.log("warning", f"dropped {dataset.unlabelled_rows} rows without a target value")
    ctx.tracker.log_params({"data.source": data.source, **_describe(data), "data.rows": rows})
    ctx.tracker.log_metrics({"data.rows": rows, "data.features": columns})
    ctx.events.log("info", f"loaded {rows} rows with {columns} features from {data.source}")
    return dataset


def load_dataset(spec: Spec, csv_path: Path | None) -> Dataset:
    """Load the spec's data and check that this pipeline can use it; raise `DataError` if not."""
    data = spec.data
    unlabelled = 0
    try:
        if isinstance(data, SklearnData):
            loader = getattr(sklearn.datasets, f"load_{data.name}")
            features, target = loader(return_X_y=True, as_frame=True)
        elif isinstance(data, SyntheticData):
            features, target = _synthetic(data, spec.task)
        else:
            assert csv_path is not None, "a csv source needs its resolved path"
            features, target, unlabelled = _read_csv(data, csv_path)
    except MemoryError as exc:
        raise DataError(f"not enough memory to load the data ({data.source})") from exc
    return _usable(features, target, spec.task, unlabelled)


def _describe(data: SklearnData | CsvData | SyntheticData) -> dict[str, object]:
    if isinstance(data, SklearnData):
        return {"data.name": data.name}
    if isinstance(data, CsvData):
        return {"data.path": data.path, "data.target": data.target}
    return {"data.seed": data.seed, "data.noise": data.noise}


def _synthetic(data: SyntheticData, task: Task) -> tuple[pd.DataFrame, pd.Series]:
    if task is Task.REGRESSION:
        x, y = sklearn.datasets.make_regression(
            n_samples=data.rows, n_features=data.features, noise=data.noise, random_state=data.seed
        )
    else:
        x, y = sklearn.datasets.make_classification(
            n_samples=data.rows,
            n_features=data.features,
            n_informative=min(data.features, max(2, data.features // 2)),
            n_redundant=0,
            n_classes=2 if task is Task.BINARY_CLASSIFICATION else 3,
            n_clusters_per_class=1,
            flip_y=min(data.noise, 1.0),  # for classification, noise is the share of labels drawn at random
            random_state=data.seed,
        )
    columns = [f"x{i}" for i in range(data.features)]
    return pd.DataFrame(x, columns=columns), pd.Series(y, name=TARGET)


def _read_csv(data: CsvData, path: Path) -> tuple[pd.DataFrame, pd.Series, int]:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {data.path}: {type(exc).__name__}: {exc}") from exc
    if data.target not in frame.columns:
        raise DataError(
            f"target column {data.target!r} is not in {data.path} (columns: {list(frame.columns)})"
        )
    wanted = list(data.features) if data.features else [c for c in frame.columns if c != data.target]
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        raise DataError(f"feature column(s) {missing} are not in {data.path}")
    unlabelled = frame[data.target].isna()
    frame = frame[~unlabelled]
    return frame[wanted], frame[data.target], int(unlabelled.sum())


def _usable(features: pd.DataFrame, target: pd.Series, task: Task, unlabelled: int) -> Dataset:
    if len(features) < MIN_ROWS:
        raise DataError(f"too few rows: {len(features)} < {MIN_ROWS}")
    if features.shape[1] == 0:
        raise DataError("no feature columns")
    text = [str(name) for name in features.columns if not is_numeric_dtype(features[name])]
    if text:
        raise DataError(
            f"non-numeric feature column(s) {text}: this pipeline uses numeric features only "
            "(list the numeric ones in data.features)"
        )
    classes = target.nunique()
    if task is Task.REGRESSION and not is_numeric_dtype(target):
        raise DataError(f"regression needs a numeric target, {target.name!r} is {target.dtype}")
    if task is Task.BINARY_CLASSIFICATION and classes != 2:
        raise DataError(f"binary_classification needs exactly 2 target classes, found {classes}")
    if task is Task.MULTICLASS_CLASSIFICATION and classes < 3:
        raise DataError(f"multiclass_classification needs at least 3 target classes, found {classes}")
    features = features.astype("float64").reset_index(drop=True)
    target = target.reset_index(drop=True).rename(TARGET)
    return Dataset(features=features, target=target, unlabelled_rows=unlabelled)
