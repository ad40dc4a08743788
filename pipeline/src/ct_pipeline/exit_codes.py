"""The exit codes of ``python -m ct_pipeline.train`` (and ``.score``, ``.monitor``): the worker maps them to
a job's failure reason.

They come from the contract (`ct_pipeline.contract`, generated from ``packages/shared``): the exit code is the
one channel of a failure's reason; the failed ``result`` event says what went wrong and where, not why.
Codes not listed there mean the pipeline did not end by itself: 1 is an unexpected crash (a bug: Python's code
for an uncaught exception, with a traceback on stderr), and a negative status (or 128 + n from a shell) means
it was killed by signal n.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ct_pipeline.contract import FAILURE_EXIT_CODES, SUCCESS_EXIT_CODE

FailureReason = StrEnum(  # type: ignore[misc]
    "FailureReason", {reason.upper(): reason for reason in FAILURE_EXIT_CODES}
)
"""Why a run failed, as the worker records it: ``invalid_input`` (the spec or an input it names is wrong),
``data_error`` (the data cannot be loaded or used), ``training_error`` (the estimator raised) or
``infrastructure`` (MLflow or the worker's environment failed; the worker retries it)."""

EXIT_CODES: Final[Mapping[FailureReason, int]] = MappingProxyType(
    {FailureReason(reason): code for reason, code in FAILURE_EXIT_CODES.items()}
)
SUCCESS: Final = SUCCESS_EXIT_CODE
INVALID_INPUT: Final = EXIT_CODES[FailureReason.INVALID_INPUT]
DATA_ERROR: Final = EXIT_CODES[FailureReason.DATA_ERROR]
TRAINING_ERROR: Final = EXIT_CODES[FailureReason.TRAINING_ERROR]
INFRASTRUCTURE: Final = EXIT_CODES[FailureReason.INFRASTRUCTURE]
