"""A custom training function for ct: ``"model": {"custom": {"project": "ridge-custom",
"entrypoint": "train_model:train", "params": {"alpha": 0.5}}}``."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def train(x: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
    """Fit and return an imputer, a scaler and a ridge regression, ``alpha`` from the spec's params."""
    if params.get("fail"):
        raise ValueError("asked to fail")
    model = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", Ridge(alpha=float(params.get("alpha", 1.0)))),
        ]
    )
    return model.fit(x, y)
