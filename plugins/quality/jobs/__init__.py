"""Dramatiq actors and schedules of quality: closing campaigns, overdue rectification (both per compound), computing a period."""

from __future__ import annotations

import uuid

from core.db import Scope
from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.quality.services import evaluation, field, surveys
from plugins.quality.services.common import MODULE


async def _close_campaigns(runtime) -> int:
    run = await for_each_active_compound(
        runtime.database(),
        MODULE,
        surveys.close_due,
        reason="quality: close survey campaigns",
        pending=surveys.compounds_with_due_campaigns,
    )
    return run.total()


async def _rectification_overdue(runtime) -> int:
    run = await for_each_active_compound(
        runtime.database(),
        MODULE,
        field.mark_overdue,
        reason="quality: overdue rectification",
        pending=field.compounds_with_overdue_notices,
    )
    return run.total()


async def _compute_period(runtime, tenant_id: str, period_id: str) -> str:
    """A district's period over all its compounds (the API computes small districts in the request)."""
    async with runtime.database().transaction(Scope.everything("quality: compute an evaluation period")) as session:
        period = await evaluation.compute_period(session, runtime.host, uuid.UUID(tenant_id), uuid.UUID(period_id))
        return period.state


close_campaigns_job = Job("quality.close_campaigns", _close_campaigns)
rectification_overdue_job = Job("quality.rectification_overdue", _rectification_overdue)
compute_period_job = Job("quality.compute_period", _compute_period, time_limit_ms=30 * 60 * 1000)

ACTORS: list = [close_campaigns_job, rectification_overdue_job, compute_period_job]
SCHEDULES: list[dict] = [
    {"name": "quality.close_campaigns", "actor": "quality.close_campaigns", "every_seconds": 600},
    {"name": "quality.rectification_overdue", "actor": "quality.rectification_overdue", "every_seconds": 900},
]
