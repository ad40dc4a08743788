"""The score job's parts without MLflow: the task file, row keys, model input, canonical rows, cache paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from champions import SCORE_TASK

from ct_pipeline.errors import DataError, InvalidInput
from ct_pipeline.registry import ModelVersion
from ct_pipeline.scoring.model_cache import version_folder
from ct_pipeline.scoring.predictions_file import canonical_rows
from ct_pipeline.scoring.score_rows import model_input, row_keys
from ct_pipeline.scoring.score_task import load_score_task

SPEC: dict[str, Any] = {
    "pipeline": "points",
    "task": "regression",
    "data": {
        "source": "csv",
        "path": "points.csv",
        "target": "y",
        "time_column": "ts",
        "since": "2023-01-01T00:00:00Z",
    },
    "model": {"estimator": "sklearn.linear_model.Ridge"},
    "preparation": {
        "transforms": [
            {"op": "rename", "columns": {"a": "x1"}},
            {"op": "filter", "column": "x1", "operator": ">", "value": 100},
        ]
    },
}
TASK: dict[str, Any] = {
    **SCORE_TASK,
    "spec": SPEC,
    "registered_model": "team.points",
    "output": "predictions.csv",  # beside the task file: write_task makes it absolute
}


# Fields a task file written by hand may leave out (the contract's defaults).
DEFAULTED = ("job_id", "model", "source", "since", "until", "rows", "key_column")


def write_task(folder: Path, **fields: Any) -> Path:
    path = folder / "task.json"
    task = {**TASK, "output": str(folder / "predictions.csv"), **fields}
    path.write_text(json.dumps(task), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "monitor"}, "kind: 'score' was expected"),
        ({"rows": [{"x1": 1}], "source": SPEC["data"]}, "rows: inline rows and a source exclude each other"),
        ({"rows": []}, "rows: must hold 1 to 1000 items, got 0"),
        ({"rows": [{"x1": 1}] * 1001}, "rows: must hold 1 to 1000 items, got 1001"),
        ({"rows": [[1, 2]]}, "rows[0]: [1, 2] is not of type 'object'"),
        ({"rows": [{"x1": [1]}]}, "rows[0].x1: must be number or string or boolean or null"),
        ({"model": "../../etc"}, "model: must match ^(?:[a-z]"),
        ({"source": "points.csv"}, "source: must be object or null, got 'points.csv'"),
        ({"source": {"source": "csv", "path": "/abs.csv", "target": "y"}}, "source: data.path"),
        ({"spec": {"pipeline": "p"}}, "spec: "),
        ({"output": None}, "output: None is not of type 'string'"),
        (
            {"output": "/nowhere/at/all/predictions.csv"},
            "output: the folder '/nowhere/at/all' does not exist",
        ),
    ],
    ids=[
        "kind",
        "rows and source",
        "no rows",
        "too many rows",
        "row not an object",
        "cell not a scalar",
        "model",
        "source not a section",
        "source path outside",
        "spec",
        "output",
        "output folder",
    ],
)
def test_task_file_rejects(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_score_task(write_task(tmp_path, **fields), {})
    assert message in caught.value.message


def test_task_file_defaults_to_the_specs_own_data_without_its_bounds(tmp_path: Path) -> None:
    path = write_task(tmp_path)
    hand_written = {k: v for k, v in json.loads(path.read_text()).items() if k not in DEFAULTED}
    path.write_text(json.dumps(hand_written), encoding="utf-8")

    sut = load_score_task(path, {"CT_JOB_ID": "j-9"})

    assert (sut.job_id, sut.model, sut.key_column) == ("j-9", "champion", "id")
    assert sut.source is not None and sut.rows is None
    assert sut.source.data.path == "points.csv" and sut.source.data.since is None  # type: ignore[union-attr]


def test_task_file_applies_the_tasks_window(tmp_path: Path) -> None:
    path = write_task(tmp_path, since="2024-02-01T00:00:00Z", until="2024-03-01T00:00:00+00:00")
    sut = load_score_task(path, {})

    data: Any = sut.source.data if sut.source else None
    assert (data.since.isoformat(), data.until.isoformat()) == (
        "2024-02-01T00:00:00+00:00",
        "2024-03-01T00:00:00+00:00",
    )


def test_a_window_on_a_given_source_uses_the_specs_time_column(tmp_path: Path) -> None:
    source = {"source": "csv", "path": "new.csv", "target": "y"}
    sut = load_score_task(write_task(tmp_path, source=source, since="2024-01-01T00:00:00Z"), {})

    data: Any = sut.source.data if sut.source else None
    assert (data.path, data.time_column, data.since.isoformat()) == (
        "new.csv",
        "ts",
        "2024-01-01T00:00:00+00:00",
    )


def test_a_window_needs_a_time_column(tmp_path: Path) -> None:
    spec = {**SPEC, "data": {"source": "csv", "path": "p.csv", "target": "y"}}
    with pytest.raises(InvalidInput, match="no time_column"):
        load_score_task(write_task(tmp_path, spec=spec, until="2024-01-01T00:00:00Z"), {})


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (pd.DataFrame({"x": [1, 2]}), ["job:0", "job:1"]),
        (pd.DataFrame({"id": ["a", "b"]}), ["a", "b"]),
        (pd.DataFrame({"id": [7.0, np.nan, 9.0]}), ["7", "job:1", "9"]),
        (pd.DataFrame({"id": [1.5, None]}), ["1.5", "job:1"]),
        (pd.DataFrame({"id": np.array([10, 11], dtype="int64")}), ["10", "11"]),
    ],
    ids=["no key column", "text keys", "integral floats and a gap", "fractions", "integers"],
)
def test_row_keys(frame: pd.DataFrame, expected: list[str]) -> None:
    assert row_keys(frame, "id", "job") == expected


def test_row_keys_must_be_unique() -> None:
    with pytest.raises(DataError, match=r"repeats value\(s\) \['a'\]"):
        row_keys(pd.DataFrame({"id": ["a", "b", "a"]}), "id", "job")


def test_model_input_renames_types_and_keeps_every_row(tmp_path: Path) -> None:
    task = load_score_task(write_task(tmp_path), {})
    frame = pd.DataFrame({"a": ["1.5", "2", None], "city": ["oslo", None, "kyiv"], "other": [1, 2, 3]})

    sut = model_input(task, frame, [("x1", "double"), ("city", "string")])

    assert list(sut.columns) == ["x1", "city"] and len(sut) == 3, "the filter transform is not applied"
    assert sut["x1"].tolist()[:2] == [1.5, 2.0] and np.isnan(sut["x1"].tolist()[2])
    assert sut["city"].tolist()[0] == "oslo" and pd.isna(sut["city"].tolist()[1])


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"a": [1.0]}), r"feature column\(s\) \['city'\]"),
        (pd.DataFrame({"a": ["one"], "city": ["oslo"]}), "feature column 'x1' must hold numbers"),
    ],
    ids=["missing column", "text in a numeric column"],
)
def test_model_input_rejects(tmp_path: Path, frame: pd.DataFrame, message: str) -> None:
    task = load_score_task(write_task(tmp_path), {})
    with pytest.raises(DataError, match=message):
        model_input(task, frame, [("x1", "double"), ("city", "string")])


def test_canonical_rows_sort_keys_and_write_gaps_as_null() -> None:
    frame = pd.DataFrame({"b": [1.5, np.nan], "a": ["x", None]})

    assert canonical_rows(frame) == ['{"a":"x","b":1.5}', '{"a":null,"b":null}']


def test_canonical_rows_are_jsons_own_canonical_form() -> None:
    frame = pd.DataFrame(
        {
            "z": [1e-7, -0.0, 12345678.9, 3.0],
            'é "q"': ["Zürich", 'say "hi"\n', "tab\there", "€"],
            "10": [np.int64(3), np.int64(-1), np.int64(0), np.int64(7)],
            "a": [True, False, True, False],
        }
    )
    rows = frame.astype(object).to_dict("records")

    sut = canonical_rows(frame)

    assert sut == [
        json.dumps(
            {str(k): v for k, v in row.items()}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        for row in rows
    ]
    assert json.loads(sut[0])["z"] == 1e-7


@pytest.mark.parametrize("name", ["", ".", "..", "team/../x", "a\\b"])
def test_cache_folders_stay_inside_the_root(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput):
        version_folder(tmp_path, ModelVersion(name, "1", None))


def test_cache_folder_of_a_version(tmp_path: Path) -> None:
    assert version_folder(tmp_path, ModelVersion("team.p", "3", "r")) == tmp_path / "team.p" / "3"
