"""co_building jobs: close owners' votes whose time has come (every minute) and publish their results."""

from __future__ import annotations

from core.db import Scope
from core.jobs.runtime import Job
from plugins.co_building.services import consultation as services
from plugins.co_building.services.common import active_compounds


async def _close_due_votes(runtime) -> int:
    async with runtime.database().transaction(Scope.everything("co_building: close owners' votes")) as session:
        return await services.close_due_votes(session, await active_compounds(session))


close_due_votes_job = Job("co_building.close_due_votes", _close_due_votes)

ACTORS: list = [close_due_votes_job]
SCHEDULES: list[dict] = [{"name": "co_building.close_due_votes", "actor": "co_building.close_due_votes", "every_seconds": 60}]
