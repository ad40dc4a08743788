"""The data validation rules of a spec (its ``validation`` section): what each checks, at which severity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["warning", "error"]
ColumnType = Literal["numeric", "integer", "string", "boolean", "datetime"]


@dataclass(frozen=True)
class MinRows:
    """At least ``rows`` rows."""

    rows: int
    severity: Severity = "error"


@dataclass(frozen=True)
class MaxMissingShare:
    """No column with a share of missing values above ``threshold``."""

    threshold: float
    severity: Severity = "warning"


@dataclass(frozen=True)
class RequiredColumns:
    """These columns exist, each of its type."""

    columns: Mapping[str, ColumnType] = field(default_factory=dict)
    severity: Severity = "error"


@dataclass(frozen=True)
class IqrOutliers:
    """No numeric column with a share of values outside [Q1 - factor*IQR, Q3 + factor*IQR] above max_share."""

    max_share: float
    factor: float = 1.5
    severity: Severity = "warning"


@dataclass(frozen=True)
class ValidationSpec:
    """The rules that run; without a ``validation`` section, at least 20 rows are required (an error)."""

    min_rows: MinRows | None = MinRows(20)
    max_missing_share: MaxMissingShare | None = None
    required_columns: RequiredColumns | None = None
    iqr_outliers: IqrOutliers | None = None


def parse_validation(raw: Mapping[str, Any] | None) -> ValidationSpec:
    """The rules of a schema-valid ``validation`` section (None: the default)."""
    if raw is None:
        return ValidationSpec()

    def rule(name: str, cls: type[Any]) -> Any:
        return cls(**raw[name]) if name in raw else None

    return ValidationSpec(
        min_rows=rule("min_rows", MinRows),
        max_missing_share=rule("max_missing_share", MaxMissingShare),
        required_columns=rule("required_columns", RequiredColumns),
        iqr_outliers=rule("iqr_outliers", IqrOutliers),
    )
