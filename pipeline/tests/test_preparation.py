"""Transforms, the random and time splits, time filters and the data fingerprint: in process, small frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ct_pipeline.errors import DataError
from ct_pipeline.spec import Spec, parse_spec
from ct_pipeline.spec_transforms import parse_transforms
from ct_pipeline.steps.extraction import SourceAccess, fingerprint, load_frame
from ct_pipeline.steps.preparation import apply_transforms, select, split_rows

FRAME = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["1.5", "2.5", "x", "4"], "c": [0, 1, 0, 1]})


def transforms(*items: dict[str, Any]) -> Any:
    return parse_transforms(list(items))


TRANSFORMS: list[tuple[str, Any, dict[str, list[Any]]]] = [
    ("rename", transforms({"op": "rename", "columns": {"a": "z"}}), {"z": [1, 2, 3, 4]}),
    ("drop", transforms({"op": "drop", "columns": ["b", "c"]}), {"a": [1, 2, 3, 4]}),
    (
        "cast",
        transforms({"op": "cast", "columns": {"a": "float", "c": "bool"}}),
        {"a": [1.0, 2.0, 3.0, 4.0], "c": [False, True, False, True]},
    ),
    ("filter ==", transforms({"op": "filter", "column": "c", "operator": "==", "value": 1}), {"a": [2, 4]}),
    (
        "filter !=",
        transforms({"op": "filter", "column": "b", "operator": "!=", "value": "x"}),
        {"a": [1, 2, 4]},
    ),
    ("filter <", transforms({"op": "filter", "column": "a", "operator": "<", "value": 2}), {"a": [1]}),
    ("filter <=", transforms({"op": "filter", "column": "a", "operator": "<=", "value": 2}), {"a": [1, 2]}),
    ("filter >", transforms({"op": "filter", "column": "a", "operator": ">", "value": 3}), {"a": [4]}),
    ("filter >=", transforms({"op": "filter", "column": "a", "operator": ">=", "value": 3}), {"a": [3, 4]}),
    (
        "in order",
        transforms(
            {"op": "filter", "column": "b", "operator": "!=", "value": "x"},
            {"op": "cast", "columns": {"b": "float"}},
            {"op": "rename", "columns": {"b": "price"}},
        ),
        {"price": [1.5, 2.5, 4.0]},
    ),
]


@pytest.mark.parametrize(("items", "expected"), [c[1:] for c in TRANSFORMS], ids=[c[0] for c in TRANSFORMS])
def test_transform(items: Any, expected: dict[str, list[Any]]) -> None:
    sut = apply_transforms(FRAME, items)

    for name, values in expected.items():
        assert sut[name].tolist() == values


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            transforms({"op": "rename", "columns": {"a": "z"}}, {"op": "drop", "columns": ["zz"]}),
            "preparation.transforms[1] (drop ['zz']): unknown column(s) ['zz']",
        ),
        (
            transforms({"op": "cast", "columns": {"b": "float"}}),
            "preparation.transforms[0] (cast {'b': 'float'}): ValueError",
        ),
        (
            transforms({"op": "filter", "column": "q", "operator": "<", "value": 1}),
            "preparation.transforms[0] (filter q < 1)",
        ),
    ],
)
def test_failing_transform_is_a_data_error_naming_it(items: Any, message: str) -> None:
    with pytest.raises(DataError) as caught:
        apply_transforms(FRAME, items)

    assert caught.value.message.startswith(message), caught.value.message


def regression_spec(**extra: Any) -> Spec:
    data = {"source": "csv", "path": "d.csv", "target": "y"}
    return parse_spec(
        {
            "pipeline": "t",
            "task": "regression",
            "data": data,
            "model": {"estimator": "sklearn.linear_model.Ridge"},
            **extra,
        }
    )


def timed_frame(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    times = pd.date_range("2024-01-01", periods=rows, freq="D", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = pd.DataFrame({"ts": times, "a": rng.normal(size=rows), "y": rng.normal(size=rows)})
    return frame.sample(frac=1, random_state=1).reset_index(drop=True)  # rows not in time order


def test_random_split_is_reproducible_by_seed() -> None:
    frame = timed_frame().drop(columns="ts")
    spec = regression_spec()
    features, target, _ = select(spec, frame, "y")

    first, again = split_rows(spec, features, target, frame), split_rows(spec, features, target, frame)
    other = split_rows(regression_spec(split={"seed": 1}), features, target, frame)

    assert first.x_test.index.tolist() == again.x_test.index.tolist()
    assert first.x_test.index.tolist() != other.x_test.index.tolist()
    assert first.rows == {"train": 32, "test": 8}


def test_time_split_puts_the_newest_rows_in_the_test_set() -> None:
    frame = timed_frame()
    spec = regression_spec(split={"time_column": "ts", "test_size": 0.25})
    features, target, _ = select(spec, frame, "y")

    sut = split_rows(spec, features, target, frame)

    assert list(features.columns) == ["a"], "the time column is not a feature"
    test_times = pd.to_datetime(frame.loc[sut.x_test.index, "ts"])
    train_times = pd.to_datetime(frame.loc[sut.x_train.index, "ts"])
    assert sut.rows == {"train": 30, "test": 10} and test_times.min() > train_times.max()


def test_csv_time_filter_keeps_rows_since_the_threshold(tmp_path: Path) -> None:
    timed_frame().to_csv(tmp_path / "d.csv", index=False)
    spec = regression_spec(
        data={
            "source": "csv",
            "path": "d.csv",
            "target": "y",
            "time_column": "ts",
            "since": "2024-01-31T00:00:00+00:00",
        }
    )

    sut = load_frame(spec, SourceAccess(path=tmp_path / "d.csv"))

    assert len(sut.frame) == 10 and pd.to_datetime(sut.frame["ts"]).min() == pd.Timestamp(
        "2024-01-31", tz="UTC"
    )


@pytest.mark.parametrize("source", ["csv", "parquet"])
def test_file_time_window_keeps_rows_between_the_bounds_inclusive(tmp_path: Path, source: str) -> None:
    frame = timed_frame()
    path = tmp_path / f"d.{source}"
    if source == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    data = {"source": source, "path": path.name, "target": "y", "time_column": "ts"}
    spec = regression_spec(
        data={**data, "since": "2024-01-11T00:00:00Z", "until": "2024-01-20T01:00:00+01:00"}  # 00:00 UTC
    )

    sut = load_frame(spec, SourceAccess(path=path))

    times = pd.to_datetime(sut.frame["ts"])
    assert len(sut.frame) == 10
    assert (times.min(), times.max()) == (
        pd.Timestamp("2024-01-11", tz="UTC"),
        pd.Timestamp("2024-01-20", tz="UTC"),
    )


def test_file_until_alone_keeps_rows_up_to_the_mark(tmp_path: Path) -> None:
    timed_frame().to_csv(tmp_path / "d.csv", index=False)
    data = {"source": "csv", "path": "d.csv", "target": "y", "time_column": "ts"}

    sut = load_frame(
        regression_spec(data={**data, "until": "2024-01-05T12:00:00Z"}), SourceAccess(path=tmp_path / "d.csv")
    )

    assert sorted(sut.frame["ts"]) == [f"2024-01-0{day}T00:00:00Z" for day in range(1, 6)]


def test_parquet_source_reads_the_same_rows_as_csv(tmp_path: Path) -> None:
    frame = timed_frame()
    frame.to_parquet(tmp_path / "d.parquet")
    spec = regression_spec(data={"source": "parquet", "path": "d.parquet", "target": "y"})

    sut = load_frame(spec, SourceAccess(path=tmp_path / "d.parquet"))

    pd.testing.assert_frame_equal(sut.frame, frame)


def test_fingerprint_is_stable_and_sensitive() -> None:
    frame = timed_frame()

    assert fingerprint(frame) == fingerprint(frame[["y", "a", "ts"]].copy())
    assert fingerprint(frame) != fingerprint(frame.assign(a=frame["a"] + 1e-9))
    assert fingerprint(frame) != fingerprint(frame.head(39))
