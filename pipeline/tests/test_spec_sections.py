"""The spec's CT sections (validation, preparation, metrics, promotion, sources): schema, then meaning."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import TableData, load_spec, parse_spec
from ct_pipeline.spec_validation import MinRows

BASE: dict[str, Any] = {
    "pipeline": "p",
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
    "model": {"estimator": "sklearn.linear_model.Ridge"},
}
CSV = {"source": "csv", "path": "d.csv", "target": "y"}


def spec(**changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BASE)
    result.update(changes)
    return result


def test_defaults_of_the_ct_sections() -> None:
    sut = parse_spec(spec())

    assert sut.validation.min_rows == MinRows(20, "error")
    assert sut.transforms == () and sut.policy == "auto"
    assert (sut.rules.primary, sut.rules.direction, sut.rules.min_improvement) == ("rmse", "minimize", 0)
    classification = parse_spec(
        spec(
            task="binary_classification",
            data={"source": "sklearn", "name": "breast_cancer"},
            model={"estimator": "sklearn.linear_model.LogisticRegression"},
        )
    )
    assert (classification.rules.primary, classification.rules.direction) == ("f1", "maximize")


def test_full_sections_parse() -> None:
    sut = parse_spec(
        spec(
            data={**CSV, "time_column": "ts", "since": "2024-01-01T00:00:00Z"},
            validation={
                "iqr_outliers": {"max_share": 0.1},
                "required_columns": {"columns": {"a": "numeric"}},
            },
            preparation={"transforms": [{"op": "filter", "column": "a", "operator": ">=", "value": 1}]},
            split={"time_column": "ts"},
            metrics={
                "primary": "r2",
                "min_improvement": 0.01,
                "guards": [{"metric": "mae"}],
                "thresholds": {"r2": {"min": 0.1}},
            },
            promotion={"policy": "manual"},
        )
    )

    assert isinstance(sut.data, TableData) and sut.data.since == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert sut.validation.min_rows is None and sut.validation.iqr_outliers.factor == 1.5  # type: ignore[union-attr]
    assert sut.transforms[0].describe() == "filter a >= 1"
    assert (sut.rules.direction, sut.rules.guards[0].max_degradation, sut.policy) == ("maximize", 0, "manual")
    assert sut.split.time_column == "ts"


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00+01:00"),
        (None, "2024-02-01T00:00:00Z"),
        ("2024-01-01T02:00:00.000001+02:00", "2024-01-01T00:00:00.000001Z"),  # one instant: an empty window
    ],
)
def test_a_time_window_parses(since: str | None, until: str) -> None:
    data = {**CSV, "time_column": "ts", "until": until, **({"since": since} if since else {})}

    sut = parse_spec(spec(data=data))

    assert isinstance(sut.data, TableData)
    assert sut.data.until == dt.datetime.fromisoformat(until)
    assert sut.data.since == (dt.datetime.fromisoformat(since) if since else None)


def test_spec_hash_is_canonical() -> None:
    a = parse_spec({"task": "regression", **{k: v for k, v in BASE.items() if k != "task"}})

    assert a.hash == parse_spec(spec()).hash and len(a.hash) == 64
    assert a.hash != parse_spec(spec(pipeline="q")).hash


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown rule", spec(validation={"max_rows": {"rows": 1}}), "validation: Additional properties"),
    (
        "bad severity",
        spec(validation={"min_rows": {"rows": 5, "severity": "fatal"}}),
        "validation.min_rows.severity:",
    ),
    (
        "share above 1",
        spec(validation={"max_missing_share": {"threshold": 2}}),
        "validation.max_missing_share.threshold:",
    ),
    (
        "bad column type",
        spec(validation={"required_columns": {"columns": {"a": "text"}}}),
        "validation.required_columns.columns.a:",
    ),
    (
        "unknown op",
        spec(preparation={"transforms": [{"op": "explode"}]}),
        "preparation.transforms[0]: op must be one of",
    ),
    (
        "filter without value",
        spec(preparation={"transforms": [{"op": "filter", "column": "a", "operator": "=="}]}),
        "preparation.transforms[0]: 'value' is a required property",
    ),
    (
        "bad cast",
        spec(preparation={"transforms": [{"op": "cast", "columns": {"a": "decimal"}}]}),
        "preparation.transforms[0].columns.a:",
    ),
    ("unknown metric", spec(metrics={"primary": "mape"}), "metrics.primary:"),
    ("negative improvement", spec(metrics={"min_improvement": -1}), "metrics.min_improvement:"),
    ("bad policy", spec(promotion={"policy": "vote"}), "promotion.policy:"),
    ("naive since", spec(data={**CSV, "time_column": "t", "since": "2024-01-01T00:00:00"}), "data.since:"),
    ("naive until", spec(data={**CSV, "time_column": "t", "until": "2024-01-01T00:00:00"}), "data.until:"),
    (
        "metric of another task",
        spec(metrics={"primary": "f1"}),
        "metrics.primary: f1 is not a metric of regression",
    ),
    (
        "guard of another task",
        spec(metrics={"guards": [{"metric": "accuracy"}]}),
        "metrics.guards[0].metric: accuracy is not a metric",
    ),
    (
        "threshold of another task",
        spec(metrics={"thresholds": {"roc_auc": {"min": 0.5}}}),
        "metrics.thresholds.roc_auc:",
    ),
    (
        "min above max",
        spec(metrics={"thresholds": {"r2": {"min": 0.9, "max": 0.1}}}),
        "metrics.thresholds.r2: min 0.9",
    ),
    (
        "since without time column",
        spec(data={**CSV, "since": "2024-01-01T00:00:00Z"}),
        "data.since: needs data.time_column",
    ),
    (
        "until without time column",
        spec(data={**CSV, "until": "2024-01-01T00:00:00Z"}),
        "data.until: needs data.time_column",
    ),
    (
        "until before since",
        spec(
            data={**CSV, "time_column": "t", "since": "2024-02-01T00:00:00Z", "until": "2024-01-31T00:00:00Z"}
        ),
        "data.until: must be at or after data.since (2024-02-01T00:00:00Z)",
    ),
    (
        "until before since once the zones are applied",
        spec(
            data={
                **CSV,
                "time_column": "t",
                "since": "2024-01-01T00:00:00Z",
                "until": "2024-01-01T01:00:00+02:00",
            }
        ),
        "data.until: must be at or after data.since",
    ),
    (
        "until a microsecond before since",
        spec(
            data={
                **CSV,
                "time_column": "t",
                "since": "2024-01-01T00:00:00.000002Z",
                "until": "2024-01-01T00:00:00.000001Z",
            }
        ),
        "data.until: must be at or after data.since",
    ),
    (
        "write query",
        spec(data={"source": "postgres", "query": "DELETE FROM t", "target": "y"}),
        "data.query: must be a SELECT",
    ),
    (
        "write query after a comment",
        spec(data={"source": "postgres", "query": "-- hi\n/* x */ DROP TABLE t", "target": "y"}),
        "data.query: must be a SELECT",
    ),
    (
        "parquet path with ..",
        spec(data={"source": "parquet", "path": "../x.parquet", "target": "y"}),
        "data.path: must not",
    ),
]


@pytest.mark.parametrize(("raw", "message"), [(r, m) for _, r, m in BAD], ids=[n for n, _, _ in BAD])
def test_bad_section_is_invalid_input_naming_the_path(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_spec(raw)

    assert caught.value.message.startswith(message), caught.value.message


def test_select_with_comments_and_cte_is_accepted() -> None:
    query = "-- recent sales\nWITH s AS (SELECT 1 AS y) SELECT * FROM s"

    sut = parse_spec(spec(data={"source": "postgres", "query": query, "target": "y"}))

    assert isinstance(sut.data, TableData) and sut.data.query == query


def test_yaml_spec_with_an_unquoted_timestamp(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "pipeline: p\ntask: regression\nmodel: {estimator: sklearn.linear_model.Ridge}\n"
        "data: {source: csv, path: d.csv, target: y, time_column: t, since: 2024-03-01T00:00:00Z,\n"
        "       until: 2024-04-01T00:00:00+02:00}\n"
    )

    sut = load_spec(path)

    assert isinstance(sut.data, TableData) and sut.data.since == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert sut.data.until == dt.datetime(2024, 3, 31, 22, tzinfo=dt.UTC)


def test_invalid_yaml_is_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text("pipeline: [unclosed\n")

    with pytest.raises(InvalidInput, match="is not valid YAML"):
        load_spec(path)
