"""What logging a model costs besides the model: MLflow's requirement check is skipped, pins stay exact."""

from __future__ import annotations

from importlib.metadata import version

import mlflow.utils.environment as mlflow_environment
import pytest

from ct_pipeline import tracking


def test_mlflow_still_has_the_check_that_log_model_skips() -> None:
    # The skip replaces this function by name; if MLflow renames it, the skip quietly stops saving time.
    assert callable(mlflow_environment.warn_dependency_requirement_mismatches)


def test_the_requirement_check_is_skipped_in_the_block_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(mlflow_environment, "warn_dependency_requirement_mismatches", calls.append)

    with tracking._no_requirement_check():
        mlflow_environment.warn_dependency_requirement_mismatches(["numpy==0.1"])
    mlflow_environment.warn_dependency_requirement_mismatches(["numpy==0.2"])

    assert calls == [["numpy==0.2"]]


def test_an_mlflow_without_the_check_logs_models_all_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(mlflow_environment, "warn_dependency_requirement_mismatches")

    with tracking._no_requirement_check():
        pass

    assert not hasattr(mlflow_environment, "warn_dependency_requirement_mismatches")


def test_the_skipped_check_could_not_have_failed_the_pins_are_the_installed_versions() -> None:
    from ct_pipeline.catalogue import CATALOGUE, model_requirements

    for entry in CATALOGUE.values():
        for pin in model_requirements(entry):
            name, pinned = pin.split("==")
            assert version(name) == pinned, pin
