"""The training spec: a JSON (or YAML) document, checked against the exported JSON Schema, then semantically.

The API validates the same schema (zod, exported as ``schema/training-spec.schema.json``) before a job is
accepted; the pipeline checks it again because it is also run by hand, and takes its defaults from it. The
schema check comes first (`ct_pipeline.spec_schema`); then the rules a schema cannot express: a bundled
dataset for the spec's task, metrics that exist for the task, an estimator for the task and its params. Any
problem raises `InvalidInput` whose message starts with the field's path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ct_pipeline.catalogue import CATALOGUE, EstimatorEntry, JsonScalar, Task
from ct_pipeline.errors import InvalidInput
from ct_pipeline.metric_rules import DIRECTIONS, Direction, default_primary, task_metrics
from ct_pipeline.models.custom import CustomModel
from ct_pipeline.models.mlproject import MLProjectModel
from ct_pipeline.params import check_params
from ct_pipeline.spec_data import (
    SKLEARN_DATASETS,
    CsvData,
    DataSpec,
    SklearnData,
    SyntheticData,
    TableData,
    parse_data,
)
from ct_pipeline.spec_schema import check_schema, schema_default, with_defaults
from ct_pipeline.spec_transforms import Transform, parse_transforms
from ct_pipeline.spec_validation import ValidationSpec, parse_validation

__all__ = [
    "SKLEARN_DATASETS",
    "CsvData",
    "DataSpec",
    "Guard",
    "MetricsSpec",
    "ModelSpec",
    "SklearnData",
    "Spec",
    "SplitSpec",
    "SyntheticData",
    "TableData",
    "Threshold",
    "load_spec",
    "parse_spec",
]


@dataclass(frozen=True)
class ModelSpec:
    """The estimator (a `CATALOGUE` name) and the params it is built with."""

    estimator: str
    params: Mapping[str, JsonScalar] = field(default_factory=dict)

    @property
    def entry(self) -> EstimatorEntry:
        """The catalogue entry of the estimator."""
        return CATALOGUE[self.estimator]


ModelChoice = ModelSpec | CustomModel | MLProjectModel


@dataclass(frozen=True)
class SplitSpec:
    """The train/test split: seeded and random, or by time (the newest ``test_size`` share is the test)."""

    test_size: float = float(schema_default("split", "test_size"))
    seed: int = schema_default("split", "seed")
    time_column: str | None = None


@dataclass(frozen=True)
class Guard:
    """A metric the challenger may not degrade by more than ``max_degradation`` against the champion."""

    metric: str
    max_degradation: float = float(schema_default("metrics", "guards", "max_degradation"))


@dataclass(frozen=True)
class Threshold:
    """Absolute bounds a model's metric must meet (either may be None)."""

    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class MetricsSpec:
    """How a challenger is judged against the champion and against absolute thresholds."""

    primary: str
    direction: Direction
    min_improvement: float = float(schema_default("metrics", "min_improvement"))
    guards: tuple[Guard, ...] = ()
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """A validated training spec, defaults filled in; ``raw`` is the document as given."""

    pipeline: str
    task: Task
    data: DataSpec
    model: ModelChoice
    split: SplitSpec = SplitSpec()
    validation: ValidationSpec = field(default_factory=ValidationSpec)
    transforms: tuple[Transform, ...] = ()
    metrics: MetricsSpec | None = None
    policy: Literal["auto", "manual"] = schema_default("promotion", "policy")
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def rules(self) -> MetricsSpec:
        """The metric rules, with the task's defaults when the spec gives none."""
        return self.metrics or _default_metrics(self.task)

    @property
    def hash(self) -> str:
        """sha256 of the canonical JSON of the spec as given (sorted keys, no spaces)."""
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_spec(path: str | Path) -> Spec:
    """Read and validate the spec file at ``path`` (YAML for ``.yaml``/``.yml``, else JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the spec file {str(path)!r}: {exc}") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            raw = _plain(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise InvalidInput(f"the spec file {str(path)!r} is not valid YAML: {exc}") from exc
    else:
        try:
            raw = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, ValueError) as exc:
            raise InvalidInput(f"the spec file {str(path)!r} is not valid JSON: {exc}") from exc
    return parse_spec(raw)


def parse_spec(raw: object) -> Spec:
    """Validate a decoded spec and return it as a `Spec`, with the schema's defaults filled in."""
    check_schema(raw)
    assert isinstance(raw, dict)
    filled = with_defaults(raw)
    task = Task(filled["task"])
    split = filled["split"]
    return Spec(
        pipeline=filled["pipeline"],
        task=task,
        data=parse_data(filled["data"], task),
        model=_parse_model(filled["model"], task),
        split=SplitSpec(float(split["test_size"]), int(split["seed"]), split.get("time_column")),
        validation=parse_validation(filled["validation"]),
        transforms=parse_transforms(filled["preparation"]["transforms"]),
        metrics=_parse_metrics(filled["metrics"], task) if "metrics" in raw else None,
        policy=filled["promotion"]["policy"],
        raw=raw,
    )


def _parse_model(raw: dict[str, Any], task: Task) -> ModelChoice:
    kinds = [key for key in ("estimator", "custom", "mlproject") if key in raw]
    if len(kinds) != 1:
        raise InvalidInput("model: needs exactly one of estimator, custom and mlproject")
    if kinds[0] != "estimator" and raw.get("params"):
        raise InvalidInput("model.params: belongs to estimator; give custom.params or mlproject.parameters")
    if "custom" in raw:
        custom = raw["custom"]
        return CustomModel(custom["project"], custom["entrypoint"], dict(custom["params"]))
    if "mlproject" in raw:
        project = raw["mlproject"]
        return MLProjectModel(project["project"], project["entry_point"], dict(project["parameters"]))
    estimator = raw["estimator"]
    entry = CATALOGUE[estimator]
    if not entry.supports(task):
        raise InvalidInput(f"model.estimator: {estimator} is a {entry.kind}, it cannot be used for {task}")
    params = dict(raw["params"])
    check_params(entry, params)
    return ModelSpec(estimator=estimator, params=params)


def _default_metrics(task: Task) -> MetricsSpec:
    return _parse_metrics(schema_default("metrics"), task)


def _parse_metrics(raw: dict[str, Any], task: Task) -> MetricsSpec:
    """The ``metrics`` section, defaults filled in; the task's primary metric and its direction if unnamed."""
    known = task_metrics(task)

    def check(name: str, path: str) -> str:
        if name not in known:
            raise InvalidInput(f"{path}: {name} is not a metric of {task} (its metrics: {', '.join(known)})")
        return name

    primary = check(raw.get("primary", default_primary(task)), "metrics.primary")
    guards = tuple(
        Guard(check(g["metric"], f"metrics.guards[{i}].metric"), float(g["max_degradation"]))
        for i, g in enumerate(raw["guards"])
    )
    thresholds = {}
    for name, bounds in raw["thresholds"].items():
        check(name, f"metrics.thresholds.{name}")
        low, high = bounds.get("min"), bounds.get("max")
        if low is not None and high is not None and low > high:
            raise InvalidInput(f"metrics.thresholds.{name}: min {low} is greater than max {high}")
        thresholds[name] = Threshold(low, high)
    return MetricsSpec(
        primary=primary,
        direction=raw.get("direction", DIRECTIONS[primary]),
        min_improvement=float(raw["min_improvement"]),
        guards=guards,
        thresholds=thresholds,
    )


def _plain(value: Any) -> Any:
    """YAML's dates and times as the ISO strings JSON would carry."""
    if isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if isinstance(value, dt.datetime) and value.tzinfo else text
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON: numbers must be finite")
