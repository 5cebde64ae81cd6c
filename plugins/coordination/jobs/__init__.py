"""Dramatiq actors and schedules of coordination: time limits, escalation and missed report-ins (every 5 minutes)."""

from __future__ import annotations

from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.coordination.services import cases


async def _check_deadlines(runtime) -> int:
    async def step(session, compound_id):
        report = await cases.check_deadlines(session, compound_id)
        return report.breached + report.escalated + report.missed_report_ins

    run = await for_each_active_compound(
        runtime.database(), cases.MODULE, step, reason="coordination: case time limits", pending=cases.compounds_with_deadlines
    )
    return run.total()


check_deadlines_job = Job("coordination.check_deadlines", _check_deadlines)

ACTORS: list = [check_deadlines_job]
SCHEDULES: list[dict] = [{"name": "coordination.check_deadlines", "actor": "coordination.check_deadlines", "every_seconds": 300}]
