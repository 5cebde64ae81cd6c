"""co_building jobs of the care list: plan each person's visits and flag the missed ones (hourly, idempotent)."""

from __future__ import annotations

import datetime as dt

from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.co_building.services.common import MODULE
from plugins.co_building.services.featured import plan_care_visits


async def _plan_care_visits(runtime, today_iso: str | None = None) -> int:
    """Every compound where co_building is on, each in its own transaction so that one compound's failure holds
    back no other; returns the number of visits flagged missed. ``today_iso`` replays a given day (operators, tests)."""
    today = dt.date.fromisoformat(today_iso) if today_iso else None

    async def step(session, compound_id) -> int:
        return len((await plan_care_visits(session, compound_id, today)).missed)

    run = await for_each_active_compound(runtime.database(), MODULE, step, reason="co_building: care visit planning")
    return run.total()


plan_care_visits_job = Job("co_building.plan_care_visits", _plan_care_visits)

ACTORS: list = [plan_care_visits_job]
SCHEDULES: list[dict] = [{"name": "co_building.care_visits", "actor": "co_building.plan_care_visits", "every_seconds": 3600}]
