"""Loading data for each source and task, the data errors, and the test metrics: in process, small frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from ct_pipeline.catalogue import CATALOGUE, Task, build_model_pipeline
from ct_pipeline.errors import DataError
from ct_pipeline.spec import Spec, parse_spec
from ct_pipeline.steps.evaluation import classification_metrics, regression_metrics
from ct_pipeline.steps.extraction import SourceAccess, load_frame
from ct_pipeline.steps.preparation import MIN_ROWS, select


class Dataset:
    """The extracted rows as preparation selects them: numeric features and the labelled target."""

    def __init__(self, spec: Spec, path: Path | None) -> None:
        extracted = load_frame(spec, SourceAccess(path=path))
        self.features, self.target, self.unlabelled_rows = select(spec, extracted.frame, extracted.target)


def load_dataset(spec: Spec, path: Path | None) -> Dataset:
    return Dataset(spec, path)


ESTIMATOR = {
    "regression": "sklearn.linear_model.Ridge",
    "binary_classification": "sklearn.linear_model.LogisticRegression",
    "multiclass_classification": "sklearn.linear_model.LogisticRegression",
}


def spec_for(task: str, data: dict[str, Any]) -> Any:
    return parse_spec({"pipeline": "t", "task": task, "data": data, "model": {"estimator": ESTIMATOR[task]}})


@pytest.mark.parametrize(
    ("task", "features", "classes"),
    [
        ("regression", 1, None),
        ("binary_classification", 1, 2),
        ("multiclass_classification", 2, 3),
        ("multiclass_classification", 30, 3),
    ],
)
def test_synthetic_data_has_the_requested_shape(task: str, features: int, classes: int | None) -> None:
    data = {"source": "synthetic", "rows": 200, "features": features, "seed": 5, "noise": 3}

    sut = load_dataset(spec_for(task, data), None)

    assert sut.features.shape == (200, features)
    assert (sut.features.dtypes == "float64").all()
    if classes is not None:
        assert sut.target.nunique() == classes


def test_synthetic_data_is_reproducible_from_its_seed() -> None:
    spec = spec_for("regression", {"source": "synthetic", "rows": 100, "features": 3, "seed": 9})

    pd.testing.assert_frame_equal(load_dataset(spec, None).features, load_dataset(spec, None).features)


@pytest.mark.parametrize(
    ("name", "task", "rows"), [("wine", "multiclass_classification", 178), ("diabetes", "regression", 442)]
)
def test_sklearn_dataset_loads(name: str, task: str, rows: int) -> None:
    sut = load_dataset(spec_for(task, {"source": "sklearn", "name": name}), None)

    assert len(sut.features) == len(sut.target) == rows


def write_csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return path


def csv_frame(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"a": rng.normal(size=rows), "b": np.arange(rows), "y": rng.normal(size=rows)})


def test_csv_drops_rows_without_target_and_uses_every_other_column(tmp_path: Path) -> None:
    frame = csv_frame()
    frame.loc[[0, 5], "y"] = np.nan
    spec = spec_for("regression", {"source": "csv", "path": "d.csv", "target": "y"})

    sut = load_dataset(spec, write_csv(tmp_path, frame))

    assert list(sut.features.columns) == ["a", "b"] and len(sut.features) == 38
    assert sut.unlabelled_rows == 2


CSV_ERRORS: list[tuple[str, pd.DataFrame, dict[str, Any], str, str]] = [
    ("too few rows", csv_frame(MIN_ROWS - 1), {}, "regression", "too few rows"),
    (
        "missing feature column",
        csv_frame(),
        {"features": ["a", "zz"]},
        "regression",
        "feature column(s) ['zz']",
    ),
    ("text target for regression", csv_frame().assign(y="x"), {}, "regression", "numeric target"),
    (
        "three classes for binary",
        csv_frame().assign(y=np.arange(40) % 3),
        {},
        "binary_classification",
        "exactly 2 target classes, found 3",
    ),
    (
        "two classes for multiclass",
        csv_frame().assign(y=np.arange(40) % 2),
        {},
        "multiclass_classification",
        "at least 3 target classes, found 2",
    ),
]


@pytest.mark.parametrize(
    ("frame", "extra", "task", "message"), [c[1:] for c in CSV_ERRORS], ids=[c[0] for c in CSV_ERRORS]
)
def test_unusable_csv_is_a_data_error(
    tmp_path: Path, frame: pd.DataFrame, extra: dict[str, Any], task: str, message: str
) -> None:
    spec = spec_for(task, {"source": "csv", "path": "d.csv", "target": "y", **extra})

    with pytest.raises(DataError) as caught:
        load_dataset(spec, write_csv(tmp_path, frame))

    assert message in caught.value.message


@pytest.mark.parametrize("content", [b"", b"a,y\n1,2\n3\n4,5,6,7\n"], ids=["empty", "ragged"])
def test_unreadable_csv_is_a_data_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "d.csv").write_bytes(content)
    spec = spec_for("regression", {"source": "csv", "path": "d.csv", "target": "y"})

    with pytest.raises(DataError):
        load_dataset(spec, tmp_path / "d.csv")


def test_missing_csv_is_a_data_error(tmp_path: Path) -> None:
    spec = spec_for("regression", {"source": "csv", "path": "d.csv", "target": "y"})

    with pytest.raises(DataError, match=r"cannot read d\.csv"):
        load_dataset(spec, tmp_path / "d.csv")


def test_regression_metrics() -> None:
    sut = regression_metrics(pd.Series([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 6.0]))

    assert sut == pytest.approx({"mae": 0.5, "rmse": 1.0, "r2": 0.2})


def test_multiclass_metrics_are_weighted_one_vs_rest() -> None:
    x, y = load_iris(return_X_y=True, as_frame=True)
    model = build_model_pipeline(CATALOGUE["sklearn.linear_model.LogisticRegression"], {}).fit(x, y)

    sut = classification_metrics(model, x, y)

    assert set(sut) == {"accuracy", "f1", "roc_auc", "log_loss"}
    assert sut["accuracy"] > 0.9 and sut["roc_auc"] > 0.95 and 0 < sut["log_loss"] < 0.5


def test_binary_metrics_work_with_string_labels() -> None:
    x = pd.DataFrame({"a": np.linspace(-1, 1, 40)})
    y = pd.Series(np.where(x["a"] > 0, "yes", "no"))
    model = build_model_pipeline(CATALOGUE["sklearn.linear_model.LogisticRegression"], {}).fit(x, y)

    sut = classification_metrics(model, x, y)

    assert sut["accuracy"] == 1.0 and sut["f1"] == 1.0 and sut["roc_auc"] == 1.0


def test_task_knows_which_tasks_classify() -> None:
    assert [t.is_classification for t in Task] == [False, True, True]


def test_text_features_stay_categorical_and_datetime_features_are_refused(tmp_path: Path) -> None:
    spec = spec_for("regression", {"source": "csv", "path": "d.csv", "target": "y"})
    frame = csv_frame().assign(city=["lyon", None] * 20)

    features, _, _ = select(spec, frame, "y")

    assert features["a"].dtype == "float64"
    assert features["city"].dtype == object
    assert features["city"].tolist()[:2] == ["lyon", features["city"].tolist()[1]]
    assert pd.isna(features["city"].tolist()[1])
    with pytest.raises(DataError) as caught:
        select(spec, frame.assign(when=pd.Timestamp("2026-01-01")), "y")
    assert "datetime feature column(s) ['when']" in caught.value.message
