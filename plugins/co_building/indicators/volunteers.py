"""co_building indicators and dashboard widgets of red volunteers: hours served per 100 households, hours this month."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from plugins.co_building.services.featured import compound_zone
from plugins.co_building.services.volunteers import households, period, total_hours

HUNDREDTH = Decimal("0.01")


async def volunteer_hours_per_100_households(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Hours volunteers served in the compound in the period (by check-out), per 100 households; None without households."""
    homes = await households(session, compound_id)
    if not homes:
        return None
    since, until = period(await compound_zone(session, compound_id), start, end)
    hours = await total_hours(session, [compound_id], since, until)
    return (hours * 100 / homes).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


async def volunteer_hours_this_month(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    """Hours served since the first of ``today``'s month, over the given compounds."""
    if not compound_ids:
        return {"value": Decimal("0.00"), "unit": "h"}
    first = today.replace(day=1)
    since, until = period(await compound_zone(session, compound_ids[0]), first, today + dt.timedelta(days=1))
    return {"value": await total_hours(session, compound_ids, since, until), "unit": "h"}


INDICATORS: list[dict] = [
    {
        "code": "co_building.volunteer_hours_per_100_households",
        "label_zh": "每百户志愿服务时长",
        "label_en": "Volunteer hours per 100 households",
        "unit": "h",
        "target": Decimal("50"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "compute": volunteer_hours_per_100_households,
    },
]
WIDGETS: list[dict] = [
    {
        "code": "co_building.volunteer_hours_month",
        "label_zh": "本月志愿服务时长",
        "label_en": "Volunteer hours this month",
        "scope": "compound",
        "kind": "figure",
        "compute": volunteer_hours_this_month,
    },
    {
        "code": "co_building.district_volunteer_hours_month",
        "label_zh": "辖区本月志愿服务时长",
        "label_en": "Volunteer hours this month (district)",
        "scope": "district",
        "kind": "figure",
        "compute": volunteer_hours_this_month,
    },
]
