"""Loading a downloaded MLflow model folder for ct's own use: evaluation, champion comparison, scoring.

ct calls a model as a scikit-learn estimator (``predict``, and ``predict_proba`` with ``classes_`` for a
classification task). A model of the sklearn flavor loads as one. A model of another flavor (a stock MLflow
Project's ``mlflow.lightgbm.autolog()`` logs the lightgbm flavor) is loaded through ``mlflow.pyfunc``; when
the object it wraps has the scikit-learn API (``LGBMClassifier``, ``XGBRegressor``...), ct uses that object,
else the pyfunc model itself, which has ``predict`` only (enough for a regression task).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import mlflow.pyfunc
import mlflow.sklearn
from mlflow.models import Model as MlflowModel

PICKLES_VAR: Final = "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"
PYFUNC: Final = "python_function"


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model: the estimator, the flavor's own object with the scikit-learn API, or MLflow's pyfunc
    wrapper (``predict`` only); ``flavor`` is the model's flavor (``sklearn``, ``lightgbm``, ... or
    ``python_function`` when it has no other)."""

    model: Any
    flavor: str

    @property
    def has_proba(self) -> bool:
        """Whether it gives class probabilities, as a classification task needs."""
        return callable(getattr(self.model, "predict_proba", None))


@contextmanager
def pickles_allowed() -> Iterator[None]:
    """Let MLflow deserialise models (pickle, cloudpickle, skops) in the block only; restore the variable."""
    before = os.environ.get(PICKLES_VAR)
    os.environ[PICKLES_VAR] = "true"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PICKLES_VAR, None)
        else:
            os.environ[PICKLES_VAR] = before


def load_model(folder: Path | str) -> LoadedModel:
    """Load the MLflow model in ``folder`` (a model ct trusts: ct or the job's own run logged it).

    Raises what MLflow raises when the model does not load here; the caller says what that means.
    """
    flavors = MlflowModel.load(str(folder)).flavors
    # scikit-learn first when the model has it, as ct logs its models; else the first native flavor.
    flavor = "sklearn" if "sklearn" in flavors else next((name for name in flavors if name != PYFUNC), PYFUNC)
    with pickles_allowed():
        if flavor == "sklearn":
            return LoadedModel(mlflow.sklearn.load_model(str(folder)), flavor)
        wrapped = mlflow.pyfunc.load_model(str(folder))
    try:
        raw = wrapped.get_raw_model()
    except Exception:  # a flavor that keeps no raw object: its pyfunc wrapper is the model
        raw = None
    if callable(getattr(raw, "predict", None)):
        return LoadedModel(raw, flavor)
    return LoadedModel(wrapped, flavor)
