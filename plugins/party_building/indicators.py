"""Evaluation indicators (for the quality plugin) and dashboard widgets (数据大屏) party_building contributes.

Every figure is an exact ``Decimal`` (percentages as 0–100) or ``None`` when the
period has nothing to measure; the contracts are in docs/plugin-hooks.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.party_building import models as m
from plugins.party_building import services
from tenants.models import Compound


async def organisation_coverage(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """两个覆盖: the compound has a compound or joint branch, and its operator has a branch."""
    return await services.compound_coverage(session, compound_id)


async def joint_meetings(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Joint meetings held against those the district requires in the period (capped at 100 %)."""
    required = (await services.required_kinds(session, compound_id)).get("joint")
    if required is None:
        return None
    period, minimum = required
    wanted = minimum * services.periods_in(start, end, period)
    held = await services.meetings_held(session, compound_id, "joint", start, end, await services.zone_of(session, compound_id))
    return services.percent(min(held, wanted), wanted)


async def action_items_on_time(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Of the action items due in the period, those closed by their due date; an item still open past it counts as late."""
    today = await services.local_today(session, compound_id)
    items = (
        await session.scalars(
            select(m.ActionItem).where(
                m.ActionItem.compound_id == compound_id,
                m.ActionItem.status != "cancelled",
                m.ActionItem.due_on >= start,
                m.ActionItem.due_on < end,
                or_(m.ActionItem.status == "closed", m.ActionItem.due_on < today),
            )
        )
    ).all()
    return services.percent(sum(1 for i in items if i.closed_on_time), len(items))


async def committee_party_share(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Owners' committee members who are party members, on the period's last day."""
    return (await services.cross_appointment(session, compound_id, end - dt.timedelta(days=1))).committee_party_share


async def study_hours(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Study hours per current party member in the period."""
    return await services.study_hours_per_member(session, compound_id, start, end)


INDICATORS: list[dict] = [
    {
        "code": "party_building.organisation_coverage",
        "label_zh": "党组织覆盖率",
        "label_en": "Party organisation coverage",
        "unit": "%",
        "target": Decimal("100"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": organisation_coverage,
    },
    {
        "code": "party_building.joint_meetings",
        "label_zh": "联席会议召开率",
        "label_en": "Joint meetings held / required",
        "unit": "%",
        "target": Decimal("100"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": joint_meetings,
    },
    {
        "code": "party_building.action_items_on_time",
        "label_zh": "决议事项按时办结率",
        "label_en": "Action items closed on time",
        "unit": "%",
        "target": Decimal("90"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": action_items_on_time,
    },
    {
        "code": "party_building.committee_party_share",
        "label_zh": "业委会党员占比",
        "label_en": "Owners' committee party-member share",
        "unit": "%",
        "target": Decimal("50"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "compute": committee_party_share,
    },
    {
        "code": "party_building.study_hours",
        "label_zh": "党员人均学习时长",
        "label_en": "Study hours per member",
        "unit": "h",
        "target": Decimal("32"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "compute": study_hours,
    },
]


# --------------------------------------------------------------------------- dashboard widgets


async def coverage_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    row = await services.coverage_of(session, compound_ids)
    return {"value": row.coverage, "unit": "%"}


async def _count_items(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date, *, overdue: bool) -> int:
    stmt = select(func.count()).select_from(m.ActionItem).where(m.ActionItem.compound_id.in_(compound_ids), m.ActionItem.status == "open")
    if overdue:
        stmt = stmt.where(m.ActionItem.due_on < today)
    return int(await session.scalar(stmt) or 0)


async def open_items_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    return {"value": Decimal(await _count_items(session, compound_ids, today, overdue=False)), "unit": "count"}


async def overdue_items_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    return {"value": Decimal(await _count_items(session, compound_ids, today, overdue=True)), "unit": "count"}


async def items_by_compound_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    """Open action items per compound, most first."""
    rows = (
        await session.execute(
            select(Compound.name, func.count(m.ActionItem.id))
            .join(m.ActionItem, m.ActionItem.compound_id == Compound.id)
            .where(Compound.id.in_(compound_ids), m.ActionItem.status == "open")
            .group_by(Compound.name)
            .order_by(func.count(m.ActionItem.id).desc(), Compound.name)
        )
    ).all()
    return {"series": [[name, Decimal(n)] for name, n in rows], "unit": "count"}


DASHBOARD_WIDGETS: list[dict] = [
    {
        "code": "party_building.coverage",
        "label_zh": "党组织覆盖率",
        "label_en": "Party organisation coverage",
        "scope": "district",
        "kind": "figure",
        "compute": coverage_widget,
    },
    {
        "code": "party_building.open_action_items",
        "label_zh": "未办结决议事项",
        "label_en": "Open action items",
        "scope": "compound",
        "kind": "figure",
        "compute": open_items_widget,
    },
    {
        "code": "party_building.overdue_action_items",
        "label_zh": "逾期决议事项",
        "label_en": "Overdue action items",
        "scope": "compound",
        "kind": "figure",
        "compute": overdue_items_widget,
    },
    {
        "code": "party_building.open_action_items_by_compound",
        "label_zh": "各小区未办结事项",
        "label_en": "Open action items by compound",
        "scope": "district",
        "kind": "bars",
        "compute": items_by_compound_widget,
    },
]
