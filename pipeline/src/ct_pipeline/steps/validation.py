"""Data validation: the spec's rules run on the extracted rows; a report is logged, errors stop the job.

Each rule yields one entry in the report: whether it passed, its severity, the columns at fault and its
figures. Every failed rule is a ``validation.finding`` event at its severity (the worker's audit trail records
it); one at severity ``warning`` is also a ``log`` warning event; any failed rule at severity ``error`` ends
the job with ``data_error`` after the report is logged (``validation/report.json``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

import pandas as pd
from pandas.api import types as t

from ct_pipeline.errors import DataError
from ct_pipeline.spec_validation import (
    IqrOutliers,
    MaxMissingShare,
    MinRows,
    RequiredColumns,
    Severity,
    ValidationSpec,
)
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.extraction import Extracted

REPORT_PATH: Final = "validation/report.json"


@dataclass(frozen=True)
class Finding:
    """The outcome of one rule."""

    rule: str
    severity: Severity
    passed: bool
    message: str
    figures: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)


def validate(ctx: StepContext, extracted: Extracted) -> list[Finding]:
    """Run the rules, log the report and the warnings; raise `DataError` if an error-level rule failed."""
    findings = run_rules(ctx.spec.validation, extracted.frame)
    report = build_report(findings, extracted.frame)
    ctx.tracker.log_dict(report, REPORT_PATH)
    for finding in findings:
        if finding.passed:
            continue
        ctx.events.validation_finding(
            finding.rule, finding.severity, finding.message, finding.columns, finding.figures
        )
        if finding.severity == "warning":
            ctx.events.log("warning", f"validation {finding.rule}: {finding.message}")
    errors = [f for f in findings if not f.passed and f.severity == "error"]
    if errors:
        raise DataError("validation failed: " + "; ".join(f"{f.rule}: {f.message}" for f in errors))
    ctx.events.log(
        "info", f"validation: {len(findings)} rule(s) run, {report['summary']['warnings']} warning(s)"
    )
    return findings


def build_report(findings: list[Finding], frame: pd.DataFrame) -> dict[str, Any]:
    """The JSON report: the data's shape, every rule's outcome, and the counts of warnings and errors."""
    failed = [f for f in findings if not f.passed]
    return {
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "rules": [asdict(f) for f in findings],
        "findings": [asdict(f) for f in failed],
        "summary": {
            "rules": len(findings),
            "warnings": sum(f.severity == "warning" for f in failed),
            "errors": sum(f.severity == "error" for f in failed),
        },
    }


def run_rules(rules: ValidationSpec, frame: pd.DataFrame) -> list[Finding]:
    """Every configured rule's finding, in a fixed order."""
    findings = []
    if rules.min_rows:
        findings.append(min_rows(rules.min_rows, frame))
    if rules.max_missing_share:
        findings.append(max_missing_share(rules.max_missing_share, frame))
    if rules.required_columns:
        findings.append(required_columns(rules.required_columns, frame))
    if rules.iqr_outliers:
        findings.append(iqr_outliers(rules.iqr_outliers, frame))
    return findings


def min_rows(rule: MinRows, frame: pd.DataFrame) -> Finding:
    """Fails when the frame has fewer than ``rule.rows`` rows."""
    rows = len(frame)
    passed = rows >= rule.rows
    message = f"{rows} rows" + (f" >= {rule.rows}" if passed else f", fewer than the {rule.rows} required")
    return Finding("min_rows", rule.severity, passed, message, {"rows": rows, "min_rows": rule.rows})


def max_missing_share(rule: MaxMissingShare, frame: pd.DataFrame) -> Finding:
    """Fails when a column's share of missing values is above ``rule.threshold``."""
    shares = {str(c): float(s) for c, s in frame.isna().mean().items()} if len(frame) else {}
    over = {name: round(share, 6) for name, share in shares.items() if share > rule.threshold}
    worst = max(shares.values(), default=0.0)
    message = (
        f"column(s) {over} have a missing share above {rule.threshold}"
        if over
        else f"the highest missing share is {worst:.4g} <= {rule.threshold}"
    )
    figures = {"threshold": rule.threshold, "max_share": worst, "columns_over": over}
    return Finding("max_missing_share", rule.severity, not over, message, figures, list(over))


def required_columns(rule: RequiredColumns, frame: pd.DataFrame) -> Finding:
    """Fails when a column is absent or not of its declared type."""
    missing = [name for name in rule.columns if name not in frame.columns]
    wrong = {
        name: _type_name(frame[name])
        for name, kind in rule.columns.items()
        if name in frame.columns and not has_type(frame[name], kind)
    }
    problems = []
    if missing:
        problems.append(f"missing column(s) {missing}")
    if wrong:
        expected = {name: rule.columns[name] for name in wrong}
        problems.append(f"column(s) of the wrong type {wrong} (expected {expected})")
    message = "; ".join(problems) or f"all {len(rule.columns)} column(s) present with their types"
    figures = {"missing": missing, "wrong_type": wrong, "expected": dict(rule.columns)}
    return Finding("required_columns", rule.severity, not problems, message, figures, [*missing, *wrong])


def _type_name(column: pd.Series) -> str:
    """The column's dtype as reported; text is ``str`` under pandas 2 too (there its dtype is ``object``)."""
    values = column.dropna()
    if column.dtype == object and len(values) and values.map(lambda v: isinstance(v, str)).all():
        return "str"
    return str(column.dtype)


def has_type(column: pd.Series, kind: str) -> bool:
    """Whether ``column`` holds values of ``kind`` (missing values are ignored)."""
    values = column.dropna()
    if kind == "boolean":
        return t.is_bool_dtype(column) or (len(values) > 0 and values.map(type).eq(bool).all())
    if kind == "numeric":
        return t.is_numeric_dtype(column) and not t.is_bool_dtype(column)
    if kind == "integer":
        if t.is_integer_dtype(column):
            return True
        return t.is_float_dtype(column) and bool((values == values.round()).all())
    # The string checks look at the values without their gaps: pandas 2 keeps text in object columns, and
    # there a None among the strings makes the whole column "not string".
    if kind == "string":
        return t.is_string_dtype(values) and bool(values.map(lambda v: isinstance(v, str)).all())
    if t.is_datetime64_any_dtype(column):
        return True
    if not t.is_string_dtype(values):
        return False
    try:
        pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return False
    return True


def iqr_outliers(rule: IqrOutliers, frame: pd.DataFrame) -> Finding:
    """Fails when a numeric column's share of values outside the IQR fences is above ``rule.max_share``."""
    shares = {}
    for name in frame.columns:
        column = frame[name]
        if not t.is_numeric_dtype(column) or t.is_bool_dtype(column):
            continue
        values = column.dropna().astype("float64")
        if values.empty:
            continue
        q1, q3 = values.quantile(0.25), values.quantile(0.75)
        spread = rule.factor * (q3 - q1)
        outside = (values < q1 - spread) | (values > q3 + spread)
        shares[str(name)] = float(outside.mean())
    over = {name: round(share, 6) for name, share in shares.items() if share > rule.max_share}
    message = (
        f"column(s) {over} have an outlier share above {rule.max_share}"
        if over
        else f"the highest outlier share is {max(shares.values(), default=0.0):.4g} <= {rule.max_share}"
    )
    figures = {"max_share": rule.max_share, "factor": rule.factor, "shares": shares, "columns_over": over}
    return Finding("iqr_outliers", rule.severity, not over, message, figures, list(over))
