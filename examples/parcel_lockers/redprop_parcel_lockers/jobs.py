"""Jobs of parcel_lockers: the overdue notices, run in every compound where the module is on."""

from __future__ import annotations

from core.public import for_each_active_compound, job
from redprop_parcel_lockers.services import MODULE, notify_overdue


@job("parcel_lockers.overdue_notices")
async def overdue_notices(runtime) -> int:
    """Tell residents whose parcels have waited 48 hours (once per parcel); returns the parcels noticed."""
    run = await for_each_active_compound(runtime.database(), MODULE, notify_overdue, reason="parcel_lockers: overdue notices")
    return run.total()


ACTORS: list = [overdue_notices]
SCHEDULES: list[dict] = [{"name": "parcel_lockers.overdue_notices", "actor": "parcel_lockers.overdue_notices", "every_seconds": 900}]
