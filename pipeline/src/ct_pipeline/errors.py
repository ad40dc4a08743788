"""The failures a training run can end with, one exception class per `FailureReason`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from ct_pipeline.event_schema import Step
from ct_pipeline.exit_codes import EXIT_CODES, FailureReason


class PipelineFailure(Exception):
    """A failure with a known reason; ``step`` is the step it happened in, or None before the steps."""

    reason: ClassVar[FailureReason]

    def __init__(self, message: str, step: Step | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.step = step

    @property
    def exit_code(self) -> int:
        """The process exit code for this failure (see `ct_pipeline.exit_codes`)."""
        return EXIT_CODES[self.reason]


class InvalidInput(PipelineFailure):
    """The spec (or an input it names) is invalid: fix the spec, a retry cannot help."""

    reason = FailureReason.INVALID_INPUT


class DataError(PipelineFailure):
    """The data cannot be loaded or cannot be used by this pipeline."""

    reason = FailureReason.DATA_ERROR


class TrainingError(PipelineFailure):
    """The estimator raised while fitting or predicting."""

    reason = FailureReason.TRAINING_ERROR


class InfrastructureError(PipelineFailure):
    """MLflow (or the environment the worker gave) failed; a retry may succeed."""

    reason = FailureReason.INFRASTRUCTURE


@contextmanager
def mlflow_call(doing: str) -> Iterator[None]:
    """Turn any failure in the block (MLflow's, the network's) into `InfrastructureError` naming ``doing``."""
    try:
        yield
    except PipelineFailure:
        raise
    except Exception as exc:
        raise InfrastructureError(f"MLflow failed while {doing}: {type(exc).__name__}: {exc}") from exc
