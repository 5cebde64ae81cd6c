"""co_building jobs: time-limit breaches and escalation (every 5 minutes), closing rated orders (hourly).

Both run once per compound where co_building is on (``for_each_active_compound``), each compound in its own
transaction scoped to it alone; a compound where the module is off is not touched.
"""

from __future__ import annotations

from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.co_building.services import requests as services
from plugins.co_building.services.common import MODULE


async def _mark_breaches(runtime) -> int:
    async def step(session, compound_id) -> int:
        report = await services.mark_breaches(session, [compound_id])
        return report.marked + report.escalated

    run = await for_each_active_compound(
        runtime.database(), MODULE, step, reason="co_building: work-order time limits", pending=services.compounds_with_late_orders
    )
    return run.total()


async def _close_rated(runtime) -> int:
    async def step(session, compound_id) -> int:
        return await services.close_rated(session, compound_id)

    run = await for_each_active_compound(runtime.database(), MODULE, step, reason="co_building: close rated work orders")
    return run.total()


mark_breaches_job = Job("co_building.mark_breaches", _mark_breaches)
close_rated_job = Job("co_building.close_rated", _close_rated)

ACTORS: list = [mark_breaches_job, close_rated_job]
SCHEDULES: list[dict] = [
    {"name": "co_building.mark_breaches", "actor": "co_building.mark_breaches", "every_seconds": 300},
    {"name": "co_building.close_rated", "actor": "co_building.close_rated", "every_seconds": 3600},
]
