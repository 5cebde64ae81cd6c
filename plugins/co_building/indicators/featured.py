"""co_building dashboard widgets of featured services and the care list: bookings in the coming week, missed care visits."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.co_building.models.featured import CareVisit, ServiceBooking, ServiceSlot
from plugins.co_building.services.featured import LIVE_BOOKINGS, compound_zone

WEEK = 7
MISSED_WINDOW_DAYS = 30


async def upcoming_bookings(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    """Live bookings whose slot starts from today to the end of the next seven days."""
    if not compound_ids:
        return {"value": 0, "unit": "count"}
    zone = await compound_zone(session, compound_ids[0])
    since = dt.datetime.combine(today, dt.time(0), zone).astimezone(dt.UTC)
    count = await session.scalar(
        select(func.count())
        .select_from(ServiceBooking)
        .join(ServiceSlot, (ServiceSlot.compound_id == ServiceBooking.compound_id) & (ServiceSlot.id == ServiceBooking.slot_id))
        .where(
            ServiceBooking.status.in_(LIVE_BOOKINGS),
            ServiceSlot.starts_at >= since,
            ServiceSlot.starts_at < since + dt.timedelta(days=WEEK + 1),
        )
        .execution_options(within=compound_ids)
    )
    return {"value": int(count or 0), "unit": "count"}


async def missed_care_visits(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    """Care visits due in the last 30 days that nobody made."""
    count = (
        await session.scalar(
            select(func.count())
            .select_from(CareVisit)
            .where(CareVisit.status == "missed", CareVisit.due_on >= today - dt.timedelta(days=MISSED_WINDOW_DAYS))
            .execution_options(within=compound_ids)
        )
        if compound_ids
        else 0
    )
    return {"value": int(count or 0), "unit": "count"}


INDICATORS: list[dict] = []
WIDGETS: list[dict] = [
    {
        "code": "co_building.upcoming_bookings",
        "label_zh": "近7日服务预约",
        "label_en": "Bookings in the coming week",
        "scope": "compound",
        "kind": "figure",
        "compute": upcoming_bookings,
    },
    {
        "code": "co_building.care_visits_missed",
        "label_zh": "关爱走访逾期",
        "label_en": "Care visits missed (30 days)",
        "scope": "compound",
        "kind": "figure",
        "compute": missed_care_visits,
    },
    {
        "code": "co_building.district_care_visits_missed",
        "label_zh": "辖区关爱走访逾期",
        "label_en": "Care visits missed in the district (30 days)",
        "scope": "district",
        "kind": "figure",
        "compute": missed_care_visits,
    },
]
