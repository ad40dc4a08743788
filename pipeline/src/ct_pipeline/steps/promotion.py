"""Promotion: register the model as a new version, then move an alias as the spec's policy says.

Every successful run registers a version (tagged with its lineage, metrics and the decision). ``auto``: a
winning version becomes ``champion``. ``manual``: a winning version becomes ``challenger`` and the API moves
``champion`` once someone approves it. A losing version gets no alias.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ct_pipeline.steps import StepContext
from ct_pipeline.steps.model_validation import CHAMPION, Decision

CHALLENGER: Final = "challenger"
JOB_ID_VAR: Final = "CT_JOB_ID"


@dataclass(frozen=True)
class Promotion:
    """The registered version and the alias it was given (None: none)."""

    registered_model: str
    version: str
    alias: str | None


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
    alias = None
    if decision.won:
        alias = CHAMPION if ctx.spec.policy == "auto" else CHALLENGER
        ctx.tracker.set_alias(model_name, alias, version)
        ctx.events.log("info", f"{model_name} v{version} registered and set as {alias}")
    else:
        ctx.events.log("info", f"{model_name} v{version} registered; no alias moved ({decision.reason})")
    ctx.tracker.set_tags({"ct.registered_model": model_name, "ct.model_version": version})
    return Promotion(registered_model=model_name, version=version, alias=alias)
