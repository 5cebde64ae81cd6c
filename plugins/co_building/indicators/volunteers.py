"""co_building indicators and dashboard widgets of red volunteers: hours served per 100 households, hours this month."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.figures import zone_windows
from plugins.co_building.models.volunteers import ActivitySignup
from plugins.co_building.services.featured import compound_zone
from plugins.co_building.services.volunteers import households, period, total_hours
from tenants.models import Household

HUNDREDTH = Decimal("0.01")


async def volunteer_hours_per_100_households(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Hours volunteers served in the compound in the period (by check-out), per 100 households; None without households."""
    homes = await households(session, compound_id)
    if not homes:
        return None
    since, until = period(await compound_zone(session, compound_id), start, end)
    hours = await total_hours(session, [compound_id], since, until)
    return (hours * 100 / homes).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


async def volunteer_hours_per_100_households_many(
    session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date
) -> dict[uuid.UUID, Decimal]:
    """The bulk form (an evaluation period): households counted in one statement, hours read in one per time zone."""
    homes = dict(
        (
            await session.execute(
                select(Household.compound_id, func.count()).where(Household.compound_id.in_(compound_ids)).group_by(Household.compound_id)
            )
        ).all()
    )
    housed = [c for c in compound_ids if homes.get(c)]
    hours = {c: Decimal("0.00") for c in housed}
    for lo, hi, ids in await zone_windows(session, housed, start, end) if housed else []:
        rows = await session.execute(
            select(ActivitySignup.compound_id, ActivitySignup.hours).where(
                ActivitySignup.compound_id.in_(ids),
                ActivitySignup.status == "checked_out",
                ActivitySignup.checked_out_at >= lo,
                ActivitySignup.checked_out_at < hi,
            )
        )
        for c, served in rows.all():  # summed in Python, exact (hours are text on SQLite), as total_hours does
            hours[c] += served or Decimal("0.00")
    return {c: (hours[c] * 100 / homes[c]).quantize(HUNDREDTH, rounding=ROUND_HALF_UP) for c in housed}


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
        "compute_many": volunteer_hours_per_100_households_many,
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
