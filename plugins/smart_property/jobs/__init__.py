"""smart_property jobs: offline detection (every minute), hourly roll-ups (every hour), raw retention (nightly).

Each runs once per compound where smart_property is on (``for_each_active_compound``), each compound in its own
transaction scoped to it alone.
"""

from __future__ import annotations

from core.jobs.compounds import for_each_active_compound
from core.jobs.runtime import Job
from plugins.smart_property.services import telemetry

MODULE = "smart_property"


async def _detect_offline(runtime) -> int:
    run = await for_each_active_compound(
        runtime.database(),
        MODULE,
        telemetry.detect_offline,
        reason="smart_property: offline detection",
        pending=telemetry.compounds_with_silent_devices,
    )
    return run.total()


async def _roll_up(runtime) -> int:
    run = await for_each_active_compound(runtime.database(), MODULE, telemetry.roll_up, reason="smart_property: hourly roll-ups")
    return run.total()


async def _trim_raw(runtime) -> int:
    run = await for_each_active_compound(runtime.database(), MODULE, telemetry.trim_raw, reason="smart_property: raw telemetry retention")
    return run.total()


detect_offline_job = Job("smart_property.detect_offline", _detect_offline)
roll_up_job = Job("smart_property.roll_up", _roll_up)
trim_raw_job = Job("smart_property.trim_raw", _trim_raw)

ACTORS: list = [detect_offline_job, roll_up_job, trim_raw_job]
SCHEDULES: list[dict] = [
    {"name": "smart_property.detect_offline", "actor": "smart_property.detect_offline", "every_seconds": 60},
    {"name": "smart_property.roll_up", "actor": "smart_property.roll_up", "cron": "5 * * * *"},
    {"name": "smart_property.trim_raw", "actor": "smart_property.trim_raw", "cron": "40 3 * * *"},
]
