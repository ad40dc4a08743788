"""Spec validation: good specs parse with their defaults, bad ones fail with a message naming the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ct_pipeline.catalogue import CATALOGUE, Task
from ct_pipeline.errors import InvalidInput
from ct_pipeline.spec import CsvData, SklearnData, SyntheticData, load_spec, parse_spec

EXAMPLES = sorted(
    p for p in (Path(__file__).parent.parent / "examples").iterdir() if p.suffix in (".json", ".yaml")
)
BASE: dict[str, Any] = {
    "pipeline": "diabetes-lgbm",
    "task": "regression",
    "data": {"source": "sklearn", "name": "diabetes"},
    "model": {"estimator": "lightgbm.LGBMRegressor", "params": {"n_estimators": 50}},
}
CSV = {"source": "csv", "path": "sales/2024.csv", "target": "y"}
SYNTHETIC = {"source": "synthetic", "rows": 1000, "features": 8, "seed": 3}


def spec(**changes: Any) -> dict[str, Any]:
    """BASE with top-level fields replaced; a value of None removes the field."""
    result = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def model(estimator: str, **params: Any) -> dict[str, Any]:
    return {"estimator": estimator, "params": params}


GOOD: list[tuple[str, dict[str, Any]]] = [
    ("sklearn dataset", spec()),
    ("csv with features", spec(data={**CSV, "features": ["a", "b"]})),
    ("csv without features", spec(data=CSV)),
    ("synthetic regression", spec(data=SYNTHETIC)),
    ("synthetic noise 0", spec(data={**SYNTHETIC, "noise": 0})),
    (
        "binary classification",
        spec(
            task="binary_classification",
            data={"source": "sklearn", "name": "breast_cancer"},
            model=model("sklearn.linear_model.LogisticRegression", C=0.5, max_iter=500),
        ),
    ),
    (
        "multiclass classification",
        spec(
            task="multiclass_classification",
            data={"source": "sklearn", "name": "iris"},
            model=model("lightgbm.LGBMClassifier", class_weight=None, verbose=0),
        ),
    ),
    ("params omitted", spec(model={"estimator": "sklearn.linear_model.LinearRegression"})),
    ("float param given as an int", spec(model=model("sklearn.linear_model.Ridge", alpha=1))),
    ("int or string param", spec(model=model("sklearn.ensemble.RandomForestRegressor", max_features="sqrt"))),
    (
        "out-of-range value is left to fit",
        spec(model=model("sklearn.ensemble.RandomForestRegressor", n_estimators=-1)),
    ),
    ("split given", spec(split={"test_size": 0.3, "seed": 0})),
    ("name of 100 characters", spec(pipeline="a" * 100)),
    ("runtime for the worker, not the pipeline", {**spec(), "runtime": {"warm_start": False}}),
]


@pytest.mark.parametrize("raw", [raw for _, raw in GOOD], ids=[name for name, _ in GOOD])
def test_good_spec_parses(raw: dict[str, Any]) -> None:
    sut = parse_spec(raw)

    assert sut.pipeline == raw["pipeline"]
    assert sut.task == Task(raw["task"])
    assert sut.model.estimator == raw["model"]["estimator"]
    assert dict(sut.model.params) == raw["model"].get("params", {})


def test_defaults_are_filled_in() -> None:
    sut = parse_spec(spec(data=SYNTHETIC))

    assert (sut.split.test_size, sut.split.seed) == (0.2, 42)
    assert sut.data == SyntheticData(rows=1000, features=8, seed=3, noise=0.1)
    assert parse_spec(spec()).data == SklearnData(name="diabetes")
    assert parse_spec(spec(data={**CSV, "features": ["a"]})).data == CsvData("sales/2024.csv", "y", ("a",))


BAD: list[tuple[str, Any, str]] = [
    ("not an object", [], "spec: [] is not of type 'object'"),
    ("missing task", spec(task=None), "spec: 'task' is a required property"),
    (
        "unknown top-level field",
        spec(extra=1),
        "spec: Additional properties are not allowed ('extra' was unexpected)",
    ),
    ("bad pipeline name", spec(pipeline="Diabetes"), "pipeline: 'Diabetes' does not match"),
    ("pipeline name too long", spec(pipeline="a" * 101), "pipeline: 'aaaa"),
    ("unknown task", spec(task="ranking"), "task: 'ranking' is not one of"),
    (
        "unknown data source",
        spec(data={"source": "s3"}),
        "data: source must be one of sklearn, csv, parquet, postgres, synthetic, iris, got 's3'",
    ),
    (
        "unknown dataset",
        spec(data={"source": "sklearn", "name": "mnist"}),
        "data.name: 'mnist' is not one of",
    ),
    ("dataset for another task", spec(data={"source": "sklearn", "name": "iris"}), "data.name: the iris"),
    (
        "unknown data field",
        spec(data={"source": "sklearn", "name": "diabetes", "x": 1}),
        "data: Additional properties are not allowed ('x' was unexpected)",
    ),
    (
        "csv without target",
        spec(data={"source": "csv", "path": "a.csv"}),
        "data: 'target' is a required property",
    ),
    ("csv path with ..", spec(data={**CSV, "path": "../x.csv"}), "data.path: must not contain '..'"),
    (
        "csv path with inner ..",
        spec(data={**CSV, "path": "a/../../x.csv"}),
        "data.path: must not contain '..'",
    ),
    ("absolute csv path", spec(data={**CSV, "path": "/etc/passwd"}), "data.path: must be a path relative"),
    ("empty features", spec(data={**CSV, "features": []}), "data.features: [] should be non-empty"),
    (
        "feature not a string",
        spec(data={**CSV, "features": ["a", 2]}),
        "data.features[1]: 2 is not of type 'string'",
    ),
    ("target among features", spec(data={**CSV, "features": ["y"]}), "data.features: must not include"),
    (
        "too few synthetic rows",
        spec(data={**SYNTHETIC, "rows": 99}),
        "data.rows: 99 is less than the minimum of 100",
    ),
    (
        "too many synthetic rows",
        spec(data={**SYNTHETIC, "rows": 5_000_001}),
        "data.rows: 5000001 is greater than the maximum",
    ),
    (
        "unknown runtime setting",
        {**spec(), "runtime": {"warm_start": True, "threads": 4}},
        "runtime: Additional properties are not allowed ('threads' was unexpected)",
    ),
    (
        "no features",
        spec(data={**SYNTHETIC, "features": 0}),
        "data.features: 0 is less than the minimum of 1",
    ),
    (
        "negative noise",
        spec(data={**SYNTHETIC, "noise": -0.1}),
        "data.noise: -0.1 is less than the minimum of 0",
    ),
    ("seed as bool", spec(data={**SYNTHETIC, "seed": True}), "data.seed: True is not of type 'integer'"),
    (
        "unknown model",
        spec(model=model("xgboost.XGBRegressor")),
        "model.estimator: 'xgboost.XGBRegressor' is not one of",
    ),
    ("classifier for regression", spec(model=model("lightgbm.LGBMClassifier")), "model.estimator: lightgbm"),
    (
        "unknown model field",
        spec(model={**model("lightgbm.LGBMRegressor"), "x": 1}),
        "model: Additional properties are not allowed",
    ),
    (
        "unknown param",
        spec(model=model("lightgbm.LGBMRegressor", n_trees=5)),
        "model.params.n_trees: lightgbm",
    ),
    (
        "param of wrong type",
        spec(model=model("lightgbm.LGBMRegressor", n_estimators="50")),
        "model.params.n_estimators",
    ),
    (
        "int param given a float",
        spec(model=model("sklearn.ensemble.RandomForestRegressor", n_estimators=1.5)),
        "model.params.n_estimators: sklearn.ensemble.RandomForestRegressor expects integer, got number 1.5",
    ),
    (
        "bool param given an int",
        spec(model=model("sklearn.linear_model.Ridge", fit_intercept=1)),
        "model.params.fit_intercept",
    ),
    (
        "param that is an object",
        spec(model=model("sklearn.linear_model.Ridge", alpha={"v": 1})),
        "model.params.alpha",
    ),
    (
        "params not an object",
        spec(model={"estimator": "sklearn.linear_model.Ridge", "params": []}),
        "model.params",
    ),
    (
        "test_size too small",
        spec(split={"test_size": 0.01}),
        "split.test_size: 0.01 is less than the minimum of 0.05",
    ),
    (
        "unknown split field",
        spec(split={"shuffle": False}),
        "split: Additional properties are not allowed ('shuffle' was unexpected)",
    ),
]


@pytest.mark.parametrize(("raw", "message"), [(r, m) for _, r, m in BAD], ids=[name for name, _, _ in BAD])
def test_bad_spec_is_invalid_input_naming_the_field(raw: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_spec(raw)

    assert caught.value.message.startswith(message), caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "is not valid JSON"), (b'{"noise": NaN}', "is not valid JSON"), (b"\xff", "cannot read")],
)
def test_unreadable_spec_file_is_invalid_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "spec.json"
    path.write_bytes(content)

    with pytest.raises(InvalidInput, match=message):
        load_spec(path)


def test_missing_spec_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the spec file"):
        load_spec(tmp_path / "absent.json")


def test_every_catalogue_estimator_builds_with_its_defaults() -> None:
    for entry in CATALOGUE.values():
        assert entry.make({}).get_params()


@pytest.mark.parametrize(
    ("environ", "params", "n_jobs"),
    [
        ({"OMP_NUM_THREADS": "1"}, {}, 1),
        ({"OMP_NUM_THREADS": "3"}, {}, 3),
        ({"OMP_NUM_THREADS": "1"}, {"n_jobs": 2}, 2),
        ({}, {}, None),
        ({"OMP_NUM_THREADS": "zero"}, {}, None),
        ({"OMP_NUM_THREADS": "0"}, {}, None),
    ],
)
def test_lightgbm_takes_the_workers_thread_budget_unless_the_spec_sets_it(
    environ: dict[str, str], params: dict[str, Any], n_jobs: int | None
) -> None:
    for name in ("lightgbm.LGBMRegressor", "lightgbm.LGBMClassifier"):
        assert CATALOGUE[name].make(params, environ).get_params()["n_jobs"] == n_jobs


def test_estimators_that_follow_omp_num_threads_get_no_thread_param() -> None:
    sut = CATALOGUE["sklearn.ensemble.RandomForestRegressor"].make({}, {"OMP_NUM_THREADS": "1"})
    assert sut.get_params()["n_jobs"] is None


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_spec_is_valid(path: Path) -> None:
    sut = load_spec(path)

    assert sut.pipeline == path.stem


def test_there_are_examples() -> None:
    assert EXAMPLES
