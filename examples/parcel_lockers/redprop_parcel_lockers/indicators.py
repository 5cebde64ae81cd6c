"""The indicator parcel_lockers contributes to evaluation: parcels picked up within 48 hours (快递 48 小时取件率)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.public import compound_zone, now
from redprop_parcel_lockers.models import Parcel
from redprop_parcel_lockers.services import OVERDUE_AFTER

CENT = Decimal("0.01")


async def picked_up_within_48h(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Of the parcels checked in on the compound's local days [start, end) whose 48 hours are over or that were
    picked up, the share (%) picked up within 48 hours; None when there is none yet."""
    zone = ZoneInfo(await compound_zone(session, compound_id))
    lo, hi = (dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC) for day in (start, end))
    moment = now()
    rows = (
        await session.execute(
            select(Parcel.checked_in_at, Parcel.picked_up_at).where(
                Parcel.compound_id == compound_id, Parcel.checked_in_at >= lo, Parcel.checked_in_at < hi
            )
        )
    ).all()
    decided = [(checked_in, picked_up) for checked_in, picked_up in rows if picked_up is not None or checked_in + OVERDUE_AFTER <= moment]
    if not decided:
        return None
    on_time = sum(1 for checked_in, picked_up in decided if picked_up is not None and picked_up - checked_in <= OVERDUE_AFTER)
    return (Decimal(on_time) * 100 / Decimal(len(decided))).quantize(CENT, rounding=ROUND_HALF_UP)


INDICATORS: list[dict] = [
    {
        "code": "parcel_lockers.picked_up_within_48h",
        "label_zh": "快递48小时取件率",
        "label_en": "Parcels picked up within 48 h",
        "unit": "%",
        "target": Decimal("90"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "compute": picked_up_within_48h,
    }
]
