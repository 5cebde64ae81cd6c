"""Dramatiq actors and schedules of party_building: missed required meetings and overdue action items.

Both jobs are idempotent (a flagged period and a notified item are recorded),
run over every compound where the module is on, and skip the others.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job, job
from plugins.party_building import services

log = logging.getLogger("redprop.party_building")

MODULE = "party_building"


async def _over_compounds(
    db: Database,
    step: Callable[[AsyncSession, uuid.UUID], Awaitable[list[Any]]],
    reason: str,
    compound_ids: Collection[uuid.UUID] | None = None,
) -> int:
    """Run ``step`` in each compound where the module is on (``core.jobs.compounds``; ``compound_ids`` narrows
    the run, e.g. for a test or an operator's re-run); returns how many rows it flagged."""

    async def one(session: AsyncSession, compound_id: uuid.UUID) -> int:
        if compound_ids is not None and compound_id not in compound_ids:
            return 0
        return len(await step(session, compound_id))

    return (await for_each_active_compound(db, MODULE, one, reason=reason)).total()


async def flag_missed_meetings(db: Database, compound_ids: Collection[uuid.UUID] | None = None) -> int:
    """Compounds that held fewer required meetings than their district asks (e.g. a monthly joint meeting)."""
    flagged = await _over_compounds(db, services.flag_missed_meetings, "party_building: missed meetings", compound_ids)
    if flagged:
        log.info("flagged %d missed meeting period(s)", flagged)
    return flagged


async def flag_overdue_action_items(db: Database, compound_ids: Collection[uuid.UUID] | None = None) -> int:
    """Open action items past their due date: their owners are told once and the item counts against them."""
    flagged = await _over_compounds(db, services.flag_overdue_action_items, "party_building: overdue action items", compound_ids)
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
