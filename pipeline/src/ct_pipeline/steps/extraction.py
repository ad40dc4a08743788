"""Extraction: load the rows the spec names into one frame, keep those in its time window, fingerprint it."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import sklearn.datasets

from ct_pipeline.catalogue import Task
from ct_pipeline.errors import DataError
from ct_pipeline.sources.files import read_file, resolve_data_path
from ct_pipeline.sources.iris import IrisConnection, iris_connection, load_driver, read_iris, statement
from ct_pipeline.sources.timeout import DEFAULT_TIMEOUT_MS, statement_timeout_ms
from ct_pipeline.sources.window import TimeWindow
from ct_pipeline.spec import SklearnData, Spec, SyntheticData, TableData
from ct_pipeline.steps import StepContext

TARGET: Final = "target"
DATA_ROOT_VAR: Final = "CT_DATA_ROOT"


@dataclass(frozen=True)
class Extracted:
    """The extracted rows (every column, the target among them) and the data's fingerprint."""

    frame: pd.DataFrame
    target: str
    fingerprint: str


@dataclass(frozen=True)
class SourceAccess:
    """Where a table source is read from, resolved before MLflow is contacted (bad input fails first)."""

    path: Path | None = None
    database_url: str | None = None
    iris: IrisConnection | None = None
    statement_timeout_ms: int = DEFAULT_TIMEOUT_MS  # postgres and iris: CT_SOURCE_STATEMENT_TIMEOUT_MS


def resolve_source(spec: Spec, environ: Mapping[str, str]) -> SourceAccess:
    """Check the data source's access now: a file inside ``CT_DATA_ROOT``, or the database URL."""
    data = spec.data
    if not isinstance(data, TableData):
        return SourceAccess()
    if data.source == "postgres":
        from ct_pipeline.sources.postgres import database_url

        return SourceAccess(
            database_url=database_url(environ), statement_timeout_ms=statement_timeout_ms(environ)
        )
    if data.source == "iris":
        connection = iris_connection(environ)
        load_driver()  # a missing driver is invalid input, found before MLflow is contacted
        statement(data.query, data.table)  # so is a query the IRIS source refuses
        return SourceAccess(iris=connection, statement_timeout_ms=statement_timeout_ms(environ))
    assert data.path is not None
    return SourceAccess(path=resolve_data_path(Path(environ.get(DATA_ROOT_VAR) or os.getcwd()), data.path))


def extract(ctx: StepContext, access: SourceAccess) -> Extracted:
    """Load the spec's data, log its size, source and fingerprint, and return it."""
    data = ctx.spec.data
    extracted = load_frame(ctx.spec, access)
    rows, columns = extracted.frame.shape
    ctx.tracker.log_params(
        {
            "data.source": data.source,
            **_describe(data),
            "data.rows": rows,
            "data.fingerprint": extracted.fingerprint,
        }
    )
    ctx.tracker.log_metrics({"data.rows": rows, "data.columns": columns})
    ctx.events.log("info", f"extracted {rows} rows with {columns} columns from {data.source}")
    return extracted


def load_frame(spec: Spec, access: SourceAccess) -> Extracted:
    """Load the spec's rows (within ``since``..``until`` when given); raise `DataError` if they cannot be."""
    data = spec.data
    try:
        if isinstance(data, SklearnData):
            features, target = getattr(sklearn.datasets, f"load_{data.name}")(return_X_y=True, as_frame=True)
            frame, target_name = features.assign(**{TARGET: target}), TARGET
        elif isinstance(data, SyntheticData):
            frame, target_name = _synthetic(data, spec.task), TARGET
        else:
            frame, target_name = _table(data, access), data.target
    except MemoryError as exc:
        raise DataError(f"not enough memory to load the data ({data.source})") from exc
    frame = frame.reset_index(drop=True)
    return Extracted(frame=frame, target=target_name, fingerprint=fingerprint(frame))


def fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of the rows in a stable serialisation: column names, dtypes and row hashes, columns sorted."""
    ordered = frame[sorted(frame.columns, key=str)]
    digest = hashlib.sha256()
    header = [[str(name), str(dtype)] for name, dtype in ordered.dtypes.items()]
    digest.update(json.dumps(header).encode("utf-8"))
    if len(ordered.columns):
        digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _table(data: TableData, access: SourceAccess) -> pd.DataFrame:
    window = TimeWindow(data.time_column, data.since, data.until)
    if data.source == "postgres":
        from ct_pipeline.sources.postgres import read_query

        assert access.database_url is not None and data.query is not None
        frame = read_query(access.database_url, data.query, window, access.statement_timeout_ms)
        shown = "the query's result"
    elif data.source == "iris":
        assert access.iris is not None
        frame = read_iris(access.iris, data.query, data.table, window, access.statement_timeout_ms)
        shown = f"the IRIS {'query' if data.query else 'table ' + str(data.table)}"
    else:
        assert access.path is not None and data.path is not None
        frame = read_file(data.source, data.path, access.path)
        shown = data.path
    if data.time_column is not None and data.time_column not in frame.columns:
        raise DataError(
            f"data.time_column: {data.time_column!r} is not in {shown} (columns: {list(frame.columns)})"
        )
    if data.time_column is not None and (data.since is not None or data.until is not None):
        # Files are filtered only here; a database's rows, filtered by its server, pass once more.
        times = to_utc(frame[data.time_column], data.time_column)
        keep = pd.Series(True, index=frame.index)
        if data.since is not None:
            keep &= times >= data.since
        if data.until is not None:
            keep &= times <= data.until
        frame = frame[keep]
    return frame


def to_utc(column: pd.Series, name: str) -> pd.Series:
    """A column as UTC datetimes (naive values are taken as UTC); `DataError` if it holds no datetimes."""
    try:
        return pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as exc:
        raise DataError(f"column {name!r} does not hold dates and times: {exc}") from exc


def _describe(data: SklearnData | TableData | SyntheticData) -> dict[str, object]:
    if isinstance(data, SklearnData):
        return {"data.name": data.name}
    if isinstance(data, TableData):
        where = {"data.path": data.path} if data.path else {}
        where |= {"data.table": data.table} if data.table else {}
        bounds = {"data.since": data.since.isoformat()} if data.since else {}
        bounds |= {"data.until": data.until.isoformat()} if data.until else {}
        return {**where, "data.target": data.target, **bounds}
    return {"data.seed": data.seed, "data.noise": data.noise}


def _synthetic(data: SyntheticData, task: Task) -> pd.DataFrame:
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
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(data.features)])
    frame[TARGET] = y
    return frame
