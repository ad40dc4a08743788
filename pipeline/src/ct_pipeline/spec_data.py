"""The ``data`` section of a training spec: where the rows come from, and the checks a schema cannot make.

`ct_pipeline.spec` parses the whole spec and re-exports these types.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Final, Literal

from ct_pipeline.catalogue import Task
from ct_pipeline.errors import InvalidInput

SKLEARN_DATASETS: Final[Mapping[str, Task]] = {
    "diabetes": Task.REGRESSION,
    "breast_cancer": Task.BINARY_CLASSIFICATION,
    "iris": Task.MULTICLASS_CLASSIFICATION,
    "wine": Task.MULTICLASS_CLASSIFICATION,
}
_LEADING_COMMENTS: Final = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)


@dataclass(frozen=True)
class SklearnData:
    """A dataset bundled with scikit-learn (no download)."""

    name: str
    source: str = "sklearn"


@dataclass(frozen=True)
class TableData:
    """A table source: a CSV or Parquet file under ``CT_DATA_ROOT``, a read-only Postgres query, or an
    IRIS query or table (``CT_IRIS_URL``).

    ``features`` None means every column but the target and the time columns. With ``time_column``, only rows
    at or after ``since`` and at or before ``until`` are kept (either bound may be None). A triggered run
    gets ``until`` = its data high-water mark, so that the next trigger counts only the rows after it.
    """

    source: Literal["csv", "parquet", "postgres", "iris"]
    target: str
    path: str | None = None
    query: str | None = None
    table: str | None = None
    features: tuple[str, ...] | None = None
    time_column: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def CsvData(path: str, target: str, features: tuple[str, ...] | None = None) -> TableData:
    """A CSV source (kept for callers of the first spec version)."""
    return TableData(source="csv", path=path, target=target, features=features)


@dataclass(frozen=True)
class SyntheticData:
    """Generated rows: ``make_regression`` or ``make_classification``, chosen by the task."""

    rows: int
    features: int
    seed: int
    noise: float = 0.1
    source: str = "synthetic"


DataSpec = SklearnData | TableData | SyntheticData


def parse_data(raw: dict[str, Any], task: Task) -> DataSpec:
    """The spec's ``data`` section (checked against the schema already), and the rules it cannot express."""
    source = raw["source"]
    if source == "sklearn":
        name = raw["name"]
        if SKLEARN_DATASETS[name] is not task:
            raise InvalidInput(f"data.name: the {name} dataset is for {SKLEARN_DATASETS[name]}, not {task}")
        return SklearnData(name=name)
    if source == "synthetic":
        if task is Task.MULTICLASS_CLASSIFICATION and raw["features"] < 2:
            raise InvalidInput("data.features: must be at least 2 for multiclass_classification")
        # JSON Schema (like JavaScript) takes 1000.0 as an integer: make it one
        return SyntheticData(
            int(raw["rows"]), int(raw["features"]), int(raw["seed"]), float(raw.get("noise", 0.1))
        )
    features = raw.get("features")
    if features is not None:
        if len(set(features)) != len(features):
            raise InvalidInput("data.features: must not name a column twice")
        if raw["target"] in features:
            raise InvalidInput(f"data.features: must not include the target column {raw['target']!r}")
    if source == "iris" and ("query" in raw) == ("table" in raw):
        raise InvalidInput("data: an iris source needs exactly one of query and table")
    for bound in ("since", "until"):
        if bound in raw and "time_column" not in raw:
            raise InvalidInput(f"data.{bound}: needs data.time_column (the column the threshold applies to)")
    since, until = _instant(raw.get("since")), _instant(raw.get("until"))
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"data.until: must be at or after data.since ({raw['since']}), got {raw['until']}")
    return TableData(
        source=source,
        target=raw["target"],
        path=_relative_path(raw["path"]) if "path" in raw else None,
        query=_select_query(raw["query"]) if "query" in raw else None,
        table=raw.get("table"),
        features=tuple(features) if features is not None else None,
        time_column=raw.get("time_column"),
        since=since,
        until=until,
    )


def _instant(text: str | None) -> dt.datetime | None:
    """An ISO date-time with a zone (the schema has checked its form), or None when absent."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text is not None else None


def _relative_path(text: str) -> str:
    relative = PurePosixPath(text)
    if relative.is_absolute() or "\x00" in text:
        raise InvalidInput(f"data.path: must be a path relative to CT_DATA_ROOT, got {text!r}")
    if ".." in relative.parts:
        raise InvalidInput(
            f"data.path: must not contain '..' (it must stay inside CT_DATA_ROOT), got {text!r}"
        )
    return text


def _select_query(query: str) -> str:
    """A query must read: it starts with SELECT or WITH (the transaction is read-only as well)."""
    body = _LEADING_COMMENTS.sub("", query, count=1)
    if not re.match(r"(?i)(select|with)\b", body):
        raise InvalidInput("data.query: must be a SELECT (or WITH ... SELECT) query")
    return query
