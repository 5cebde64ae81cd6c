"""What the parts of party_building share: the module's words, percentages, periods and the compound's day."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import (
    compound_today,
    compound_zone,
    tenant_today,  # noqa: F401  (the district routes have no compound to ask)
)
from core.authz.holders import holders
from core.identity.models import Membership, User
from plugins.party_building import schemas as s

LABEL_ZH = "党建引领"
LABEL_EN = "Party-building leadership"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
LEVEL_RANK = {"community": 0, "branch": 1, "group": 2}
DEFAULT_REQUIREMENTS = {
    "joint": ("month", 1),
    "branch_committee": ("month", 1),
    "branch_assembly": ("quarter", 1),
    "group_meeting": ("month", 1),
    "party_lesson": ("quarter", 1),
    "theme_day": ("month", 1),
}
"""Used where the district has not set its own (联席会议 monthly; 三会一课 as the party's rules have them)."""
BRANCH_MEETING_KINDS = ("branch_committee", "branch_assembly", "party_lesson", "theme_day")
KIND_ZH = {
    "joint": "红色物业联席会议",
    "branch_assembly": "党员大会",
    "branch_committee": "支委会",
    "group_meeting": "党小组会",
    "party_lesson": "党课",
    "theme_day": "主题党日",
}


def overview(compound_id: uuid.UUID) -> s.ModuleOverview:
    return s.ModuleOverview(module="party_building", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` of ``whole`` in %, two decimals, exact; None when there is nothing to measure."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- time


async def zone_of(session: AsyncSession, compound_id: uuid.UUID) -> ZoneInfo:
    """The compound's time zone (``core.access.compound_zone``): where its days, months and deadlines are counted."""
    return ZoneInfo(await compound_zone(session, compound_id))


async def local_today(session: AsyncSession, compound_id: uuid.UUID) -> dt.date:
    """Today where the compound is (``core.access.compound_today``)."""
    return await compound_today(session, compound_id)


def given(data: Any) -> list[str]:
    """Fields a patch sets (msgspec leaves the others at their None default)."""
    return [f for f in data.__struct_fields__ if getattr(data, f) is not None]


async def user_names(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Active users' display names by id, in name order."""
    if not user_ids:
        return {}
    return dict(
        (
            await session.execute(
                select(User.id, User.display_name).where(User.id.in_(user_ids), User.is_active.is_(True)).order_by(User.display_name)
            )
        ).all()
    )


async def tenant_holders(session: AsyncSession, obj: str, act: str, compound_id: uuid.UUID, tenant_id: uuid.UUID | None) -> list[uuid.UUID]:
    """Users of ``tenant_id`` holding ``act`` on ``obj`` for the compound (``core.authz.holders``): whom to notify on its behalf."""
    if tenant_id is None:
        return []
    found = await holders(session, obj, act, compound_id, tenant_ids=[tenant_id])
    if not found:
        return []
    members = (
        await session.scalars(select(Membership.user_id).where(Membership.tenant_id == tenant_id, Membership.user_id.in_(found)))
    ).all()
    return sorted(set(members))


def period_bounds(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The month, quarter or year containing ``day``: ``[start, end)``."""
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif period == "year":
        start = dt.date(day.year, 1, 1)
    else:
        raise ValueError(f"unknown period {period!r}")
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    year, month = divmod(start.month - 1 + months, 12)
    return start, dt.date(start.year + year, month + 1, 1)


def period_label(day: dt.date, period: str) -> str:
    """``2026-11``, ``2026-Q4``, ``2026`` or ``once``."""
    if period == "month":
        return f"{day:%Y-%m}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return str(day.year)
    return "once"


def periods_in(start: dt.date, end: dt.date, period: str) -> int:
    """How many whole or partial periods ``[start, end)`` touches."""
    count, day = 0, start
    while day < end:
        count += 1
        day = period_bounds(day, period)[1]
    return count


def local_datetime(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A time given without an offset (a console form) is read in the tenant's time zone; stored in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)
