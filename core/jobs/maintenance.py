"""The kernel's own periodic work: sweeping up lost events and trimming old history.

Both are jobs published by ``core.builtin`` through ``redprop_actors`` and
``redprop_schedules``, so they run once per tick across all workers.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from core.authz.models import PolicyChange
from core.clock import now
from core.db import Database, Scope
from core.events.models import OutboxEvent, ProcessedEvent, ScheduleTick
from core.events.services import sweep_stalled
from core.jobs.runtime import Job

if TYPE_CHECKING:
    from core.jobs.runtime import JobRuntime

log = logging.getLogger("redprop.jobs")


async def trim_history(db: Database, days: int, batch: int = 1000) -> dict[str, int]:
    """Delete what is older than ``days``: handled outbox rows with their processed-event rows, schedule ticks, policy changes.

    An event not handled yet is kept whatever its age (its ``processed_events``
    rows too: they are what stops a reaction running twice). The newest policy
    change is always kept, so the sequence never restarts below what pollers have seen.
    """
    cutoff = now() - dt.timedelta(days=days)
    counts = {"outbox_events": 0, "processed_events": 0, "schedule_ticks": 0, "policy_changes": 0}
    while True:
        async with db.transaction(Scope.nothing()) as session:  # none of these tables is compound-scoped
            ids = (
                await session.scalars(
                    select(OutboxEvent.id).where(OutboxEvent.handled_at < cutoff).order_by(OutboxEvent.handled_at).limit(batch)
                )
            ).all()
            if not ids:
                break
            counts["processed_events"] += (await session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id.in_(ids)))).rowcount
            counts["outbox_events"] += (await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))).rowcount
    async with db.transaction(Scope.nothing()) as session:
        counts["schedule_ticks"] = (await session.execute(delete(ScheduleTick).where(ScheduleTick.claimed_at < cutoff))).rowcount
        newest = await session.scalar(select(func.max(PolicyChange.seq)))
        if newest is not None:
            counts["policy_changes"] = (
                await session.execute(delete(PolicyChange).where(PolicyChange.at < cutoff, PolicyChange.seq < newest))
            ).rowcount
    if any(counts.values()):
        log.info("trimmed history older than %d days: %s", days, counts)
    return counts


async def _sweep_events(runtime: JobRuntime) -> None:
    actor = runtime.actors["core.handle_events"]
    await sweep_stalled(runtime.database(), runtime.host, lambda ids: actor.send(ids), timeout_seconds=runtime.settings.event_sweep_seconds)


async def _trim_history(runtime: JobRuntime) -> None:
    await trim_history(runtime.database(), runtime.settings.retention_days)


JOBS = [Job("core.sweep_events", _sweep_events, max_retries=0), Job("core.trim_history", _trim_history, max_retries=2)]
SCHEDULES = [
    {"name": "core.event_sweep", "actor": "core.sweep_events", "every_seconds": 30},
    {"name": "core.retention", "actor": "core.trim_history", "cron": "30 3 * * *"},  # every night at 03:30, platform time
]
