"""Joint and branch meetings, their resolutions and action items; the jobs' rules (missed meetings, overdue items)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.context import RequestContext
from core.events.services import emit
from core.identity.models import Membership, User
from core.notifications.services import notify
from core.problems import Problem, invalid, not_found
from core.states import StateMachine
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    BRANCH_MEETING_KINDS,
    KIND_ZH,
    local_datetime,
    local_today,
    period_bounds,
    period_label,
    tenant_holders,
    user_names,
    zone_of,
)
from plugins.party_building.services.cross_appointment import current_committee_members
from plugins.party_building.services.members import (
    serving_organisation,
)
from plugins.party_building.services.organisations import (
    covers,
    organisations_serving,
)
from plugins.party_building.services.targets import requirements
from tenants.models import Compound, Department, Tenant

# --------------------------------------------------------------------------- meetings


async def _meeting(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID) -> m.Meeting:
    row = await session.get(m.Meeting, (compound_id, meeting_id))
    if row is None:
        raise not_found("meeting")
    return row


MEETING = StateMachine(
    "meeting",
    {
        "planned": {"invite": "planned", "sign_in": "planned", "hold": "held", "cancel": "cancelled"},
        "held": {"sign_in": "held", "resolve": "held"},
        "cancelled": {},
    },
)
"""A meeting is planned, then held (its minutes recorded; resolutions may follow) or cancelled."""
ACTION_ITEM = StateMachine("action item", {"open": {"close": "closed", "cancel": "cancelled"}, "closed": {}, "cancelled": {}})
"""An action item is open until its owner closes it with evidence, or whoever keeps the meetings cancels it."""


async def create_meeting(ctx: RequestContext, compound_id: uuid.UUID, data: s.MeetingIn) -> m.Meeting:
    """Schedule a joint or branch meeting, list whom it invites and send them the invitation."""
    session = ctx.session
    zone = await zone_of(session, compound_id)
    scheduled = local_datetime(data.scheduled_at, zone)
    org = None
    if data.organisation_id is not None:
        org = await serving_organisation(session, compound_id, data.organisation_id, "organisation_id")
    elif data.kind != "joint":
        raise invalid("organisation_id", "a branch meeting (三会一课, 主题党日) belongs to a party organisation")
    compound = await session.get(Compound, compound_id)
    departments = []
    for dept_id in dict.fromkeys(data.departments):
        dept = await session.get(Department, dept_id)
        if dept is None or dept.tenant_id != compound.district_tenant_id:  # type: ignore[union-attr]
            raise invalid("departments", "not a department of this compound's district")
        departments.append(dept)
    for attendee in data.attendees:
        if attendee.user_id is not None and await session.get(User, attendee.user_id) is None:
            raise invalid("attendees", f"no user {attendee.user_id}")
    meeting = m.Meeting(
        compound_id=compound_id,
        kind=data.kind,
        title=data.title,
        organisation_id=org.id if org else None,
        scheduled_at=scheduled,
        location=data.location,
        agenda=data.agenda,
        status="planned",
        sign_in_code=secrets.token_urlsafe(18),
        created_by=ctx.user_id,
    )
    session.add(meeting)
    await session.flush()
    invitees: list[tuple[str, str, uuid.UUID | None]] = [("party", ctx.display_name, ctx.user_id)]
    invitees += [(a.side, a.name, a.user_id) for a in data.attendees]
    if data.kind == "joint":
        if data.invite_committee:
            invitees += [
                ("committee", cm.name, cm.user_id)
                for cm in await current_committee_members(session, compound_id, scheduled.astimezone(zone).date())
            ]
        if data.invite_property and compound.operator_tenant_id:  # type: ignore[union-attr]
            names = await user_names(
                session, await tenant_holders(session, "party_building.action_item", "write", compound_id, compound.operator_tenant_id)
            )  # type: ignore[union-attr]
            invitees += [("property", name, uid) for uid, name in names.items()]
        for dept in departments:
            people = (await session.scalars(select(Membership.user_id).where(Membership.department_id == dept.id))).all()
            names = await user_names(session, list(people))
            invitees += [("department", f"{dept.name} {name}", uid) for uid, name in names.items()] or [("department", dept.name, None)]
    seen: set[Any] = set()
    for side, name, user_id in invitees:
        key = user_id or (side, name)
        if key in seen:
            continue
        seen.add(key)
        session.add(
            m.MeetingAttendee(compound_id=compound_id, meeting_id=meeting.id, side=side, name=name[:100], user_id=user_id, invited=True)
        )
    await session.flush()
    to_invite = [uid for _, _, uid in invitees if uid and uid != ctx.user_id]
    local = scheduled.astimezone(zone)
    await notify(
        session,
        to_invite,
        "party_building.meeting_invitation",
        f"会议邀请：{data.title}",
        f"{KIND_ZH[data.kind]}「{data.title}」定于 {local:%Y-%m-%d %H:%M} 在{data.location or '（地点待定）'}召开。议程：{data.agenda[:500]}",
        link=f"/console/compounds/{compound_id}/party_building/meetings/{meeting.id}",
        compound_id=compound_id,
    )
    emit(
        session,
        "party_building.meeting.scheduled",
        {"meeting_id": str(meeting.id), "kind": data.kind, "title": data.title, "scheduled_at": scheduled.isoformat()},
        compound_id=compound_id,
    )
    return meeting


async def add_attendee(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.AttendeeIn) -> m.MeetingAttendee:
    meeting = await _meeting(session, compound_id, meeting_id)
    MEETING.next(meeting.status, "invite")
    if data.user_id is not None and await session.get(User, data.user_id) is None:
        raise invalid("user_id", "no such user")
    row = m.MeetingAttendee(
        compound_id=compound_id, meeting_id=meeting.id, side=data.side, name=data.name, user_id=data.user_id, invited=True
    )
    session.add(row)
    await session.flush()
    if data.user_id:
        await notify(
            session,
            [data.user_id],
            "party_building.meeting_invitation",
            f"会议邀请：{meeting.title}",
            f"{KIND_ZH[meeting.kind]}「{meeting.title}」",
            link=f"/console/compounds/{compound_id}/party_building/meetings/{meeting.id}",
            compound_id=compound_id,
        )
    return row


async def _side_of(ctx: RequestContext, compound_id: uuid.UUID) -> str:
    """The side a walk-in signs in for: the compound's property company, its district (the party side), or a member."""
    compound = await ctx.session.get(Compound, compound_id)
    if compound is not None and ctx.tenant_id is not None:
        if ctx.tenant_id == compound.operator_tenant_id:
            return "property"
        if ctx.tenant_id == compound.district_tenant_id:
            return "party"
    return "member"


async def sign_in_by_code(ctx: RequestContext, compound_id: uuid.UUID, meeting_id: uuid.UUID, code: str) -> m.MeetingAttendee:
    """Sign in by scanning the meeting's QR code: the code proves presence, the login says who."""
    session = ctx.session
    meeting = await _meeting(session, compound_id, meeting_id)
    if not hmac.compare_digest(meeting.sign_in_code.encode(), code.encode()):
        raise invalid("code", "this is not the meeting's sign-in code")
    MEETING.next(meeting.status, "sign_in")
    row = await session.scalar(
        select(m.MeetingAttendee).where(
            m.MeetingAttendee.compound_id == compound_id,
            m.MeetingAttendee.meeting_id == meeting.id,
            m.MeetingAttendee.user_id == ctx.user_id,
        )
    )
    if row is None:
        row = m.MeetingAttendee(
            compound_id=compound_id,
            meeting_id=meeting.id,
            side=await _side_of(ctx, compound_id),
            name=ctx.display_name,
            user_id=ctx.user_id,
            invited=False,
        )
        session.add(row)
    if row.signed_in_at is None:
        row.signed_in_at, row.sign_in_method = now(), "qr"
    await session.flush()
    return row


async def sign_in_by_staff(
    session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, attendee_id: uuid.UUID
) -> m.MeetingAttendee:
    """Whoever keeps the list signs an attendee in (no phone at hand)."""
    meeting = await _meeting(session, compound_id, meeting_id)
    MEETING.next(meeting.status, "sign_in")
    row = await session.get(m.MeetingAttendee, (compound_id, attendee_id))
    if row is None or row.meeting_id != meeting.id:
        raise invalid("attendee_id", "not an attendee of this meeting")
    if row.signed_in_at is None:
        row.signed_in_at, row.sign_in_method = now(), "staff"
    await session.flush()
    return row


async def cancel_meeting(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID) -> m.Meeting:
    meeting = await _meeting(session, compound_id, meeting_id)
    meeting.status = MEETING.next(meeting.status, "cancel")
    await session.flush()
    return meeting


@dataclass
class _Owner:
    kind: str
    name: str
    user_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None


async def _resolve_owner(session: AsyncSession, compound: Compound, item: s.ActionItemIn, field: str) -> _Owner:
    """Who owns an action item: a person, the property company, the owners' committee, a party organisation or a department."""
    user_name = None
    if item.owner_user_id is not None:
        user = await session.get(User, item.owner_user_id)
        if user is None:
            raise invalid(f"{field}.owner_user_id", "no such user")
        user_name = user.display_name
    if item.owner_kind == "person":
        if not (user_name or item.owner_name):
            raise invalid(f"{field}.owner_name", "name the person, or choose their account")
        return _Owner("person", item.owner_name or user_name or "", item.owner_user_id)
    if item.owner_kind == "property_company":
        if compound.operator_tenant_id is None:
            raise invalid(f"{field}.owner_kind", "the compound has no property company")
        operator = await session.get(Tenant, compound.operator_tenant_id)
        return _Owner("property_company", operator.name if operator else "", item.owner_user_id, compound.operator_tenant_id)
    if item.owner_kind == "owners_committee":
        return _Owner("owners_committee", item.owner_name or "业主委员会", item.owner_user_id)
    if item.owner_kind == "party_organisation":
        if item.owner_organisation_id is None:
            raise invalid(f"{field}.owner_organisation_id", "choose the party organisation")
        org = await serving_organisation(session, compound.id, item.owner_organisation_id, f"{field}.owner_organisation_id")
        return _Owner("party_organisation", org.name, item.owner_user_id, org.tenant_id, org.id)
    if item.owner_department_id is None:
        raise invalid(f"{field}.owner_department_id", "choose the department")
    dept = await session.get(Department, item.owner_department_id)
    if dept is None or dept.tenant_id != compound.district_tenant_id:
        raise invalid(f"{field}.owner_department_id", "not a department of this compound's district")
    return _Owner("department", dept.name, item.owner_user_id, dept.tenant_id)


async def _prepare_resolutions(
    session: AsyncSession, compound: Compound, resolutions: list[s.ResolutionIn], meeting_day: dt.date
) -> list[tuple[s.ResolutionIn, list[tuple[s.ActionItemIn, _Owner]]]]:
    prepared = []
    for i, resolution in enumerate(resolutions):
        if not resolution.text.strip():
            raise invalid(f"resolutions[{i}].text", "a resolution says what was decided")
        items = []
        for j, item in enumerate(resolution.action_items):
            field = f"resolutions[{i}].action_items[{j}]"
            if item.due_on < meeting_day:
                raise invalid(f"{field}.due_on", "an action item is due on or after the meeting")
            items.append((item, await _resolve_owner(session, compound, item, field)))
        prepared.append((resolution, items))
    return prepared


async def record_minutes(ctx: RequestContext, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.MinutesIn) -> m.Meeting:
    """The meeting was held: its minutes and resolutions; each resolution's action items go to their owners."""
    session = ctx.session
    meeting = await _meeting(session, compound_id, meeting_id)
    MEETING.next(meeting.status, "hold")
    if not data.minutes.strip():
        raise invalid("minutes", "the minutes say what was discussed")
    zone = await zone_of(session, compound_id)
    held_at = local_datetime(data.held_at, zone) if data.held_at else meeting.scheduled_at
    if held_at > now():
        raise invalid("held_at", "minutes are recorded for a meeting that has taken place")
    compound = await session.get(Compound, compound_id)
    prepared = await _prepare_resolutions(session, compound, data.resolutions, held_at.astimezone(zone).date())  # type: ignore[arg-type]
    meeting.status, meeting.held_at, meeting.minutes, meeting.minutes_recorded_at = (
        MEETING.next(meeting.status, "hold"),
        held_at,
        data.minutes,
        now(),
    )
    await session.flush()
    await _write_resolutions(ctx, meeting, prepared, start=1)
    emit(
        session,
        "party_building.meeting.held",
        {
            "meeting_id": str(meeting.id),
            "kind": meeting.kind,
            "title": meeting.title,
            "held_at": held_at.isoformat(),
            "resolutions": len(prepared),
        },
        compound_id=compound_id,
    )
    return meeting


async def add_resolution(ctx: RequestContext, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.ResolutionIn) -> m.Resolution:
    session = ctx.session
    meeting = await _meeting(session, compound_id, meeting_id)
    MEETING.next(meeting.status, "resolve")
    zone = await zone_of(session, compound_id)
    compound = await session.get(Compound, compound_id)
    prepared = await _prepare_resolutions(session, compound, [data], meeting.held_at.astimezone(zone).date())  # type: ignore[arg-type, union-attr]
    last = (
        await session.scalar(
            select(func.max(m.Resolution.seq)).where(m.Resolution.compound_id == compound_id, m.Resolution.meeting_id == meeting.id)
        )
        or 0
    )
    return (await _write_resolutions(ctx, meeting, prepared, start=last + 1))[0]


async def add_action_item(session: AsyncSession, compound_id: uuid.UUID, resolution_id: uuid.UUID, item: s.ActionItemIn) -> m.ActionItem:
    """One more action item of a resolution of a held meeting."""
    resolution = await session.get(m.Resolution, (compound_id, resolution_id))
    if resolution is None:
        raise not_found("resolution")
    meeting = await _meeting(session, compound_id, resolution.meeting_id)
    zone = await zone_of(session, compound_id)
    compound = await session.get(Compound, compound_id)
    ((_, [(data, owner)]),) = await _prepare_resolutions(
        session, compound, [s.ResolutionIn(text=resolution.text, action_items=[item])], meeting.held_at.astimezone(zone).date()
    )  # type: ignore[arg-type, union-attr]
    return await _assign(session, meeting, resolution, data, owner)


async def _write_resolutions(ctx: RequestContext, meeting: m.Meeting, prepared, *, start: int) -> list[m.Resolution]:
    session = ctx.session
    out = []
    for seq, (resolution, items) in enumerate(prepared, start=start):
        row = m.Resolution(compound_id=meeting.compound_id, meeting_id=meeting.id, seq=seq, text=resolution.text)
        session.add(row)
        await session.flush()
        out.append(row)
        for item, owner in items:
            await _assign(session, meeting, row, item, owner)
    return out


async def _assign(session: AsyncSession, meeting: m.Meeting, resolution: m.Resolution, item: s.ActionItemIn, owner: _Owner) -> m.ActionItem:
    row = m.ActionItem(
        compound_id=meeting.compound_id,
        meeting_id=meeting.id,
        resolution_id=resolution.id,
        title=item.title,
        owner_kind=owner.kind,
        owner_name=owner.name[:200],
        owner_user_id=owner.user_id,
        owner_tenant_id=owner.tenant_id,
        owner_organisation_id=owner.organisation_id,
        due_on=item.due_on,
        status="open",
    )
    session.add(row)
    await session.flush()
    recipients = await _owner_users(session, row)
    await notify(
        session,
        recipients,
        "party_building.action_item_assigned",
        f"新任务：{item.title}",
        f"{KIND_ZH[meeting.kind]}「{meeting.title}」决议：{resolution.text[:300]}\n任务：{item.title}，完成期限 {item.due_on:%Y-%m-%d}。",
        link=f"/console/compounds/{meeting.compound_id}/party_building/action-items",
        compound_id=meeting.compound_id,
    )
    # a self-contained payload: a consumer (e.g. co_building opening a work order) needs nothing else of ours
    emit(
        session,
        "party_building.action_item.assigned",
        {
            "action_item_id": str(row.id),
            "title": row.title,
            "due_on": row.due_on.isoformat(),
            "owner_kind": row.owner_kind,
            "owner_name": row.owner_name,
            "owner_tenant_id": str(row.owner_tenant_id) if row.owner_tenant_id else None,
            "owner_user_id": str(row.owner_user_id) if row.owner_user_id else None,
            "meeting_id": str(meeting.id),
            "meeting_kind": meeting.kind,
            "meeting_title": meeting.title,
            "resolution": resolution.text,
            "link": f"/console/compounds/{meeting.compound_id}/party_building/action-items",
        },
        compound_id=meeting.compound_id,
    )
    return row


async def _owner_users(session: AsyncSession, item: m.ActionItem) -> list[uuid.UUID]:
    """Who hears about an item: its person, and for an organisation those of it who may act on items here."""
    users = [item.owner_user_id] if item.owner_user_id else []
    if item.owner_kind in ("property_company", "department") and item.owner_tenant_id:
        users += await tenant_holders(session, "party_building.action_item", "write", item.compound_id, item.owner_tenant_id)
    return list(dict.fromkeys(users))


async def close_action_item(ctx: RequestContext, compound_id: uuid.UUID, item_id: uuid.UUID, evidence: str) -> m.ActionItem:
    """The owner (or whoever keeps the meetings) closes an item with evidence of completion."""
    session = ctx.session
    item = await _action_item(session, compound_id, item_id)
    if not may_close(ctx, item):
        raise Problem(403, "not-owner", "Not the owner", "only the item's owner or whoever keeps the meetings closes it")
    ACTION_ITEM.next(item.status, "close")
    if not evidence.strip():
        raise invalid("evidence", "say what was done")
    moment = now()
    item.status, item.evidence, item.closed_at, item.closed_by = ACTION_ITEM.next(item.status, "close"), evidence, moment, ctx.user_id
    item.closed_on_time = moment.astimezone(await zone_of(session, compound_id)).date() <= item.due_on
    await session.flush()
    emit(
        session,
        "party_building.action_item.closed",
        {"action_item_id": str(item.id), "title": item.title, "owner_kind": item.owner_kind, "on_time": item.closed_on_time},
        compound_id=compound_id,
    )
    return item


def owns(ctx: RequestContext, item: m.ActionItem) -> bool:
    """Whether the caller is the item's owner: its person, a user of the owning tenant, or (for the owners'
    committee's items) whoever casbin lets close them in the compound."""
    if item.owner_user_id is not None and item.owner_user_id == ctx.user_id:
        return True
    if item.owner_kind in ("property_company", "department", "party_organisation"):
        return item.owner_tenant_id is not None and item.owner_tenant_id == ctx.tenant_id
    if item.owner_kind == "owners_committee":
        return ctx.can("party_building.committee_action_item", "close", item.compound_id)
    return False


def may_close(ctx: RequestContext, item: m.ActionItem) -> bool:
    """The owner closes an item, and so does whoever keeps the compound's meetings."""
    return ctx.can("party_building.meeting", "write", item.compound_id) or owns(ctx, item)


async def cancel_action_item(session: AsyncSession, compound_id: uuid.UUID, item_id: uuid.UUID) -> m.ActionItem:
    item = await _action_item(session, compound_id, item_id)
    item.status = ACTION_ITEM.next(item.status, "cancel")
    await session.flush()
    return item


async def _action_item(session: AsyncSession, compound_id: uuid.UUID, item_id: uuid.UUID) -> m.ActionItem:
    item = await session.get(m.ActionItem, (compound_id, item_id))
    if item is None:
        raise not_found("action item")
    return item


def action_item_out(item: m.ActionItem, today: dt.date) -> s.ActionItemOut:
    return s.ActionItemOut(
        id=item.id,
        compound_id=item.compound_id,
        meeting_id=item.meeting_id,
        resolution_id=item.resolution_id,
        title=item.title,
        owner_kind=item.owner_kind,
        owner_name=item.owner_name,
        owner_user_id=item.owner_user_id,
        owner_tenant_id=item.owner_tenant_id,
        due_on=item.due_on,
        status=item.status,
        overdue=item.status == "open" and item.due_on < today,
        evidence=item.evidence,
        closed_at=item.closed_at,
        closed_on_time=item.closed_on_time,
    )


def action_items_query(today: dt.date, *, status: str | None = None, overdue: bool | None = None, owner_kind: str | None = None):
    """The board's items, earliest due first. For a compound route's session: it is scoped to that compound alone."""
    stmt = select(m.ActionItem).order_by(m.ActionItem.due_on, m.ActionItem.id)
    if status:
        stmt = stmt.where(m.ActionItem.status == status)
    if overdue is True:
        stmt = stmt.where(m.ActionItem.status == "open", m.ActionItem.due_on < today)
    elif overdue is False:
        stmt = stmt.where(or_(m.ActionItem.status != "open", m.ActionItem.due_on >= today))
    if owner_kind:
        stmt = stmt.where(m.ActionItem.owner_kind == owner_kind)
    return stmt


async def owner_tallies(session: AsyncSession, today: dt.date) -> list[s.OwnerTally]:
    """The board's count per owner (overdue and late items count against them), over the session's compound."""
    items = (await session.scalars(select(m.ActionItem).where(m.ActionItem.status != "cancelled"))).all()
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for item in items:
        t = tally[(item.owner_name, item.owner_kind)]
        if item.status == "open":
            t[0] += 1
            t[1] += item.due_on < today
        else:
            t[2 if item.closed_on_time else 3] += 1
    return [
        s.OwnerTally(owner_name=name, owner_kind=kind, open=o, overdue=od, closed_on_time=ot, closed_late=late)
        for (name, kind), (o, od, ot, late) in sorted(tally.items(), key=lambda kv: (-kv[1][1] - kv[1][3], kv[0][0]))
    ]


async def meeting_detail(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, *, keeper: bool) -> s.MeetingOut:
    meeting = await _meeting(session, compound_id, meeting_id)
    attendees = (
        await session.scalars(
            select(m.MeetingAttendee)
            .where(m.MeetingAttendee.compound_id == compound_id, m.MeetingAttendee.meeting_id == meeting.id)
            .order_by(m.MeetingAttendee.side, m.MeetingAttendee.name)
        )
    ).all()
    resolutions = (
        await session.scalars(
            select(m.Resolution)
            .where(m.Resolution.compound_id == compound_id, m.Resolution.meeting_id == meeting.id)
            .order_by(m.Resolution.seq)
        )
    ).all()
    items = (
        await session.scalars(
            select(m.ActionItem)
            .where(m.ActionItem.compound_id == compound_id, m.ActionItem.meeting_id == meeting.id)
            .order_by(m.ActionItem.due_on)
        )
    ).all()
    today = await local_today(session, compound_id)
    return s.MeetingOut(
        id=meeting.id,
        compound_id=compound_id,
        kind=meeting.kind,
        title=meeting.title,
        organisation_id=meeting.organisation_id,
        scheduled_at=meeting.scheduled_at,
        location=meeting.location,
        agenda=meeting.agenda,
        status=meeting.status,
        held_at=meeting.held_at,
        minutes=meeting.minutes,
        sign_in_code=meeting.sign_in_code if keeper else None,
        attendees=[
            s.AttendeeOut(
                id=a.id,
                side=a.side,
                name=a.name,
                user_id=a.user_id,
                invited=a.invited,
                signed_in_at=a.signed_in_at,
                sign_in_method=a.sign_in_method,
            )
            for a in attendees
        ],
        resolutions=[
            s.ResolutionOut(
                id=r.id, seq=r.seq, text=r.text, action_items=[action_item_out(i, today) for i in items if i.resolution_id == r.id]
            )
            for r in resolutions
        ],
    )


def meeting_out(row: m.Meeting) -> s.MeetingOut:
    return s.MeetingOut(
        id=row.id,
        compound_id=row.compound_id,
        kind=row.kind,
        title=row.title,
        organisation_id=row.organisation_id,
        scheduled_at=row.scheduled_at,
        location=row.location,
        agenda=row.agenda,
        status=row.status,
        held_at=row.held_at,
        minutes=row.minutes,
    )


def meetings_query(*, kind: str | None = None, status: str | None = None):
    """Meetings, newest first. For a compound route's session: it is scoped to that compound alone."""
    stmt = select(m.Meeting).order_by(m.Meeting.scheduled_at.desc(), m.Meeting.id)
    if kind:
        stmt = stmt.where(m.Meeting.kind == kind)
    if status:
        stmt = stmt.where(m.Meeting.status == status)
    return stmt


async def meetings_held(session: AsyncSession, compound_id: uuid.UUID, kind: str, start: dt.date, end: dt.date, zone: ZoneInfo) -> int:
    first = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    last = dt.datetime.combine(end, dt.time(0), tzinfo=zone)
    return int(
        await session.scalar(
            select(func.count())
            .select_from(m.Meeting)
            .where(
                m.Meeting.compound_id == compound_id,
                m.Meeting.kind == kind,
                m.Meeting.status == "held",
                m.Meeting.held_at >= first,
                m.Meeting.held_at < last,
            )
        )
        or 0
    )


async def required_kinds(session: AsyncSession, compound_id: uuid.UUID) -> dict[str, tuple[str, int]]:
    """The meeting kinds the district requires of this compound: joint meetings always; 三会一课 where a branch covers it."""
    compound = await session.get(Compound, compound_id)
    if compound is None:
        return {}
    wanted = await requirements(session, compound.district_tenant_id)
    kinds = {
        o.kind
        for o in await organisations_serving(session, compound_id)
        if await covers(session, o.id, compound_id) or o.kind == "enterprise_branch"
    }
    has_branch = bool(kinds & set(m.BRANCH_KINDS))
    has_groups = bool(
        await session.scalar(
            select(m.OrganisationCoverage.id)
            .join(m.PartyOrganisation, m.PartyOrganisation.id == m.OrganisationCoverage.organisation_id)
            .where(m.OrganisationCoverage.compound_id == compound_id, m.PartyOrganisation.kind == "building_group")
            .limit(1)
        )
    )
    out = {}
    for kind, (period, minimum) in wanted.items():
        if minimum <= 0:
            continue
        if kind == "joint" or (kind in BRANCH_MEETING_KINDS and has_branch) or (kind == "group_meeting" and has_groups):
            out[kind] = (period, minimum)
    return out


# --------------------------------------------------------------------------- the jobs' rules


async def flag_missed_meetings(session: AsyncSession, compound_id: uuid.UUID) -> list[m.MeetingGap]:
    """Flag the last complete period of each required meeting kind the compound fell short in (once per period)."""
    zone = await zone_of(session, compound_id)
    today = now().astimezone(zone).date()
    compound = await session.get(Compound, compound_id)
    flagged = []
    for kind, (period, minimum) in (await required_kinds(session, compound_id)).items():
        start, end = period_bounds(period_bounds(today, period)[0] - dt.timedelta(days=1), period)
        if await session.scalar(
            select(m.MeetingGap.id).where(
                m.MeetingGap.compound_id == compound_id, m.MeetingGap.kind == kind, m.MeetingGap.period_start == start
            )
        ):
            continue
        held = await meetings_held(session, compound_id, kind, start, end, zone)
        if held >= minimum:
            continue
        gap = m.MeetingGap(
            compound_id=compound_id, kind=kind, period=period, period_start=start, period_end=end, required=minimum, held=held
        )
        session.add(gap)
        flagged.append(gap)
        label = period_label(start, period)
        recipients = await tenant_holders(session, "party_building.meeting", "write", compound_id, compound.district_tenant_id)  # type: ignore[union-attr]
        await notify(
            session,
            recipients,
            "party_building.meeting_missed",
            f"{compound.name}：{label} 未按要求召开{KIND_ZH[kind]}",  # type: ignore[union-attr]
            f"要求 {minimum} 次，实际召开 {held} 次（{start:%Y-%m-%d} 至 {end - dt.timedelta(days=1):%Y-%m-%d}）。",
            link=f"/console/compounds/{compound_id}/party_building/meetings",
            compound_id=compound_id,
        )
        emit(
            session,
            "party_building.meeting.missed",
            {
                "kind": kind,
                "period": label,
                "required": minimum,
                "held": held,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
            },
            compound_id=compound_id,
        )
    await session.flush()
    return flagged


async def flag_overdue_action_items(session: AsyncSession, compound_id: uuid.UUID) -> list[m.ActionItem]:
    """Notify the owners of open items past their due date (once per item) and emit an event for each."""
    today = await local_today(session, compound_id)
    items = list(
        (
            await session.scalars(
                select(m.ActionItem).where(
                    m.ActionItem.compound_id == compound_id,
                    m.ActionItem.status == "open",
                    m.ActionItem.due_on < today,
                    m.ActionItem.overdue_notified_on.is_(None),
                )
            )
        ).all()
    )
    for item in items:
        meeting = await session.get(m.Meeting, (compound_id, item.meeting_id))
        recipients = await _owner_users(session, item) + ([meeting.created_by] if meeting and meeting.created_by else [])
        await notify(
            session,
            list(dict.fromkeys(recipients)),
            "party_building.action_item_overdue",
            f"任务逾期：{item.title}",
            f"{item.owner_name} 的任务「{item.title}」已超过完成期限 {item.due_on:%Y-%m-%d}，请尽快办结并上传佐证。",
            link=f"/console/compounds/{compound_id}/party_building/action-items",
            compound_id=compound_id,
        )
        item.overdue_notified_on = today
        emit(
            session,
            "party_building.action_item.lapsed",
            {
                "action_item_id": str(item.id),
                "title": item.title,
                "owner_kind": item.owner_kind,
                "owner_name": item.owner_name,
                "owner_tenant_id": str(item.owner_tenant_id) if item.owner_tenant_id else None,
                "due_on": item.due_on.isoformat(),
            },
            compound_id=compound_id,
        )
    await session.flush()
    return items


# --------------------------------------------------------------------------- waiting on a person's home

ACTION_ITEM_SOON_DAYS = 3
"""An open action item due within this many days (or past its day) is urgent on the home page."""


async def waiting_action_items(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    """Open action items of the joint meetings (联席会议), the nearest due first: the party secretary follows what the
    property company, the committee and the community undertook. Overdue or due within three days is urgent."""
    from core.access import compounds_today

    today = min((await compounds_today(session, compound_ids)).values(), default=moment.date())
    where = (m.ActionItem.compound_id.in_(compound_ids), m.ActionItem.status == "open")
    soon = today + dt.timedelta(days=ACTION_ITEM_SOON_DAYS)
    count, urgent = (await session.execute(select(func.count(), func.count().filter(m.ActionItem.due_on <= soon)).where(*where))).one()
    rows = (await session.scalars(select(m.ActionItem).where(*where).order_by(m.ActionItem.due_on, m.ActionItem.id).limit(5))).all()
    items = [
        {
            "title": f"{r.title}（{r.owner_name}，{r.due_on.isoformat()} 前）",
            "href": f"/console/compounds/{r.compound_id}/party_building/action-items",
            "near": today <= r.due_on <= soon,
            "late": r.due_on < today,
        }
        for r in rows
    ]
    href = (
        f"/console/compounds/{compound_ids[0]}/party_building/action-items?status=open"
        if len(compound_ids) == 1
        else (items[0]["href"] + "?status=open" if items else "")
    )
    by_compound = dict(
        (
            await session.execute(
                select(m.ActionItem.compound_id, func.count()).where(*where, m.ActionItem.due_on < today).group_by(m.ActionItem.compound_id)
            )
        ).all()
    )
    return {"count": int(count), "urgent": int(urgent), "items": items, "href": href, "by_compound": by_compound}
