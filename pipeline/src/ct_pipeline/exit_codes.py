"""The exit codes of ``python -m ct_pipeline.train`` (and ``.score``, ``.monitor``): the worker maps them to
a job's failure reason.

The same reason is also sent as the ``reason`` of the failed ``result`` event. Codes not listed here mean the
pipeline did not end by itself: 1 is an unexpected crash (a bug: Python's code for an uncaught exception, with
a traceback on stderr), and a negative status (or 128 + n from a shell) means it was killed by signal n.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

SUCCESS: Final = 0
INVALID_INPUT: Final = 2
DATA_ERROR: Final = 3
TRAINING_ERROR: Final = 4
INFRASTRUCTURE: Final = 5


class FailureReason(StrEnum):
    """Why a training run failed: the ``reason`` of a failed ``result`` event."""

    INVALID_INPUT = "invalid_input"
    """The spec file is unreadable or invalid, names an unknown model or param, or a CSV outside the root."""
    DATA_ERROR = "data_error"
    """The data cannot be loaded or used: missing file or column, too few rows, non-numeric features."""
    TRAINING_ERROR = "training_error"
    """The estimator raised while fitting or predicting."""
    INFRASTRUCTURE = "infrastructure"
    """MLflow is unreachable or answered with an error, or the worker's environment is unusable."""


EXIT_CODES: Final[Mapping[FailureReason, int]] = MappingProxyType(
    {
        FailureReason.INVALID_INPUT: INVALID_INPUT,
        FailureReason.DATA_ERROR: DATA_ERROR,
        FailureReason.TRAINING_ERROR: TRAINING_ERROR,
        FailureReason.INFRASTRUCTURE: INFRASTRUCTURE,
    }
)
