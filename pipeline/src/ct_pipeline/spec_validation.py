"""The data validation rules of a spec (its ``validation`` section): what each checks, at which severity.

The defaults (a rule's severity, the IQR factor, the rules of a spec without the section) are the schema's
(`ct_pipeline.spec_schema.schema_default`), as the API fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ct_pipeline.spec_schema import schema_default

# The enums of schema/training-spec.schema.json, spelled out for the type checker (a test compares them).
Severity = Literal["warning", "error"]
ColumnType = Literal["numeric", "integer", "string", "boolean", "datetime"]
_SEVERITY: Final[Mapping[str, Severity]] = {
    rule: schema_default("validation", rule, "severity")
    for rule in ("min_rows", "max_missing_share", "required_columns", "iqr_outliers")
}


@dataclass(frozen=True)
class MinRows:
    """At least ``rows`` rows."""

    rows: int
    severity: Severity = _SEVERITY["min_rows"]


@dataclass(frozen=True)
class MaxMissingShare:
    """No column with a share of missing values above ``threshold``."""

    threshold: float
    severity: Severity = _SEVERITY["max_missing_share"]


@dataclass(frozen=True)
class RequiredColumns:
    """These columns exist, each of its type."""

    columns: Mapping[str, ColumnType] = field(default_factory=dict)
    severity: Severity = _SEVERITY["required_columns"]


@dataclass(frozen=True)
class IqrOutliers:
    """No numeric column with a share of values outside [Q1 - factor*IQR, Q3 + factor*IQR] above max_share."""

    max_share: float
    factor: float = float(schema_default("validation", "iqr_outliers", "factor"))
    severity: Severity = _SEVERITY["iqr_outliers"]


@dataclass(frozen=True)
class ValidationSpec:
    """The rules that run; without a ``validation`` section, the schema's: at least 20 rows (an error)."""

    min_rows: MinRows | None = MinRows(**schema_default("validation")["min_rows"])
    max_missing_share: MaxMissingShare | None = None
    required_columns: RequiredColumns | None = None
    iqr_outliers: IqrOutliers | None = None


def parse_validation(raw: Mapping[str, Any]) -> ValidationSpec:
    """The rules of a schema-valid ``validation`` section, its defaults filled in (`with_defaults`)."""

    def rule(name: str, cls: type[Any]) -> Any:
        return cls(**raw[name]) if name in raw else None

    return ValidationSpec(
        min_rows=rule("min_rows", MinRows),
        max_missing_share=rule("max_missing_share", MaxMissingShare),
        required_columns=rule("required_columns", RequiredColumns),
        iqr_outliers=rule("iqr_outliers", IqrOutliers),
    )
