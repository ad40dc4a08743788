"""The champion/challenger rule, table-driven on hand-made figures."""

from __future__ import annotations

from typing import Any

import pytest

from ct_pipeline.spec import Guard, MetricsSpec, Threshold
from ct_pipeline.steps.model_validation import judge

RMSE = MetricsSpec(primary="rmse", direction="minimize")
R2 = MetricsSpec(primary="r2", direction="maximize", min_improvement=0.05)
GUARDED = MetricsSpec(primary="rmse", direction="minimize", guards=(Guard("r2", 0.01),))
THRESHOLDS = MetricsSpec(
    primary="rmse", direction="minimize", thresholds={"r2": Threshold(min=0.3, max=0.99)}
)

CASES: list[tuple[str, MetricsSpec, dict[str, float], Any, str, str]] = [
    ("first model, no thresholds", RMSE, {"rmse": 5}, None, "promote", "no champion"),
    ("lower rmse wins", RMSE, {"rmse": 4.9}, {"rmse": 5}, "promote", "improvement 0.1, better"),
    ("equal rmse loses", RMSE, {"rmse": 5}, {"rmse": 5}, "reject", "improvement 0, not better"),
    ("higher rmse loses", RMSE, {"rmse": 6}, {"rmse": 5}, "reject", "improvement -1, not better"),
    ("r2 up enough", R2, {"r2": 0.5}, {"r2": 0.4}, "promote", "better (min_improvement 0.05)"),
    ("r2 up too little", R2, {"r2": 0.42}, {"r2": 0.4}, "reject", "not better enough"),
    (
        "guard holds",
        GUARDED,
        {"rmse": 4, "r2": 0.495},
        {"rmse": 5, "r2": 0.5},
        "promote",
        "degradation 0.005 <= 0.01",
    ),
    (
        "guard breaks",
        GUARDED,
        {"rmse": 4, "r2": 0.45},
        {"rmse": 5, "r2": 0.5},
        "reject",
        "guard r2 0.45 vs 0.5: degradation 0.05 > 0.01",
    ),
    (
        "first model under threshold",
        THRESHOLDS,
        {"rmse": 4, "r2": 0.2},
        None,
        "reject",
        "below the minimum 0.3",
    ),
    ("first model over max", THRESHOLDS, {"rmse": 4, "r2": 0.995}, None, "reject", "above the maximum 0.99"),
    (
        "first model meets threshold",
        THRESHOLDS,
        {"rmse": 4, "r2": 0.5},
        None,
        "promote",
        "threshold r2 0.5: met",
    ),
    (
        "better but under threshold",
        THRESHOLDS,
        {"rmse": 4, "r2": 0.2},
        {"rmse": 5, "r2": 0.1},
        "reject",
        "below the minimum",
    ),
    ("threshold metric undefined", THRESHOLDS, {"rmse": 4}, None, "reject", "undefined"),
]


@pytest.mark.parametrize(
    ("rules", "challenger", "champion", "outcome", "reason"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_judge(
    rules: MetricsSpec, challenger: dict[str, float], champion: Any, outcome: str, reason: str
) -> None:
    sut = judge(rules, challenger, champion, "3" if champion else None)

    assert sut.outcome == outcome, sut.reason
    assert reason in sut.reason
    assert sut.champion_version == ("3" if champion else None)


def test_notes_lead_the_reason() -> None:
    sut = judge(RMSE, {"rmse": 1}, None, None, ("champion v2 could not be scored",))

    assert sut.reason.startswith("champion v2 could not be scored; ") and sut.won
