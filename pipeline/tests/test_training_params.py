"""What training logs of the fitted model itself: its params, and its metrics on the training rows."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from ct_pipeline.steps.training import _estimator_params


class _Refusing:
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        raise RuntimeError("no params here")


def test_the_fitted_pipeline_s_nested_params_are_logged_except_names_the_run_has() -> None:
    model = Pipeline([("model", Ridge(alpha=0.5))])

    sut = _estimator_params(model, {"model__alpha": "0.5"})

    assert sut["model__fit_intercept"] is True and "model" in sut and "steps" in sut
    assert "model__alpha" not in sut


@pytest.mark.parametrize("model", [object(), _Refusing()], ids=["no get_params", "get_params fails"])
def test_a_model_without_readable_params_logs_none(model: Any) -> None:
    assert _estimator_params(model, {}) == {}
