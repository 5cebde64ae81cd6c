"""co_building jobs: this month's bills for every compound with fee items (hourly; idempotent, so the 1st is never missed)."""

from __future__ import annotations

from core.access import compound_today
from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.co_building.services import fees as services
from plugins.co_building.services.common import MODULE


async def _generate_bills(runtime) -> int:
    async def step(session, compound_id) -> int:
        return await services.generate_due_bills(session, [compound_id], await compound_today(session, compound_id))

    run = await for_each_active_compound(runtime.database(), MODULE, step, reason="co_building: monthly bills")
    return run.total()


generate_bills_job = Job("co_building.generate_bills", _generate_bills)

ACTORS: list = [generate_bills_job]
SCHEDULES: list[dict] = [{"name": "co_building.generate_bills", "actor": "co_building.generate_bills", "every_seconds": 3600}]
