"""The training spec: a JSON file the worker writes for each job, checked here field by field.

The API validates the same shape (zod) before a job is accepted; the pipeline checks it again because it is
also run by hand. Any problem raises `InvalidInput` whose message starts with the field's path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

from ct_pipeline import spec_fields as f
from ct_pipeline.catalogue import CATALOGUE, EstimatorEntry, JsonScalar, Task
from ct_pipeline.errors import InvalidInput
from ct_pipeline.params import check_params

PIPELINE_NAME_PATTERN: Final = r"[a-z0-9][a-z0-9_.-]*"
MAX_SEED: Final = 2**32 - 1  # what numpy and scikit-learn accept as a random_state
SKLEARN_DATASETS: Final[Mapping[str, Task]] = {
    "diabetes": Task.REGRESSION,
    "breast_cancer": Task.BINARY_CLASSIFICATION,
    "iris": Task.MULTICLASS_CLASSIFICATION,
    "wine": Task.MULTICLASS_CLASSIFICATION,
}


@dataclass(frozen=True)
class SklearnData:
    """A dataset bundled with scikit-learn (no download)."""

    name: str
    source: str = "sklearn"


@dataclass(frozen=True)
class CsvData:
    """A CSV file under ``CT_DATA_ROOT``; ``features`` None means every column but the target."""

    path: str
    target: str
    features: tuple[str, ...] | None = None
    source: str = "csv"


@dataclass(frozen=True)
class SyntheticData:
    """Generated rows: ``make_regression`` or ``make_classification``, chosen by the task."""

    rows: int
    features: int
    seed: int
    noise: float = 0.1
    source: str = "synthetic"


DataSpec = SklearnData | CsvData | SyntheticData


@dataclass(frozen=True)
class ModelSpec:
    """The estimator (a `CATALOGUE` name) and the params it is built with."""

    estimator: str
    params: Mapping[str, JsonScalar] = field(default_factory=dict)

    @property
    def entry(self) -> EstimatorEntry:
        """The catalogue entry of the estimator."""
        return CATALOGUE[self.estimator]


@dataclass(frozen=True)
class SplitSpec:
    """The seeded train/test split."""

    test_size: float = 0.2
    seed: int = 42


@dataclass(frozen=True)
class Spec:
    """A validated training spec."""

    pipeline: str
    task: Task
    data: DataSpec
    model: ModelSpec
    split: SplitSpec = SplitSpec()


def load_spec(path: str | Path) -> Spec:
    """Read and validate the spec file at ``path``; raise `InvalidInput` if it is unreadable or invalid."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the spec file {str(path)!r}: {exc}") from exc
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InvalidInput(f"the spec file {str(path)!r} is not valid JSON: {exc}") from exc
    return parse_spec(raw)


def parse_spec(raw: object) -> Spec:
    """Validate a decoded JSON spec and return it as a `Spec`, with defaults filled in.

    Checks the shape (unknown fields anywhere are errors), that the estimator is in the catalogue and suits
    the task, and that each model param exists for the estimator and has a value of an accepted type.
    """
    top = f.obj(raw, "spec", required=("pipeline", "task", "data", "model"), optional=("split",))
    pipeline = f.string(top["pipeline"], "pipeline", pattern=PIPELINE_NAME_PATTERN, max_length=100)
    task = Task(f.choice(top["task"], "task", [t.value for t in Task]))
    data = _parse_data(top["data"], task)
    model = _parse_model(top["model"], task)
    split = _parse_split(top.get("split", {}))
    return Spec(pipeline=pipeline, task=task, data=data, model=model, split=split)


def _parse_data(raw: object, task: Task) -> DataSpec:
    if not isinstance(raw, dict) or "source" not in raw:
        raise f.fail("data", "must be an object with a source", raw)
    source = f.choice(raw["source"], "data.source", ("sklearn", "csv", "synthetic"))
    if source == "sklearn":
        fields = f.obj(raw, "data", required=("source", "name"))
        name = f.choice(fields["name"], "data.name", SKLEARN_DATASETS)
        if SKLEARN_DATASETS[name] is not task:
            raise InvalidInput(f"data.name: the {name} dataset is for {SKLEARN_DATASETS[name]}, not {task}")
        return SklearnData(name=name)
    if source == "csv":
        fields = f.obj(raw, "data", required=("source", "path", "target"), optional=("features",))
        return CsvData(
            path=_relative_path(fields["path"], "data.path"),
            target=f.string(fields["target"], "data.target"),
            features=_features(fields.get("features"), fields["target"]),
        )
    fields = f.obj(raw, "data", required=("source", "rows", "features", "seed"), optional=("noise",))
    features = f.integer(fields["features"], "data.features", 1, 500)
    if task is Task.MULTICLASS_CLASSIFICATION and features < 2:
        raise f.fail("data.features", "must be at least 2 for multiclass_classification", features)
    return SyntheticData(
        rows=f.integer(fields["rows"], "data.rows", 100, 5_000_000),
        features=features,
        seed=f.integer(fields["seed"], "data.seed", 0, MAX_SEED),
        noise=f.number(fields.get("noise", 0.1), "data.noise", 0.0),
    )


def _relative_path(raw: object, path: str) -> str:
    text = f.string(raw, path, max_length=1024)
    relative = PurePosixPath(text)
    if relative.is_absolute() or "\x00" in text:
        raise f.fail(path, "must be a path relative to CT_DATA_ROOT", text)
    if ".." in relative.parts:
        raise f.fail(path, "must not contain '..' (it must stay inside CT_DATA_ROOT)", text)
    return text


def _features(raw: object, target: object) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise f.fail("data.features", "must be a non-empty array of column names", raw)
    names = tuple(f.string(item, f"data.features[{i}]") for i, item in enumerate(raw))
    if len(set(names)) != len(names):
        raise f.fail("data.features", "must not name a column twice", raw)
    if target in names:
        raise f.fail("data.features", f"must not include the target column {target!r}", raw)
    return names


def _parse_model(raw: object, task: Task) -> ModelSpec:
    fields = f.obj(raw, "model", required=("estimator",), optional=("params",))
    estimator = f.choice(fields["estimator"], "model.estimator", CATALOGUE)
    entry = CATALOGUE[estimator]
    if not entry.supports(task):
        raise InvalidInput(f"model.estimator: {estimator} is a {entry.kind}, it cannot be used for {task}")
    raw_params = fields.get("params", {})
    if not isinstance(raw_params, dict):
        raise f.fail("model.params", "must be an object", raw_params)
    params = {name: f.scalar(value, f"model.params.{name}") for name, value in raw_params.items()}
    check_params(entry, params)
    return ModelSpec(estimator=estimator, params=params)


def _parse_split(raw: object) -> SplitSpec:
    fields = f.obj(raw, "split", required=(), optional=("test_size", "seed"))
    return SplitSpec(
        test_size=f.number(fields.get("test_size", 0.2), "split.test_size", 0.05, 0.9),
        seed=f.integer(fields.get("seed", 42), "split.seed", 0, MAX_SEED),
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON: numbers must be finite")
