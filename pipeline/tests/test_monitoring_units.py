"""The monitor job's parts without MLflow: task file, window file, live metrics, drift by Evidently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as m

from ct_pipeline.catalogue import Task
from ct_pipeline.errors import DataError, InvalidInput
from ct_pipeline.monitoring.drift import measure_drift, metric_key
from ct_pipeline.monitoring.live_metrics import live_metrics
from ct_pipeline.monitoring.monitor_task import load_monitor_task
from ct_pipeline.monitoring.window_file import read_window

SPEC: dict[str, Any] = {
    "pipeline": "points",
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
    "model": {"estimator": "sklearn.linear_model.Ridge"},
}
HEADER = "row_key,prediction,outcome,features,scored_at\n"


def write_task(folder: Path, **fields: Any) -> Path:
    window = folder / "window.csv"
    window.write_text(HEADER, encoding="utf-8")
    task = {
        "kind": "monitor",
        "job_id": "job-2",
        "spec": SPEC,
        "registered_model": "team.points",
        "model": "champion",
        "model_version": "3",
        "window_start": "2024-03-01T00:00:00Z",
        "window_end": "2024-03-02T00:00:00.000Z",
        "input": str(window),
        "min_samples": 5,
        **fields,
    }
    path = folder / "task.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    return path


def test_task_file_is_read(tmp_path: Path) -> None:
    sut = load_monitor_task(write_task(tmp_path), {})

    assert (sut.model_version, sut.min_samples, sut.window_end) == ("3", 5, "2024-03-02T00:00:00.000Z")
    assert sut.input == tmp_path / "window.csv" and sut.spec.pipeline == "points"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "score"}, "kind: 'monitor' was expected"),
        ({"model_version": "v3"}, "model_version: must match ^[1-9][0-9]{0,9}$, got 'v3'"),
        ({"window_start": "yesterday"}, "window_start: must be an ISO date-time with a time zone"),
        ({"window_end": "2024-03-02T00:00:00"}, "window_end: must be an ISO date-time with a time zone"),
        ({"input": "/nowhere/window.csv"}, "input: no window file"),
        ({"min_samples": 0}, "min_samples: 0 is less than the minimum of 1"),
        ({"min_samples": True}, "min_samples: True is not of type 'integer'"),
    ],
    ids=["kind", "version", "start", "end without zone", "input", "min_samples 0", "min_samples bool"],
)
def test_task_file_rejects(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_monitor_task(write_task(tmp_path, **fields), {})
    assert message in caught.value.message


def test_window_file_keeps_keys_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "window.csv"
    path.write_text(
        HEADER + 'NA,1.5,,"{""x"":1.0}",2024-03-01 10:00:00+00\nk2,2.5,3,,2024-03-01 11:00:00+00\n',
        encoding="utf-8",
    )

    sut = read_window(path)

    assert sut.predictions["row_key"].tolist() == ["NA", "k2"]
    assert sut.predictions["prediction"].tolist() == [1.5, 2.5]
    assert sut.labelled["row_key"].tolist() == ["k2"] and sut.labelled["outcome"].tolist() == [3.0]
    assert sut.features.to_dict("records") == [{"x": 1.0}], "rows without features are left out of drift"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("row_key,prediction\nk,1\n", r"lacks column\(s\) \['outcome', 'features', 'scored_at'\]"),
        (HEADER + "k,high,,,t\n", "prediction column holds a non-number"),
        (HEADER + "k,1,,{x,t\n", "features of row 0 are not JSON"),
        (HEADER + 'k,1,,"[1]",t\n', "features of row 0 are not a JSON object"),
    ],
    ids=["columns", "number", "json", "object"],
)
def test_window_file_rejects(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "window.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_window(path)


def labelled(prediction: list[float], outcome: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"prediction": prediction, "outcome": outcome})


PREDICTED, OBSERVED = [1.0, 2.0, 3.5, 4.0], [1.5, 2.0, 3.0, 5.0]
BINARY_P, BINARY_O = [0.0, 1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0, 0.0]
MULTI_P, MULTI_O = [0.0, 1.0, 2.0, 2.0, 1.0], [0.0, 2.0, 2.0, 1.0, 1.0]
# name, task, labelled rows, expected metrics, samples, what the note says (None: no note)
METRIC_CASES: list[tuple[str, Task, pd.DataFrame, dict[str, float], int, str | None]] = [
    (
        "regression",
        Task.REGRESSION,
        labelled(PREDICTED, OBSERVED),
        {
            "mae": m.mean_absolute_error(OBSERVED, PREDICTED),
            "rmse": m.root_mean_squared_error(OBSERVED, PREDICTED),
            "r2": m.r2_score(OBSERVED, PREDICTED),
        },
        4,
        None,
    ),
    (
        "binary",
        Task.BINARY_CLASSIFICATION,
        labelled(BINARY_P, BINARY_O),
        {
            "accuracy": m.accuracy_score(BINARY_O, BINARY_P),
            "f1": m.f1_score(BINARY_O, BINARY_P, pos_label=1.0),
        },
        5,
        None,
    ),
    (
        "binary, one label seen",
        Task.BINARY_CLASSIFICATION,
        labelled([1.0, 1.0], [1.0, 1.0]),
        {"accuracy": 1.0},
        2,
        "f1 needs exactly the two classes",
    ),
    (
        "multiclass",
        Task.MULTICLASS_CLASSIFICATION,
        labelled(MULTI_P, MULTI_O),
        {
            "accuracy": m.accuracy_score(MULTI_O, MULTI_P),
            "f1": m.f1_score(MULTI_O, MULTI_P, average="weighted"),
        },
        5,
        None,
    ),
    ("one labelled row", Task.REGRESSION, labelled([1.0], [2.0]), {}, 0, "1 labelled prediction(s)"),
    ("none", Task.REGRESSION, labelled([], []), {}, 0, "0 labelled prediction(s) in the window: too few"),
]


@pytest.mark.parametrize(
    ("task", "rows", "expected", "samples", "note"),
    [c[1:] for c in METRIC_CASES],
    ids=[c[0] for c in METRIC_CASES],
)
def test_live_metrics_are_sklearns(
    task: Task, rows: pd.DataFrame, expected: dict[str, float], samples: int, note: str | None
) -> None:
    sut = live_metrics(task, rows)

    assert sut.metrics == pytest.approx(expected) and set(sut.metrics) == set(expected)
    assert sut.samples == samples
    assert sut.note == note if note is None else note in (sut.note or "")


def normal_frame(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=rows) + shift,
            "z": rng.normal(size=rows),
            "city": rng.choice(["lyon", "oslo"], size=rows).astype(object),
        }
    )


def test_drift_finds_the_shifted_feature_only() -> None:
    reference = normal_frame(200, seed=1)
    current = normal_frame(80, seed=2, shift=3.0)
    current["city"] = "kyiv"  # a category never seen in training

    sut = measure_drift(reference, current, "unused")

    assert sut.skipped is None and sut.payload is not None and sut.html and "<html" in sut.html
    features = sut.payload["features"]
    assert {name: f["drifted"] for name, f in features.items()} == {"x": True, "z": False, "city": True}
    assert sut.payload["drifted"] == 2 and sut.payload["share_drifted"] == pytest.approx(2 / 3)
    assert features["x"]["method"] == "K-S p_value" and features["x"]["score"] < 0.05
    assert sut.metrics == {
        "drift.x": features["x"]["score"],
        "drift.z": features["z"]["score"],
        "drift.city": features["city"]["score"],
        "drift.share": pytest.approx(2 / 3),
    }


@pytest.mark.parametrize(
    ("reference", "current", "skipped"),
    [
        (None, normal_frame(50, 1), "no sample"),
        (normal_frame(50, 1), pd.DataFrame({"other": range(50)}), "share no column"),
        (normal_frame(50, 1), normal_frame(9, 2), "too few rows to compare: 9 scored rows"),
        (normal_frame(9, 1), normal_frame(50, 2), "9 in the reference sample"),
        (normal_frame(50, 1), pd.DataFrame(), "share no column"),
    ],
    ids=["no reference", "no common column", "small window", "small reference", "no features at all"],
)
def test_drift_is_skipped_with_a_reason(
    reference: pd.DataFrame | None, current: pd.DataFrame, skipped: str
) -> None:
    sut = measure_drift(reference, current, "no sample")

    assert sut.payload is None and sut.html is None and sut.metrics == {}
    assert sut.skipped is not None and skipped in sut.skipped


def test_metric_keys_are_what_mlflow_accepts() -> None:
    assert metric_key("price (€)/m²") == "price ____m²"
    assert metric_key("x.1 a-b") == "x.1 a-b"
