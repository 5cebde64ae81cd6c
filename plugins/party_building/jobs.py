"""Dramatiq actors and schedules of party_building: missed required meetings and overdue action items.

Both jobs are idempotent (a flagged period and a notified item are recorded),
run over every compound where the module is on, and skip the others.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, Scope
from core.jobs.runtime import Job, job
from plugins.party_building import services
from tenants.access import module_status
from tenants.models import Compound

log = logging.getLogger("redprop.party_building")

MODULE = "party_building"


async def for_each_compound(
    db: Database, step: Callable[[AsyncSession, uuid.UUID], Awaitable[list[Any]]], compound_ids: list[uuid.UUID] | None = None
) -> int:
    """Run ``step`` for each compound where the module is on, one transaction per compound; returns the rows it touched."""
    async with db.session(Scope.everything("party_building jobs")) as session:
        ids = compound_ids or list((await session.scalars(select(Compound.id).order_by(Compound.id))).all())
    touched = 0
    for compound_id in ids:
        async with db.transaction(Scope.of([compound_id])) as session:
            if not (await module_status(session, compound_id, MODULE))[0]:
                continue
            touched += len(await step(session, compound_id))
    return touched


async def flag_missed_meetings(db: Database, compound_ids: list[uuid.UUID] | None = None) -> int:
    """Compounds that held fewer required meetings than their district asks (e.g. a monthly joint meeting)."""
    flagged = await for_each_compound(db, services.flag_missed_meetings, compound_ids)
    if flagged:
        log.info("flagged %d missed meeting period(s)", flagged)
    return flagged


async def flag_overdue_action_items(db: Database, compound_ids: list[uuid.UUID] | None = None) -> int:
    """Open action items past their due date: their owners are told once and the item counts against them."""
    flagged = await for_each_compound(db, services.flag_overdue_action_items, compound_ids)
    if flagged:
        log.info("flagged %d overdue action item(s)", flagged)
    return flagged


@job("party_building.flag_missed_meetings")
async def missed_meetings_job(runtime) -> None:
    await flag_missed_meetings(runtime.database())


@job("party_building.flag_overdue_action_items")
async def overdue_action_items_job(runtime) -> None:
    await flag_overdue_action_items(runtime.database())


ACTORS: list[Job] = [missed_meetings_job, overdue_action_items_job]
SCHEDULES: list[dict] = [
    {"name": "party_building.missed_meetings", "actor": "party_building.flag_missed_meetings", "every_seconds": 3600},
    {"name": "party_building.overdue_action_items", "actor": "party_building.flag_overdue_action_items", "every_seconds": 3600},
]
