"""Each data validation rule, firing and not firing, on small frames; the report's shape."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ct_pipeline.spec_validation import IqrOutliers, MaxMissingShare, MinRows, RequiredColumns, ValidationSpec
from ct_pipeline.steps.validation import (
    build_report,
    iqr_outliers,
    max_missing_share,
    min_rows,
    required_columns,
    run_rules,
)

FRAME = pd.DataFrame(
    {
        "n": [1.0, 2.0, 3.0, 4.0, np.nan],
        "i": [1, 2, 3, 4, 5],
        "s": ["a", "b", "c", "d", None],
        "b": [True, False, True, True, False],
        "t": [
            "2024-01-01T00:00:00Z",
            "2024-01-02T00:00:00Z",
            None,
            "2024-01-04T00:00:00Z",
            "2024-01-05T00:00:00Z",
        ],
        "d": pd.date_range("2024-01-01", periods=5),
    }
)
SPIKY = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0, 2.0, 1.0, 3.0, 2.0, 100.0, -50.0]})

CASES: list[tuple[str, Any, pd.DataFrame, bool, dict[str, Any]]] = [
    ("min_rows met", lambda f: min_rows(MinRows(5), f), FRAME, True, {"rows": 5}),
    ("min_rows fires", lambda f: min_rows(MinRows(6), f), FRAME, False, {"rows": 5, "min_rows": 6}),
    (
        "missing share under",
        lambda f: max_missing_share(MaxMissingShare(0.2), f),
        FRAME,
        True,
        {"max_share": 0.2},
    ),
    (
        "missing share over",
        lambda f: max_missing_share(MaxMissingShare(0.1), f),
        FRAME,
        False,
        {"columns_over": {"n": 0.2, "s": 0.2, "t": 0.2}},
    ),
    (
        "required columns and types",
        lambda f: required_columns(
            RequiredColumns(
                {
                    "n": "numeric",
                    "i": "integer",
                    "s": "string",
                    "b": "boolean",
                    "t": "datetime",
                    "d": "datetime",
                }
            ),
            f,
        ),
        FRAME,
        True,
        {"missing": [], "wrong_type": {}},
    ),
    (
        "required column absent",
        lambda f: required_columns(RequiredColumns({"zz": "numeric"}), f),
        FRAME,
        False,
        {"missing": ["zz"]},
    ),
    (
        "required column of the wrong type",
        lambda f: required_columns(
            RequiredColumns({"s": "numeric", "n": "integer", "b": "numeric", "i": "datetime"}), f
        ),
        FRAME,
        False,
        {"wrong_type": {"s": "str", "b": "bool", "i": "int64"}},
    ),
    (
        "integral floats are integers",
        lambda f: required_columns(RequiredColumns({"n": "integer"}), f),
        FRAME,
        True,
        {},
    ),
    ("iqr under", lambda f: iqr_outliers(IqrOutliers(0.2), f), SPIKY, True, {"shares": {"x": 0.2}}),
    ("iqr over", lambda f: iqr_outliers(IqrOutliers(0.1), f), SPIKY, False, {"columns_over": {"x": 0.2}}),
    (
        "iqr wide factor",
        lambda f: iqr_outliers(IqrOutliers(0.1, factor=100), f),
        SPIKY,
        True,
        {"shares": {"x": 0.0}},
    ),
]


@pytest.mark.parametrize(
    ("rule", "frame", "passed", "figures"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule(rule: Any, frame: pd.DataFrame, passed: bool, figures: dict[str, Any]) -> None:
    sut = rule(frame)

    assert sut.passed is passed, sut.message
    for key, value in figures.items():
        if key == "wrong_type":
            assert {k: sut.figures[key].get(k, "")[:3] for k in value} == {k: v[:3] for k, v in value.items()}
        else:
            assert sut.figures[key] == value


def test_missing_share_of_n_is_computed_by_hand() -> None:
    assert max_missing_share(MaxMissingShare(0.5), FRAME).figures["max_share"] == pytest.approx(1 / 5)


def test_report_counts_warnings_and_errors() -> None:
    rules = ValidationSpec(min_rows=MinRows(10, "error"), iqr_outliers=IqrOutliers(0.1, severity="warning"))

    findings = run_rules(rules, SPIKY)
    sut = build_report(findings, SPIKY)

    assert [r["rule"] for r in sut["rules"]] == ["min_rows", "iqr_outliers"]
    assert sut["summary"] == {"rules": 2, "warnings": 1, "errors": 0}
    assert sut["rows"] == 10 and sut["columns"] == ["x"]
    assert (
        build_report(run_rules(ValidationSpec(min_rows=MinRows(11)), SPIKY), SPIKY)["summary"]["errors"] == 1
    )


COLUMN_CASES: list[tuple[str, Any, list[str]]] = [
    ("min_rows names no column", min_rows(MinRows(6), FRAME), []),
    ("missing share names the columns over", max_missing_share(MaxMissingShare(0.1), FRAME), ["n", "s", "t"]),
    (
        "required columns name the absent, then the mistyped",
        required_columns(RequiredColumns({"zz": "numeric", "s": "numeric"}), FRAME),
        ["zz", "s"],
    ),
    ("iqr names the columns over", iqr_outliers(IqrOutliers(0.1), SPIKY), ["x"]),
    ("a passed rule names none", iqr_outliers(IqrOutliers(0.2), SPIKY), []),
]


@pytest.mark.parametrize(("sut", "columns"), [c[1:] for c in COLUMN_CASES], ids=[c[0] for c in COLUMN_CASES])
def test_finding_names_the_columns_at_fault(sut: Any, columns: list[str]) -> None:
    assert sut.columns == columns
