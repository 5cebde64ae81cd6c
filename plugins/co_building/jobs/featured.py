"""co_building jobs of the care list: plan each person's visits and flag the missed ones (hourly, idempotent)."""

from __future__ import annotations

import datetime as dt
import logging

from core.db import Scope
from core.jobs.runtime import Job
from plugins.co_building.services.common import active_compounds
from plugins.co_building.services.featured import plan_care_visits

log = logging.getLogger("redprop.co_building.jobs")


async def _plan_care_visits(runtime, today_iso: str | None = None) -> int:
    """Every compound where co_building is on, each in its own transaction so that one compound's failure holds
    back no other; returns the number of visits flagged missed. ``today_iso`` replays a given day (operators, tests)."""
    db = runtime.database()
    async with db.session(Scope.everything("co_building: care visit planning")) as session:
        compounds = await active_compounds(session)
    today = dt.date.fromisoformat(today_iso) if today_iso else None
    missed = 0
    for compound_id in compounds:
        try:
            async with db.transaction(Scope.of([compound_id])) as session:
                missed += len((await plan_care_visits(session, compound_id, today)).missed)
        except Exception:
            log.exception("care visit planning failed for compound %s", compound_id)
    return missed


plan_care_visits_job = Job("co_building.plan_care_visits", _plan_care_visits)

ACTORS: list = [plan_care_visits_job]
SCHEDULES: list[dict] = [{"name": "co_building.care_visits", "actor": "co_building.plan_care_visits", "every_seconds": 3600}]
