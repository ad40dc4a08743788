"""The time window of a database source: the rows whose time column is within ``since``..``until``.

The spec's ``data.time_column``, ``data.since`` and ``data.until``; the Postgres and IRIS sources turn it into
the same comparisons, each in its own SQL dialect, with the bounds as parameters and never as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

Comparison = Literal[">=", "<="]


@dataclass(frozen=True)
class TimeWindow:
    """The rows whose ``column`` is at or after ``since`` and at or before ``until``.

    Either bound may be None; without a column, or without a bound, every row is in the window.
    """

    column: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def comparisons(self) -> list[tuple[str, Comparison, dt.datetime]]:
        """``(column, ">=", since)`` and ``(column, "<=", until)``, for each bound given."""
        if self.column is None:
            return []
        tests: tuple[tuple[Comparison, dt.datetime | None], ...] = ((">=", self.since), ("<=", self.until))
        return [(self.column, test, bound) for test, bound in tests if bound is not None]


EVERY_ROW: Final = TimeWindow()
