"""Evaluation indicators (for the quality plugin) and dashboard widgets (数据大屏) party_building contributes.

Every figure is an exact ``Decimal`` (percentages as 0–100) or ``None`` when the
period has nothing to measure; the contracts are in docs/plugin-hooks.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.clock import now
from core.plugins.figures import zone_windows
from core.settings import get_settings
from plugins.party_building import models as m
from plugins.party_building import services
from plugins.party_building.services.common import DEFAULT_REQUIREMENTS
from tenants.models import CommitteeMember, Compound, OwnersCommittee


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


# --------------------------------------------------------------------------- bulk forms (an evaluation period)
# Each gives, for many compounds in a few statements, exactly what the per-compound form above gives for each.


async def organisation_coverage_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    operator_of = dict((await session.execute(select(Compound.id, Compound.operator_tenant_id).where(Compound.id.in_(compound_ids)))).all())
    branched = set(
        (
            await session.scalars(
                select(m.OrganisationCoverage.compound_id)
                .join(m.PartyOrganisation, m.PartyOrganisation.id == m.OrganisationCoverage.organisation_id)
                .where(
                    m.OrganisationCoverage.building_id.is_(None),
                    m.PartyOrganisation.kind.in_(m.BRANCH_KINDS),
                    m.PartyOrganisation.dissolved_on.is_(None),
                )
                .execution_options(within=compound_ids)
            )
        ).all()
    )
    operators = {t for t in operator_of.values() if t}
    with_branch = (
        set(
            (
                await session.scalars(
                    select(m.PartyOrganisation.enterprise_tenant_id).where(
                        m.PartyOrganisation.kind == "enterprise_branch",
                        m.PartyOrganisation.enterprise_tenant_id.in_(operators),
                        m.PartyOrganisation.dissolved_on.is_(None),
                    )
                )
            ).all()
        )
        if operators
        else set()
    )
    return {c: services.percent(int(c in branched) + int(op in with_branch), 1 + int(op is not None)) for c, op in operator_of.items()}


async def joint_meetings_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    district_of = dict((await session.execute(select(Compound.id, Compound.district_tenant_id).where(Compound.id.in_(compound_ids)))).all())
    districts = {d for d in district_of.values() if d}
    required: dict[uuid.UUID | None, tuple[str, int] | None] = {d: DEFAULT_REQUIREMENTS.get("joint") for d in (*districts, None)}
    if districts:
        for row in (
            await session.scalars(
                select(m.MeetingRequirement).where(m.MeetingRequirement.tenant_id.in_(districts), m.MeetingRequirement.kind == "joint")
            )
        ).all():
            required[row.tenant_id] = (row.period, row.minimum)
    wanted = {}
    for c, d in district_of.items():
        found = required[d if d else None]
        if found is not None and found[1] > 0:
            wanted[c] = found[1] * services.periods_in(start, end, found[0])
    held: dict[uuid.UUID, int] = {}
    for lo, hi, ids in await zone_windows(session, list(wanted), start, end) if wanted else []:
        held.update(
            (
                await session.execute(
                    select(m.Meeting.compound_id, func.count())
                    .where(
                        m.Meeting.compound_id.in_(ids),
                        m.Meeting.kind == "joint",
                        m.Meeting.status == "held",
                        m.Meeting.held_at >= lo,
                        m.Meeting.held_at < hi,
                    )
                    .group_by(m.Meeting.compound_id)
                )
            ).all()
        )
    return {c: services.percent(min(int(held.get(c, 0)), n), n) for c, n in wanted.items()}


async def action_items_on_time_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    zones = await rules().compound_zones(session, compound_ids)
    moment, default = now(), get_settings().default_timezone
    today = {c: moment.astimezone(ZoneInfo(zones.get(c) or default)).date() for c in compound_ids}
    rows = (
        await session.execute(
            select(m.ActionItem.compound_id, m.ActionItem.status, m.ActionItem.due_on, m.ActionItem.closed_on_time)
            .where(m.ActionItem.status != "cancelled", m.ActionItem.due_on >= start, m.ActionItem.due_on < end)
            .execution_options(within=compound_ids)
        )
    ).all()
    counted: dict[uuid.UUID, list[int]] = {c: [0, 0] for c in compound_ids}  # [on time, due]
    for c, status, due_on, on_time in rows:
        if status == "closed" or due_on < today[c]:
            counted[c][0] += int(bool(on_time))
            counted[c][1] += 1
    return {c: services.percent(kept, due) for c, (kept, due) in counted.items()}


async def committee_party_share_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    day = end - dt.timedelta(days=1)
    existing = set((await session.scalars(select(Compound.id).where(Compound.id.in_(compound_ids)))).all())
    committee = (
        await session.execute(
            select(CommitteeMember.compound_id, CommitteeMember.resident_id, CommitteeMember.user_id)
            .join(
                OwnersCommittee,
                (OwnersCommittee.compound_id == CommitteeMember.compound_id) & (OwnersCommittee.id == CommitteeMember.committee_id),
            )
            .where(
                OwnersCommittee.term_start <= day,
                OwnersCommittee.term_end >= day,
                CommitteeMember.term_start <= day,
                CommitteeMember.term_end >= day,
            )
            .execution_options(within=compound_ids)
        )
    ).all()
    residents: dict[uuid.UUID, set] = {c: set() for c in existing}
    users: dict[uuid.UUID, set] = {c: set() for c in existing}
    for c, resident_id, user_id in (
        await session.execute(
            select(m.PartyMember.compound_id, m.PartyMember.resident_id, m.PartyMember.user_id)
            .where(m.PartyMember.left_on.is_(None))
            .execution_options(within=compound_ids)
        )
    ).all():
        if resident_id is not None:
            residents[c].add(resident_id)
        if user_id is not None:
            users[c].add(user_id)
    counted: dict[uuid.UUID, list[int]] = {c: [0, 0] for c in existing}  # [party members on the committee, committee]
    for c, resident_id, user_id in committee:
        counted[c][0] += int(resident_id in residents[c] or user_id in users[c])
        counted[c][1] += 1
    return {c: services.percent(party, whole) for c, (party, whole) in counted.items()}


async def study_hours_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    members = dict(
        (
            await session.execute(
                select(m.PartyMember.compound_id, func.count())
                .where(m.PartyMember.left_on.is_(None))
                .execution_options(within=compound_ids)
                .group_by(m.PartyMember.compound_id)
            )
        ).all()
    )
    hours = {c: Decimal(0) for c, n in members.items() if n}
    rows = await session.execute(
        select(m.StudyAttendance.compound_id, m.StudyAttendance.hours)
        .join(
            m.StudySession,
            (m.StudySession.compound_id == m.StudyAttendance.compound_id) & (m.StudySession.id == m.StudyAttendance.session_id),
        )
        .where(m.StudyAttendance.compound_id.in_(list(hours)), m.StudySession.held_on >= start, m.StudySession.held_on < end)
    )
    for c, served in rows.all():  # summed in Python, exact, as study_hours_per_member does
        hours[c] += served
    return {c: (total / members[c]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) for c, total in hours.items()}


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
        "compute_many": organisation_coverage_many,
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
        "compute_many": joint_meetings_many,
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
        "compute_many": action_items_on_time_many,
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
        "compute_many": committee_party_share_many,
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
        "compute_many": study_hours_many,
    },
]


# --------------------------------------------------------------------------- dashboard widgets


async def coverage_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    row = await services.coverage_of(session, compound_ids)
    return {"value": row.coverage, "unit": "%"}


async def _count_items(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date, *, overdue: bool) -> int:
    stmt = select(func.count()).select_from(m.ActionItem).where(m.ActionItem.status == "open").execution_options(within=compound_ids)
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
