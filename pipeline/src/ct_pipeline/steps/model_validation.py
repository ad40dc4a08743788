"""Model validation: the challenger against the registered model's champion, on the same test split.

The registered model is named by ``CT_REGISTERED_MODEL`` (the worker sets ``<team>.<pipeline>``), else by the
pipeline. The challenger wins when (1) its primary metric is strictly better than the champion's by at least
``min_improvement``, (2) no guard metric degrades by more than its ``max_degradation``, and (3) every
threshold is met. Without a champion (or with one that cannot be scored on this data) only (3) applies.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final, Literal

from ct_pipeline.aliases import CHAMPION
from ct_pipeline.errors import DataError
from ct_pipeline.metric_rules import DIRECTIONS, improvement
from ct_pipeline.spec import MetricsSpec
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.evaluation import score
from ct_pipeline.steps.preparation import Split

REGISTERED_MODEL_VAR: Final = "CT_REGISTERED_MODEL"
DECISION_PATH: Final = "validation/decision.json"


@dataclass(frozen=True)
class Check:
    """One rule of the decision and its outcome."""

    rule: str
    passed: bool
    message: str


@dataclass(frozen=True)
class Decision:
    """promote or reject, why, and the figures it was based on."""

    outcome: Literal["promote", "reject"]
    reason: str
    metric: str
    direction: str
    challenger: Mapping[str, float]
    champion: Mapping[str, float] | None = None
    champion_version: str | None = None
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = field(default=())
    # The registry's aliases when the champion was read: promotion moves an alias only if they still hold.
    aliases_seen: Mapping[str, str] = field(default_factory=dict)

    @property
    def won(self) -> bool:
        """Whether the challenger won."""
        return self.outcome == "promote"

    def as_json(self, registered_model: str) -> dict[str, Any]:
        """The decision as logged in ``validation/decision.json``."""
        return {"registered_model": registered_model, **asdict(self)}


def registered_model_name(pipeline: str, environ: Mapping[str, str] = os.environ) -> str:
    """``CT_REGISTERED_MODEL`` when set, else the pipeline's name."""
    return environ.get(REGISTERED_MODEL_VAR) or pipeline


def validate_model(
    ctx: StepContext,
    model_name: str,
    metrics: Mapping[str, float],
    split: Split,
    environ: Mapping[str, str] = os.environ,
) -> Decision:
    """Score the champion (if any) on ``split``'s test rows, judge the challenger, log the decision.

    The champion's files come from the model cache (``CT_MODEL_CACHE_DIR``), downloaded only when absent.
    """
    from ct_pipeline.scoring.model_cache import cache_root  # the registry's module: MLflow, only now

    rules = ctx.spec.rules
    if rules.primary not in metrics:  # the result's decision carries the challenger's figure: it must exist
        raise DataError(
            f"the primary metric {rules.primary} is undefined on this test split (too few rows or classes)"
        )
    aliases_seen = ctx.tracker.aliases(model_name)
    version = aliases_seen.get(CHAMPION)
    champion: dict[str, float] | None = None
    notes: list[str] = []
    if version is None:
        ctx.events.log("info", f"{model_name} has no {CHAMPION} yet: the challenger is judged on thresholds")
    else:
        try:
            model, cache = ctx.tracker.load_registered(model_name, version, cache_root(environ))
            ctx.events.log("info", f"champion v{version} loaded (model cache {cache})")
            champion = score(ctx.spec.task, model, split.x_test, split.y_test)
        except Exception as exc:  # a champion trained on other columns, or an unloadable one
            note = f"champion v{version} could not be scored on this test split ({type(exc).__name__}: {exc})"
            notes.append(note + "; judged on thresholds alone")
            ctx.events.log("warning", notes[-1])
            champion = None
        else:
            ctx.tracker.log_metrics({f"champion.{k}": v for k, v in champion.items()})
    judged = judge(rules, metrics, champion, version if champion is not None else None, tuple(notes))
    decision = replace(judged, aliases_seen=aliases_seen)
    ctx.tracker.log_dict(decision.as_json(model_name), DECISION_PATH)
    ctx.tracker.set_tags({"ct.decision": decision.outcome, "ct.decision_reason": decision.reason})
    ctx.events.log("info" if decision.won else "warning", f"decision: {decision.outcome}: {decision.reason}")
    return decision


def judge(
    rules: MetricsSpec,
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
    champion_version: str | None = None,
    notes: tuple[str, ...] = (),
) -> Decision:
    """Apply the spec's rule to the challenger's and the champion's metrics (None: no champion)."""
    checks = [*_comparison(rules, challenger, champion, champion_version), *_thresholds(rules, challenger)]
    failed = [c.message for c in checks if not c.passed]
    won = not failed
    if won:
        reason = "; ".join(c.message for c in checks) or "no champion and no thresholds: the first model wins"
    else:
        reason = "; ".join(failed)
    if notes:
        reason = "; ".join((*notes, reason))
    return Decision(
        outcome="promote" if won else "reject",
        reason=reason,
        metric=rules.primary,
        direction=rules.direction,
        challenger=dict(challenger),
        champion=dict(champion) if champion is not None else None,
        champion_version=champion_version,
        checks=tuple(checks),
        notes=notes,
    )


def _comparison(
    rules: MetricsSpec,
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
    version: str | None,
) -> list[Check]:
    if champion is None:
        return []
    name = rules.primary
    if name not in challenger or name not in champion:
        return [
            Check(
                "primary",
                False,
                f"{name} is undefined for the {'challenger' if name not in challenger else 'champion'}",
            )
        ]
    gain = improvement(name, challenger[name], champion[name], rules.direction)
    better = gain > 0 and gain >= rules.min_improvement
    verdict = "better" if better else "not better enough" if gain > 0 else "not better"
    checks = [
        Check(
            "primary",
            better,
            f"{name} {challenger[name]:.6g} vs champion v{version} {champion[name]:.6g} ({rules.direction}): "
            f"improvement {gain:.6g}, {verdict} (min_improvement {rules.min_improvement:g})",
        )
    ]
    for guard in rules.guards:
        metric = guard.metric
        if metric not in challenger or metric not in champion:
            checks.append(
                Check(f"guard.{metric}", False, f"guard {metric} is undefined for one of the models")
            )
            continue
        loss = -improvement(metric, challenger[metric], champion[metric], DIRECTIONS[metric])
        ok = loss <= guard.max_degradation
        checks.append(
            Check(
                f"guard.{metric}",
                ok,
                f"guard {metric} {challenger[metric]:.6g} vs {champion[metric]:.6g}: "
                f"degradation {max(loss, 0):.6g} {'<=' if ok else '>'} {guard.max_degradation:g}",
            )
        )
    return checks


def _thresholds(rules: MetricsSpec, challenger: Mapping[str, float]) -> list[Check]:
    checks = []
    for metric, bounds in rules.thresholds.items():
        value = challenger.get(metric)
        if value is None:
            checks.append(
                Check(f"threshold.{metric}", False, f"threshold {metric}: undefined on the test split")
            )
            continue
        problems = []
        if bounds.min is not None and value < bounds.min:
            problems.append(f"below the minimum {bounds.min:g}")
        if bounds.max is not None and value > bounds.max:
            problems.append(f"above the maximum {bounds.max:g}")
        text = " and ".join(problems) or "met"
        checks.append(Check(f"threshold.{metric}", not problems, f"threshold {metric} {value:.6g}: {text}"))
    return checks
