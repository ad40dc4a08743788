"""Promotion: register the model as a new version, then move an alias as the spec's policy says.

Every successful run registers a version (tagged with its lineage, metrics and the decision). ``auto``: a
winning version becomes ``champion``. ``manual``: a winning version becomes ``challenger`` and the API moves
``champion`` once someone approves it. A losing version gets no alias.

An alias moves only if the aliases the decision rests on still point where model validation saw them (a
compare-and-set): another run, or a person's approve or promote, may have moved them in the meantime. Then the
version is registered all the same, nothing is moved, and the result says why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ct_pipeline.aliases import CHALLENGER, CHAMPION
from ct_pipeline.errors import InvalidInput
from ct_pipeline.steps import StepContext
from ct_pipeline.steps.model_validation import Decision
from ct_pipeline.task_file import JOB_ID_VAR

CONFLICT_TAG: Final = "ct.promotion_conflict"


@dataclass(frozen=True)
class AliasConflict:
    """An alias that moved between model validation and promotion (None: no such alias)."""

    alias: str
    expected: str | None
    found: str | None

    def describe(self) -> str:
        """What happened, in words, e.g. ``champion changed from v3 to v4 during validation``."""
        if self.expected is None:
            return f"{self.alias} was set to v{self.found} during validation (there was none)"
        if self.found is None:
            return f"{self.alias} v{self.expected} was removed during validation"
        return f"{self.alias} changed from v{self.expected} to v{self.found} during validation"


@dataclass(frozen=True)
class Promotion:
    """The registered version, the alias it was given (None: none), and the conflict that stopped it."""

    registered_model: str
    version: str
    alias: str | None
    conflict: AliasConflict | None = None


def promote(
    ctx: StepContext,
    model_name: str,
    model_uri: str,
    decision: Decision,
    lineage: Mapping[str, str],
    environ: Mapping[str, str] = os.environ,
) -> Promotion:
    """Register ``model_uri`` under ``model_name`` with its tags and move the policy's alias if it won."""
    tags: dict[str, Any] = {
        **({"ct.job_id": environ[JOB_ID_VAR]} if environ.get(JOB_ID_VAR) else {}),
        "ct.run_id": ctx.tracker.run_id,
        "ct.spec_hash": lineage["ct.spec_hash"],
        "ct.data_fingerprint": lineage["ct.data_fingerprint"],
        "ct.code_version": lineage["ct.code_version"],
        "ct.decision": decision.outcome,
        "ct.decision_reason": decision.reason,
        "ct.policy": ctx.spec.policy,
        **{f"metric.{name}": repr(value) for name, value in decision.challenger.items()},
    }
    version = ctx.tracker.register(model_uri, model_name, tags)
    _keep_in_cache(ctx, model_uri, model_name, version, environ)
    alias, conflict = None, None
    if decision.won:
        target = CHAMPION if ctx.spec.policy == "auto" else CHALLENGER
        # Re-read as late as possible: registering took a while, and MLflow cannot set an alias conditionally.
        conflict = moved_alias(decision, ctx.tracker.aliases(model_name), target)
        if conflict is None:
            ctx.tracker.set_alias(model_name, target, version)
            alias = target
            ctx.events.log("info", f"{model_name} v{version} registered and set as {alias}")
        else:
            message = not_promoted(conflict, version)
            ctx.tracker.set_version_tags(model_name, version, {CONFLICT_TAG: message})
            ctx.tracker.set_tags({CONFLICT_TAG: message})
            ctx.events.log("warning", f"{model_name}: {message}")
    else:
        ctx.events.log("info", f"{model_name} v{version} registered; no alias moved ({decision.reason})")
    ctx.tracker.set_tags({"ct.registered_model": model_name, "ct.model_version": version})
    return Promotion(registered_model=model_name, version=version, alias=alias, conflict=conflict)


def _keep_in_cache(
    ctx: StepContext, model_uri: str, model_name: str, version: str, environ: Mapping[str, str]
) -> None:
    """Cache the version just registered from the files this run uploaded (`Tracker.keep_registered`).

    The cache only saves downloads: a version that could not be kept is downloaded when it is needed.
    """
    from ct_pipeline.scoring.model_cache import cache_root  # the registry's module: MLflow, only now

    try:
        ctx.tracker.keep_registered(model_uri, model_name, version, cache_root(environ))
    except (OSError, InvalidInput) as exc:
        ctx.events.log("warning", f"{model_name} v{version} not kept in the model cache: {exc}")


def moved_alias(decision: Decision, now: Mapping[str, str], target: str) -> AliasConflict | None:
    """The first alias the move rests on that no longer points where validation saw it, else None.

    ``champion`` is the version the challenger was judged against; under the manual policy ``challenger``
    may be a candidate someone is reviewing, which a version never compared with it must not replace.
    """
    for alias in dict.fromkeys((CHAMPION, target)):
        expected, found = decision.aliases_seen.get(alias), now.get(alias)
        if expected != found:
            return AliasConflict(alias, expected, found)
    return None


def not_promoted(conflict: AliasConflict, version: str) -> str:
    """The reason recorded for a winning version that was not promoted because of ``conflict``."""
    return f"{conflict.describe()}; v{version} registered but not promoted"


def decision_payload(decision: Decision, promotion: Promotion, policy: str) -> dict[str, Any]:
    """The ``decision`` of the ``result`` event (``promotionDecisionSchema`` in ``@ct/shared``)."""
    conflict = promotion.conflict
    reason = decision.reason
    if conflict is not None:
        reason = f"{not_promoted(conflict, promotion.version)}; validation: {reason}"
    primary = decision.metric
    return {
        "promoted": promotion.alias is not None,
        "policy": policy,
        "outcome": decision.outcome,
        "reason": reason,
        "primary": {
            "metric": primary,
            "direction": decision.direction,
            "challenger": decision.challenger.get(primary),
            "champion": decision.champion.get(primary) if decision.champion else None,
        },
        "champion_version": decision.champion_version,
        "alias": promotion.alias,
        "alias_conflict": (
            None
            if conflict is None
            else {"alias": conflict.alias, "expected": conflict.expected, "found": conflict.found}
        ),
    }
