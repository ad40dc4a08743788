"""The time limit of a database source's query: ``CT_SOURCE_STATEMENT_TIMEOUT_MS``, set by the worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ct_pipeline.errors import InvalidInput

STATEMENT_TIMEOUT_VAR: Final = "CT_SOURCE_STATEMENT_TIMEOUT_MS"
DEFAULT_TIMEOUT_MS: Final = 300_000
MAX_TIMEOUT_MS: Final = 2_147_483_647  # Postgres keeps statement_timeout in an int


def statement_timeout_ms(environ: Mapping[str, str]) -> int:
    """``CT_SOURCE_STATEMENT_TIMEOUT_MS`` (300000 when unset or empty); `InvalidInput` naming it when bad."""
    text = environ.get(STATEMENT_TIMEOUT_VAR, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_MS
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_TIMEOUT_MS:
        raise InvalidInput(
            f"{STATEMENT_TIMEOUT_VAR} must be a whole number of milliseconds from 1 to {MAX_TIMEOUT_MS}, "
            f"got {text!r}"
        )
    return int(text)
