"""co_building jobs: this month's bills for every compound with fee items (hourly; idempotent, so the 1st is never missed)."""

from __future__ import annotations

from core.clock import now
from core.db import Scope
from core.jobs.runtime import Job
from plugins.co_building.services import fees as services
from plugins.co_building.services.common import active_compounds


async def _generate_bills(runtime) -> int:
    async with runtime.database().transaction(Scope.everything("co_building: monthly bills")) as session:
        return await services.generate_due_bills(session, await active_compounds(session), now().date())


generate_bills_job = Job("co_building.generate_bills", _generate_bills)

ACTORS: list = [generate_bills_job]
SCHEDULES: list[dict] = [{"name": "co_building.generate_bills", "actor": "co_building.generate_bills", "every_seconds": 3600}]
