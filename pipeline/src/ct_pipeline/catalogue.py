"""The estimators a pipeline may train, by exact name, and the model pipeline built around each.

Only estimators listed in `CATALOGUE` can run: the spec names one, and nothing else is imported. To offer
another estimator, add an `EstimatorEntry`; `ct_pipeline.params` checks its params from the class itself.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import version
from types import MappingProxyType
from typing import Any, Final, Literal

from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

JsonScalar = bool | int | float | str | None


class Task(StrEnum):
    """What the model predicts."""

    REGRESSION = "regression"
    BINARY_CLASSIFICATION = "binary_classification"
    MULTICLASS_CLASSIFICATION = "multiclass_classification"

    @property
    def is_classification(self) -> bool:
        """Whether the target is a class label."""
        return self is not Task.REGRESSION


@dataclass(frozen=True)
class EstimatorEntry:
    """One estimator: its import name, whether it regresses or classifies, and how it is wrapped."""

    name: str
    kind: Literal["regressor", "classifier"]
    scaled: bool = False
    """Whether a StandardScaler runs before it (linear models are sensitive to feature scale)."""
    defaults: Mapping[str, JsonScalar] = field(default_factory=dict)
    """Params passed unless the spec gives them."""
    packages: tuple[str, ...] = ()
    """Distributions the fitted model needs besides `BASE_PACKAGES`."""
    threads_param: str | None = None
    """The param that sets its thread count, when it does not follow ``OMP_NUM_THREADS`` by itself."""

    def supports(self, task: Task) -> bool:
        """Whether this estimator can be trained for ``task``."""
        return (self.kind == "classifier") == task.is_classification

    def load_class(self) -> type[BaseEstimator]:
        """Import and return the estimator class."""
        module_name, class_name = self.name.rsplit(".", 1)
        cls: type[BaseEstimator] = getattr(importlib.import_module(module_name), class_name)
        return cls

    def make(self, params: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> BaseEstimator:
        """Instantiate the estimator with the defaults overlaid by ``params``.

        An estimator that picks its own thread count gets the worker's ``OMP_NUM_THREADS`` unless ``params``
        set it: LightGBM otherwise takes every core, so concurrent jobs on one host oversubscribe it and its
        spinning threads slow every fit several times over.
        """
        threads = thread_budget(environ)
        budget = {} if self.threads_param is None or threads is None else {self.threads_param: threads}
        return self.load_class()(**{**self.defaults, **budget, **params})


def thread_budget(environ: Mapping[str, str]) -> int | None:
    """The threads a run may use for numeric work: ``OMP_NUM_THREADS`` when it is a positive number."""
    value = environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


BASE_PACKAGES: Final = ("numpy", "scipy", "scikit-learn")
_QUIET_LIGHTGBM: Final = MappingProxyType({"verbose": -1})
_LIGHTGBM: Final = ("lightgbm",)

CATALOGUE: Final[Mapping[str, EstimatorEntry]] = MappingProxyType(
    {
        entry.name: entry
        for entry in (
            EstimatorEntry(
                "lightgbm.LGBMRegressor",
                "regressor",
                defaults=_QUIET_LIGHTGBM,
                packages=_LIGHTGBM,
                threads_param="n_jobs",
            ),
            EstimatorEntry(
                "lightgbm.LGBMClassifier",
                "classifier",
                defaults=_QUIET_LIGHTGBM,
                packages=_LIGHTGBM,
                threads_param="n_jobs",
            ),
            EstimatorEntry("sklearn.linear_model.LinearRegression", "regressor", scaled=True),
            EstimatorEntry("sklearn.linear_model.Ridge", "regressor", scaled=True),
            EstimatorEntry("sklearn.linear_model.LogisticRegression", "classifier", scaled=True),
            EstimatorEntry("sklearn.ensemble.RandomForestRegressor", "regressor"),
            EstimatorEntry("sklearn.ensemble.RandomForestClassifier", "classifier"),
            EstimatorEntry("sklearn.ensemble.GradientBoostingRegressor", "regressor"),
            EstimatorEntry("sklearn.ensemble.GradientBoostingClassifier", "classifier"),
        )
    }
)


def build_model_pipeline(
    entry: EstimatorEntry,
    params: Mapping[str, Any],
    categorical: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> Pipeline:
    """Return the unfitted model pipeline: imputation, scaling for linear models, one-hot, the estimator.

    The `numeric` columns get median imputation (and scaling for linear models); the `categorical` ones
    get most-frequent imputation and a one-hot encoding that ignores categories unseen in training. Everything
    that learns from data sits in this one pipeline, so it is fitted on the training split only and the
    logged model applies exactly the same transforms at prediction time.
    """
    steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if entry.scaled:
        steps.append(("scale", StandardScaler()))
    if not categorical:
        return Pipeline([*steps, ("model", entry.make(params))])
    encode = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    columns = ColumnTransformer(
        [("numeric", Pipeline(steps), list(numeric)), ("categorical", encode, list(categorical))],
        verbose_feature_names_out=False,
    )
    return Pipeline([("prepare", columns), ("model", entry.make(params))])


def feature_kinds(frame: Any) -> tuple[list[str], list[str]]:
    """The numeric and the categorical (text, category, boolean) feature columns of a frame."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    numeric = [str(c) for c in frame.columns if is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c])]
    return numeric, [str(c) for c in frame.columns if str(c) not in numeric]


def model_requirements(entry: EstimatorEntry) -> list[str]:
    """The pip requirements of a fitted model pipeline: its packages pinned to the versions installed here.

    Declared rather than inferred: MLflow's inference loads the model in a subprocess (seconds per job) and
    also pins whatever else that import happens to pull in.
    """
    return [f"{name}=={version(name)}" for name in (*BASE_PACKAGES, *entry.packages)]
