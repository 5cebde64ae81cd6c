"""co_building jobs: close owners' votes whose time has come (every minute) and publish their results."""

from __future__ import annotations

from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.co_building.services import consultation as services
from plugins.co_building.services.common import MODULE


async def _close_due_votes(runtime) -> int:
    async def step(session, compound_id) -> int:
        return await services.close_due_votes(session, [compound_id])

    run = await for_each_active_compound(
        runtime.database(), MODULE, step, reason="co_building: close owners' votes", pending=services.compounds_with_due_votes
    )
    return run.total()


close_due_votes_job = Job("co_building.close_due_votes", _close_due_votes)

ACTORS: list = [close_due_votes_job]
SCHEDULES: list[dict] = [{"name": "co_building.close_due_votes", "actor": "co_building.close_due_votes", "every_seconds": 60}]
