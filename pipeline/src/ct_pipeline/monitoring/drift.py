"""Data drift per feature between a version's reference sample and the window's scored rows, by Evidently.

Evidently's ``DataDriftPreset`` picks the test per column (e.g. Kolmogorov-Smirnov p-value for a small
numeric sample, Wasserstein distance for a large one, chi-square or Jensen-Shannon for categories) and its
threshold, and decides whether each column drifted; ct only reads its verdict. Evidently is imported here
and only here, when there is something to compare: its import takes seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

MIN_ROWS: Final = 10  # rows with features, on each side, for a drift test to mean something
# MLflow's metric names allow word characters, "-", ".", " ", ":" and "/"; a slash would also make a path.
_METRIC_KEY_UNSAFE: Final = re.compile(r"[^\w\-. ]")


@dataclass(frozen=True)
class Drift:
    """The drift payload (``share_drifted``, ``drifted``, ``features``), the HTML report and the metrics
    to log; or, when no comparison was made, only ``skipped`` saying why."""

    payload: dict[str, Any] | None = None
    html: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    skipped: str | None = None


def measure_drift(reference: pd.DataFrame | None, current: pd.DataFrame, why_no_reference: str) -> Drift:
    """Compare ``current`` (the window's feature rows) with ``reference``; `Drift.skipped` when it cannot."""
    if reference is None:
        return Drift(skipped=why_no_reference)
    columns = [str(name) for name in reference.columns if name in current.columns]
    if not columns:
        return Drift(skipped="the window's features share no column with the reference sample")
    if len(current) < MIN_ROWS or len(reference) < MIN_ROWS:
        return Drift(
            skipped=f"too few rows to compare: {len(current)} scored rows with features in the window, "
            f"{len(reference)} in the reference sample (at least {MIN_ROWS} each)"
        )
    numeric = [c for c in columns if is_numeric_dtype(reference[c]) and not is_bool_dtype(reference[c])]
    categorical = [c for c in columns if c not in numeric]
    return _evidently(
        _typed(reference, numeric, categorical), _typed(current, numeric, categorical), numeric, categorical
    )


def _typed(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name in numeric:
        out[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in categorical:
        out[name] = frame[name].map(lambda value: None if pd.isna(value) else str(value)).astype(object)
    return out.reset_index(drop=True)


def _evidently(
    reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> Drift:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    report = Report([DataDriftPreset(columns=[*numeric, *categorical])], include_tests=True)
    snapshot = report.run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    payload = drift_payload(snapshot.dict())
    metrics = {f"drift.{metric_key(name)}": value["score"] for name, value in payload["features"].items()}
    metrics["drift.share"] = payload["share_drifted"]
    return Drift(payload=payload, html=snapshot.get_html_str(as_iframe=False), metrics=metrics)


def drift_payload(result: dict[str, Any]) -> dict[str, Any]:
    """The drift payload from a ``DataDriftPreset`` snapshot's ``dict()``, with its tests included.

    Its metrics hold one ``DriftedColumnsCount`` (``value.count``, ``value.share``) and one ``ValueDrift``
    per column (``config.column``, ``config.method``, ``value``: the score); its tests hold one per column
    (by ``metric_config.metric_id``) whose ``status`` is ``FAIL`` when the column drifted.
    """
    failed = {
        test["metric_config"]["metric_id"]: test["status"] == "FAIL"
        for test in result.get("tests", [])
        if test.get("metric_config", {}).get("params", {}).get("type", "").endswith(":ValueDrift")
    }
    features: dict[str, dict[str, Any]] = {}
    counted: dict[str, float] = {}
    for metric in result["metrics"]:
        kind = metric["config"]["type"].rsplit(":", 1)[-1]
        if kind == "DriftedColumnsCount":
            counted = metric["value"]
        elif kind == "ValueDrift":
            features[metric["config"]["column"]] = {
                "score": float(metric["value"]),
                "drifted": failed[metric["id"]],
                "method": str(metric["config"]["method"]),
            }
    return {
        "share_drifted": float(counted["share"]),
        "drifted": int(counted["count"]),
        "features": features,
    }


def metric_key(name: str) -> str:
    """A feature name as an MLflow metric name may hold it (other characters become ``_``)."""
    return _METRIC_KEY_UNSAFE.sub("_", name)
