"""co_building jobs: time-limit breaches and escalation (every 5 minutes), closing rated orders (hourly)."""

from __future__ import annotations

from core.db import Scope
from core.jobs.runtime import Job
from plugins.co_building.services import requests as services
from plugins.co_building.services.common import active_compounds


async def _mark_breaches(runtime) -> int:
    async with runtime.database().transaction(Scope.everything("co_building: work-order time limits")) as session:
        compounds = await active_compounds(session)
        report = await services.mark_breaches(session, compounds)
        return report.marked + report.escalated


async def _close_rated(runtime) -> int:
    async with runtime.database().transaction(Scope.everything("co_building: close rated work orders")) as session:
        return await services.close_rated(session)


mark_breaches_job = Job("co_building.mark_breaches", _mark_breaches)
close_rated_job = Job("co_building.close_rated", _close_rated)

ACTORS: list = [mark_breaches_job, close_rated_job]
SCHEDULES: list[dict] = [
    {"name": "co_building.mark_breaches", "actor": "co_building.mark_breaches", "every_seconds": 300},
    {"name": "co_building.close_rated", "actor": "co_building.close_rated", "every_seconds": 3600},
]
