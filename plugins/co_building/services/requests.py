"""Service requests and work orders (一体化服务平台, 接诉即办).

A request is filed by a resident in the portal or by staff taking a call; its
work order moves submitted → assigned → accepted → in progress → completed →
rated → closed, with reopen from completed or rated. Every move is checked
against the machine and the mover's rights, timestamped and attributed in the
timeline. Response and completion limits come from the operating enterprise's
table (per category and priority, in working hours of the platform calendar);
``mark_breaches`` marks late orders and escalates: first the compound's
managers, then the enterprise's administrators.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_zone
from core.authz.guard import can
from core.authz.holders import holders
from core.calendar import work_calendar
from core.clock import now
from core.context import RequestContext
from core.db import serialise
from core.events.services import emit
from core.identity.models import User
from core.identity.principal import Principal
from core.ids import uuid7
from core.inputs import contains
from core.notifications.services import notify
from core.problems import Problem, conflict, invalid, not_found
from core.security import mask_phone
from core.states import IllegalTransition, StateMachine
from plugins.co_building.models.requests import MeToo, RequestEvent, ServiceRequest, TimeLimit
from plugins.co_building.schemas import requests as s
from plugins.co_building.services.common import resident_rooms
from tenants.models import Building, Compound, Resident, Room, Unit

WORK_ORDERS = StateMachine(
    "work order",
    {
        "submitted": {"assign": "assigned", "cancel": "cancelled"},
        "assigned": {"accept": "accepted", "reassign": "assigned", "cancel": "cancelled"},
        "accepted": {"start": "in_progress", "reassign": "assigned"},
        "in_progress": {"complete": "completed", "reassign": "assigned"},
        "completed": {"rate": "rated", "reopen": "assigned", "close": "closed"},
        "rated": {"close": "closed", "reopen": "assigned"},
        "closed": {},
        "cancelled": {},
    },
)
"""submitted → assigned → accepted → in progress → completed → rated → closed; reopen from completed or rated."""
WORK_ORDER_TRANSITIONS: dict[str, dict[str, str]] = WORK_ORDERS.transitions
"""The machine's table (read-only use: pages, demo, tests)."""

OPEN_STATES = frozenset({"submitted", "assigned", "accepted", "in_progress"})
"""Work still to do: the states a time limit can be breached in."""
FINISHED_STATES = frozenset({"completed", "rated", "closed", "cancelled"})

LOW_RATING = 2
"""A rating at or below this reopens the order to the manager for a return visit (回访)."""

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {"urgent": (1, 8), "normal": (4, 24)}
"""Hours to respond (accept) and to complete, used where the enterprise has set nothing."""

BASES = ("clock", "working_hours", "working_days")
"""How a limit counts: ``clock`` hours (24×7, holidays too), ``working_hours`` (office hours of working days by the
platform calendar) or ``working_days`` (the same wall-clock time on the n-th working day)."""

CLOCK_CATEGORIES = frozenset({"security", "plumbing"})
"""Safety (安全) and leaks (漏水) do not wait for office hours, whatever their priority."""


def default_basis(category: str, priority: str) -> str:
    """The platform's default: urgent requests, safety and leaks on the clock; the rest in working hours."""
    return "clock" if priority == "urgent" or category in CLOCK_CATEGORIES else "working_hours"


def add_limit(start: dt.datetime, amount: int, basis: str, zone: str) -> dt.datetime:
    """``start`` plus ``amount`` on the basis (hours, or days for ``working_days``), in UTC."""
    if basis == "clock":
        return start + dt.timedelta(hours=amount)
    if basis == "working_days":
        return work_calendar().add_working_days(start, amount, zone)
    return work_calendar().add_working_hours(start, amount, zone)


ESCALATE_AGAIN_HOURS = 4
"""Hours after a breach (on the request's basis; one working day for ``working_days``) before the enterprise's
administrators are told too."""

WORK_ORDER = "co_building.work_order"
REQUESTER_PII = "co_building.requester_pii"
"""Who calls the filer back (the operator's staff) reads their phone number in full; others (a district) see it masked."""
ESCALATION = {1: "escalate", 2: "oversee"}
"""Who each escalation level tells: holders of ``escalate`` on work orders (the compound's managers), then of ``oversee``
(the enterprise's administrators): permissions in policies.csv, so custom roles can carry them too."""

STAFF_RIGHT = {
    "assign": "approve",
    "reassign": "approve",
    "close": "approve",
    "cancel": "approve",
    "reopen": "approve",
    "accept": "write",
    "start": "write",
    "complete": "write",
}
"""The right on ``co_building.work_order`` each move needs from staff."""
RESIDENT_MOVES = {"cancel": {"submitted", "assigned"}, "reopen": {"completed", "rated"}, "close": {"completed", "rated"}}
"""What the resident whose request it is may do themselves, and from which states."""


async def visible_request_ids(
    session: AsyncSession, principal: Principal, enforcer: Any, compound_id: uuid.UUID, record_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Which requests' photos the caller may see: staff all, a resident their own and the public-area ones."""
    if not record_ids:
        return set()
    stmt = select(ServiceRequest.id).where(ServiceRequest.compound_id == compound_id, ServiceRequest.id.in_(record_ids))
    if not can(principal, enforcer, "co_building.work_order", "read", compound_id):
        stmt = stmt.where((ServiceRequest.filed_for_user_id == principal.user_id) | (ServiceRequest.location == "public"))
    return set((await session.scalars(stmt)).all())


RECORD_TYPES = [{"name": "co_building.request", "object": "co_building.request", "model": ServiceRequest, "visible": visible_request_ids}]


def next_work_order_state(state: str, action: str) -> str:
    """The state after ``action``, or :class:`core.states.IllegalTransition` (409) naming the allowed actions."""
    return WORK_ORDERS.next(state, action)


# --------------------------------------------------------------------------- who is asking


async def _own_residents(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> list[Resident]:
    return list((await session.scalars(select(Resident).where(Resident.compound_id == compound_id, Resident.user_id == user_id))).all())


async def my_rooms(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> list[s.RoomChoice]:
    """The rooms the caller lives in or owns in the compound (what they may file a room request for)."""
    rooms = await resident_rooms(session, compound_id, user_id)
    labels = await room_labels(session, compound_id, set(rooms))
    return sorted((s.RoomChoice(room_id=r, label=labels.get(r, "")) for r in rooms), key=lambda c: c.label)


# --------------------------------------------------------------------------- time limits


async def operator_of(session: AsyncSession, compound_id: uuid.UUID) -> uuid.UUID | None:
    """The compound's operating enterprise (whose time-limit table applies and whose staff take orders); 404 if none such."""
    row = (await session.execute(select(Compound.id, Compound.operator_tenant_id).where(Compound.id == compound_id))).first()
    if row is None:
        raise not_found("compound")
    return row.operator_tenant_id


async def operator_zone(session: AsyncSession, compound_id: uuid.UUID) -> tuple[uuid.UUID | None, str]:
    """The operating enterprise and the compound's time zone (``core.access.compound_zone``: limits count in local hours)."""
    return await operator_of(session, compound_id), await compound_zone(session, compound_id)


async def told(session: AsyncSession, act: str, compound_id: uuid.UUID, operator: uuid.UUID | None) -> list[uuid.UUID]:
    """Who is told of the compound's work orders at a level (``act`` on ``co_building.work_order``: ``escalate`` = its
    managers, ``oversee`` = the enterprise's administrators), assigned in the compound or by its operator."""
    return await holders(session, WORK_ORDER, act, compound_id, tenant_ids=[operator] if operator else [])


async def limits_for(session: AsyncSession, tenant_id: uuid.UUID | None, category: str, priority: str) -> tuple[int, int, str, str]:
    """(response, completion, source, basis): the category's own line, else the ``*`` line, else the default."""
    if tenant_id is not None:
        rows = (
            await session.scalars(
                select(TimeLimit).where(
                    TimeLimit.tenant_id == tenant_id, TimeLimit.priority == priority, TimeLimit.category.in_([category, "*"])
                )
            )
        ).all()
        for wanted in (category, "*"):
            for row in rows:
                if row.category == wanted:
                    return row.response_hours, row.completion_hours, "tenant", row.basis
    response, completion = DEFAULT_LIMITS[priority]
    return response, completion, "default", default_basis(category, priority)


async def time_limits(session: AsyncSession, tenant_id: uuid.UUID) -> list[s.TimeLimitOut]:
    """The enterprise's table, with the defaults shown for what it has not set (a category's default line only where the
    enterprise has set neither that line nor its ``*`` line: its ``*`` line covers every category)."""
    rows = (
        await session.scalars(select(TimeLimit).where(TimeLimit.tenant_id == tenant_id).order_by(TimeLimit.category, TimeLimit.priority))
    ).all()
    out = [
        s.TimeLimitOut(
            category=r.category,
            priority=r.priority,
            response_hours=r.response_hours,
            completion_hours=r.completion_hours,
            basis=r.basis,
            source="tenant",
        )
        for r in rows
    ]
    have = {(r.category, r.priority) for r in rows}
    for priority, (response, completion) in DEFAULT_LIMITS.items():
        if ("*", priority) in have:
            continue
        for category in ("*", *sorted(CLOCK_CATEGORIES)):
            basis = default_basis(category, priority)
            if (category, priority) in have or (category != "*" and basis == default_basis("*", priority)):
                continue
            out.append(
                s.TimeLimitOut(
                    category=category,
                    priority=priority,
                    response_hours=response,
                    completion_hours=completion,
                    basis=basis,
                    source="default",
                )
            )
    return out


async def set_time_limit(ctx: RequestContext, data: s.TimeLimitIn) -> s.TimeLimitOut:
    """Set one line of the enterprise's table (its administrators; applies to requests filed afterwards)."""
    session, tenant_id = ctx.session, ctx.tenant_id
    if tenant_id is None or not ctx.can("co_building.time_limit", "write"):
        raise Problem(
            403,
            "enterprise-only",
            "Only a property enterprise sets its time limits",
            "switch to the enterprise tenant to set its time limits",
        )
    if data.completion_hours < data.response_hours:
        raise invalid("completion_hours", "the completion limit cannot be shorter than the response limit")
    basis = data.basis or default_basis(data.category, data.priority)
    row = await session.scalar(
        select(TimeLimit).where(TimeLimit.tenant_id == tenant_id, TimeLimit.category == data.category, TimeLimit.priority == data.priority)
    )
    if row is None:
        row = TimeLimit(tenant_id=tenant_id, category=data.category, priority=data.priority)
        session.add(row)
    row.response_hours, row.completion_hours, row.basis = data.response_hours, data.completion_hours, basis
    await session.flush()
    return s.TimeLimitOut(
        category=row.category,
        priority=row.priority,
        response_hours=row.response_hours,
        completion_hours=row.completion_hours,
        basis=row.basis,
        source="tenant",
    )


async def _due(
    session: AsyncSession, tenant_id: uuid.UUID | None, zone: str, category: str, priority: str, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime, str]:
    """Response and completion deadlines for a request started at ``start``, by the operator's table and zone, and the
    basis they were counted on (kept on the request: its breach and escalation follow it)."""
    response, completion, _, basis = await limits_for(session, tenant_id, category, priority)
    return add_limit(start, response, basis, zone), add_limit(start, completion, basis, zone), basis


def escalate_again_at(first_due: dt.datetime, basis: str, zone: str) -> dt.datetime:
    """When a breach unanswered since ``first_due`` reaches the enterprise's administrators (level 2)."""
    if basis == "working_days":
        return add_limit(first_due, 1, basis, zone)
    return add_limit(first_due, ESCALATE_AGAIN_HOURS, basis, zone)


# --------------------------------------------------------------------------- filing


async def _number(session: AsyncSession, compound_id: uuid.UUID, moment: dt.datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    day = moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")
    await serialise(session, "co_building.request_number", compound_id)  # concurrent filings count one after the other
    count = await session.scalar(
        select(func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.compound_id == compound_id, ServiceRequest.number.like(f"{day}-%"))
    )
    return f"{day}-{(count or 0) + 1:04d}"


def _log(
    session: AsyncSession,
    request: ServiceRequest,
    action: str,
    ctx: RequestContext | None,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    label: str = "",
) -> RequestEvent:
    event = RequestEvent(
        compound_id=request.compound_id,
        request_id=request.id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_user_id=ctx.user_id if ctx else None,
        actor_label=label or (ctx.display_name if ctx else ""),
        note=note,
        at=now(),
    )
    session.add(event)
    return event


async def file_request(ctx: RequestContext, data: s.RequestIn) -> ServiceRequest:
    """File a request: a resident for their own room or a public area, or staff for a resident who called.

    Every check runs before anything is written.
    """
    session, compound_id = ctx.session, ctx.compound_id
    staff = ctx.can(WORK_ORDER, "write")
    resident: Resident | None = None
    if data.resident_id is not None:
        if not staff:
            raise invalid("resident_id", "only staff file requests on a resident's behalf")
        resident = await session.scalar(select(Resident).where(Resident.id == data.resident_id))
        if resident is None:
            raise invalid("resident_id", "no such resident in this compound")
    else:
        residents = await _own_residents(session, compound_id, ctx.user_id)
        if not residents and not staff:
            raise Problem(
                403, "not-a-resident", "Not a resident of this compound", "only residents of the compound (or its staff) file requests here"
            )
        resident = residents[0] if residents else None
    if data.location == "room":
        if data.room_id is None:
            raise invalid("room_id", "a request about a room names the room")
        room = await session.scalar(select(Room.id).where(Room.id == data.room_id))
        if room is None:
            raise invalid("room_id", "no such room in this compound")
        if not staff and data.room_id not in await resident_rooms(session, compound_id, ctx.user_id):
            raise invalid("room_id", "residents file requests for their own rooms")
    elif data.room_id is not None:
        raise invalid("room_id", "a public-area request names no room")
    if not staff and data.channel != "portal":
        raise invalid("channel", "residents file through the portal")
    moment = now()
    tenant_id, zone = await operator_zone(session, compound_id)
    response_due, completion_due, basis = await _due(session, tenant_id, zone, data.category, data.priority, moment)
    request = ServiceRequest(
        id=uuid7(),
        compound_id=compound_id,
        number=await _number(session, compound_id, moment, zone),
        kind=data.kind,
        category=data.category,
        priority=data.priority,
        location=data.location,
        channel=data.channel,
        title=data.title.strip(),
        description=data.description.strip(),
        room_id=data.room_id,
        resident_id=resident.id if resident else None,
        filed_for_user_id=(resident.user_id if resident else ctx.user_id),
        filed_by_user_id=ctx.user_id,
        contact_name=data.contact_name or (resident.name if resident else ctx.display_name),
        contact_phone=data.contact_phone or (resident.phone if resident else None),
        state="submitted",
        response_due_at=response_due,
        completion_due_at=completion_due,
        limit_basis=basis,
        rating_tags=[],
    )
    request.created_at = moment
    session.add(request)
    await session.flush()
    _log(session, request, "file", ctx, to_state="submitted", note=f"{data.channel}")
    emit(
        session,
        "co_building.request.filed",
        {
            "request_id": str(request.id),
            "number": request.number,
            "kind": request.kind,
            "category": request.category,
            "priority": request.priority,
        },
        compound_id=compound_id,
        actor_user_id=ctx.user_id,
    )
    managers = await told(session, "escalate", compound_id, tenant_id)
    if managers:
        await notify(
            session,
            managers,
            "co_building.request.filed",
            f"新诉求 {request.number}：{request.title}",
            request.description[:200],
            link=console_link(request),
            compound_id=compound_id,
            channels=("inbox", "sms") if request.priority == "urgent" else ("inbox",),
        )
    return request


def console_link(request: ServiceRequest) -> str:
    return f"/console/compounds/{request.compound_id}/co_building/requests/{request.id}"


def portal_link(request: ServiceRequest) -> str:
    return f"/portal/compounds/{request.compound_id}/co_building/requests/{request.id}"


# --------------------------------------------------------------------------- reading


async def get_request(ctx: RequestContext, request_id: uuid.UUID, *, for_update: bool = False) -> ServiceRequest:
    """A request the caller may see: staff see all of the compound's; a resident their own and the public-area ones."""
    session = ctx.session
    stmt = select(ServiceRequest).where(ServiceRequest.id == request_id)  # the session holds the route's compound alone
    if for_update:
        stmt = stmt.with_for_update()
    request = await session.scalar(stmt)
    if request is None or not (ctx.can(WORK_ORDER, "read") or request.filed_for_user_id == ctx.user_id or request.location == "public"):
        raise not_found("request")
    return request


def visible_requests(ctx: RequestContext):
    """The select of requests the caller may list (of the route's compound: the request's session holds no other)."""
    stmt = select(ServiceRequest).where(ServiceRequest.compound_id == ctx.compound_id)
    if not ctx.can(WORK_ORDER, "read"):
        stmt = stmt.where((ServiceRequest.filed_for_user_id == ctx.user_id) | (ServiceRequest.location == "public"))
    return stmt


def filter_requests(
    stmt,
    *,
    state: str | None = None,
    kind: str | None = None,
    breached: bool | None = None,
    mine: uuid.UUID | None = None,
    assignee: uuid.UUID | None = None,
    q: str | None = None,
):
    if state == "open":
        stmt = stmt.where(ServiceRequest.state.in_(OPEN_STATES))
    elif state:
        stmt = stmt.where(ServiceRequest.state == state)
    if kind:
        stmt = stmt.where(ServiceRequest.kind == kind)
    if breached:
        stmt = stmt.where(ServiceRequest.response_breached | ServiceRequest.completion_breached)
    if mine is not None:
        stmt = stmt.where(ServiceRequest.filed_for_user_id == mine)
    if assignee is not None:
        stmt = stmt.where(ServiceRequest.assignee_user_id == assignee)
    if q:
        term = q.strip()
        stmt = stmt.where(contains(ServiceRequest.title, term) | contains(ServiceRequest.number, term))
    return stmt.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())


def allowed_actions(ctx: RequestContext, request: ServiceRequest) -> list[str]:
    """The moves this caller may make now (what the pages offer)."""
    moves = WORK_ORDERS.transitions.get(request.state, {})
    out = []
    for action in moves:
        if action == "rate":
            if request.filed_for_user_id == ctx.user_id:
                out.append(action)
            continue
        if may_move(ctx, request, action):
            out.append(action)
    return sorted(out)


def may_move(ctx: RequestContext, request: ServiceRequest, action: str) -> bool:
    """The resident whose request it is makes their own moves; staff need the move's right on ``co_building.work_order``
    (someone else's order is taken over only with ``approve``)."""
    if request.filed_for_user_id == ctx.user_id and request.state in RESIDENT_MOVES.get(action, set()):
        return True
    right = STAFF_RIGHT.get(action)
    if right is None or not ctx.can(WORK_ORDER, right):
        return False
    if (
        action in {"accept", "start", "complete"}
        and request.assignee_user_id not in (None, ctx.user_id)
        and not ctx.can(WORK_ORDER, "approve")
    ):
        return False
    return True


async def names(session: AsyncSession, user_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [u for u in user_ids if u is not None]
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))
    return {r.id: r.display_name or r.username or "" for r in rows}


async def room_labels(session: AsyncSession, compound_id: uuid.UUID, room_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [r for r in room_ids if r is not None]
    if not wanted:
        return {}
    rows = await session.execute(
        select(Room.id, Room.number, Unit.name.label("unit"), Building.name.label("building"))
        .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
        .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
        .where(Room.compound_id == compound_id, Room.id.in_(wanted))
    )
    return {r.id: f"{r.building}-{r.unit}-{r.number}" for r in rows}


async def timeline(session: AsyncSession, request: ServiceRequest) -> list[s.RequestEventOut]:
    rows = (
        await session.scalars(
            select(RequestEvent)
            .where(RequestEvent.compound_id == request.compound_id, RequestEvent.request_id == request.id)
            .order_by(RequestEvent.at, RequestEvent.id)
        )
    ).all()
    return [
        s.RequestEventOut(at=r.at, action=r.action, from_state=r.from_state, to_state=r.to_state, actor=r.actor_label, note=r.note)
        for r in rows
    ]


async def request_out(ctx: RequestContext, rows: list[ServiceRequest], *, with_timeline: bool = False) -> list[s.RequestOut]:
    """Shape requests for the caller: the contact phone unmasked for staff and the filer only (a few queries per page)."""
    session = ctx.session
    who = await names(session, {r.assignee_user_id for r in rows})
    rooms = await room_labels(session, ctx.compound_id, {r.room_id for r in rows})
    staff = ctx.can(WORK_ORDER, "read")
    sees_phone = ctx.can(REQUESTER_PII, "read")  # a district supervises the queue without the filers' numbers
    out = []
    for r in rows:
        mine = r.filed_for_user_id == ctx.user_id
        out.append(
            s.RequestOut(
                id=r.id,
                compound_id=r.compound_id,
                number=r.number,
                kind=r.kind,
                category=r.category,
                priority=r.priority,
                location=r.location,
                channel=r.channel,
                title=r.title,
                description=r.description,
                room_id=r.room_id,
                room_label=rooms.get(r.room_id) if r.room_id else None,
                state=r.state,
                allowed_actions=allowed_actions(ctx, r),
                contact_name=r.contact_name if (staff or mine) else _initial(r.contact_name),
                contact_phone=r.contact_phone if (sees_phone or mine) else mask_phone(r.contact_phone),
                assignee_user_id=r.assignee_user_id,
                assignee_name=who.get(r.assignee_user_id) if r.assignee_user_id else None,
                created_at=r.created_at,
                response_due_at=r.response_due_at,
                limit_basis=r.limit_basis,
                completion_due_at=r.completion_due_at,
                responded_at=r.responded_at,
                completed_at=r.completed_at,
                closed_at=r.closed_at,
                response_breached=r.response_breached,
                completion_breached=r.completion_breached,
                escalation_level=r.escalation_level,
                rating=r.rating,
                rating_tags=list(r.rating_tags or []),
                rating_comment=r.rating_comment,
                reopen_count=r.reopen_count,
                return_visit_due=r.return_visit_due,
                me_too_count=r.me_too_count,
                beyond_powers=r.beyond_powers,
                case_status=r.case_status,
                case_reference=r.case_reference,
                mine=mine,
                timeline=await timeline(session, r) if with_timeline else [],
            )
        )
    return out


def _initial(name: str) -> str:
    return (name[:1] + "**") if name else ""


# --------------------------------------------------------------------------- moving


async def transition(ctx: RequestContext, request_id: uuid.UUID, data: s.TransitionIn) -> ServiceRequest:
    """Apply one move of the work-order machine; refused moves name the allowed ones and write nothing."""
    session = ctx.session
    request = await get_request(ctx, request_id, for_update=True)
    if data.action == "rate":  # rating has its own form and rules (``rate``)
        raise IllegalTransition(WORK_ORDERS.name, request.state, data.action, WORK_ORDERS.allowed(request.state))
    target = WORK_ORDERS.next(request.state, data.action)
    if not may_move(ctx, request, data.action):
        raise Problem(
            403, "not-allowed", "Not allowed", f"you may not {data.action} this work order", allowed=allowed_actions(ctx, request)
        )
    moment = now()
    if data.action in {"assign", "reassign"}:
        if data.assignee_user_id is None:
            raise invalid("assignee_user_id", "name the staff member who takes the order")
        if data.assignee_user_id not in await assignable_ids(session, ctx.compound_id):
            raise invalid("assignee_user_id", "the assignee must be staff of the compound's operator")
        request.assignee_user_id = data.assignee_user_id
    elif data.assignee_user_id is not None:
        raise invalid("assignee_user_id", f"{data.action} takes no assignee")
    before = request.state
    if data.action == "accept" and request.responded_at is None:
        request.responded_at = moment
    if data.action == "complete":
        request.completed_at = moment
    if data.action in {"close", "cancel"}:
        request.closed_at = moment
    if data.action == "reopen":
        await _reopen(session, request, moment)
    request.state = target
    _log(session, request, data.action, ctx, from_state=before, to_state=target, note=data.note)
    await session.flush()
    if data.action == "complete":
        emit(
            session,
            "co_building.request.completed",
            {
                "request_id": str(request.id),
                "number": request.number,
                "kind": request.kind,
                "category": request.category,
                "filed_for_user_id": str(request.filed_for_user_id) if request.filed_for_user_id else None,
                "room_id": str(request.room_id) if request.room_id else None,
            },
            compound_id=request.compound_id,
            actor_user_id=ctx.user_id,
        )
    await _tell(session, request, data.action, ctx)
    return request


async def _reopen(session: AsyncSession, request: ServiceRequest, moment: dt.datetime) -> None:
    """Back to work with a fresh completion limit; the manager who dispatched it last takes it back."""
    request.reopen_count += 1
    request.completed_at = None
    request.closed_at = None
    request.completion_breached = False
    request.escalation_level = 0
    tenant_id, zone = await operator_zone(session, request.compound_id)
    _, completion_due, basis = await _due(session, tenant_id, zone, request.category, request.priority, moment)
    request.limit_basis = basis
    request.completion_due_at = completion_due
    dispatcher = await session.scalar(
        select(RequestEvent.actor_user_id)
        .where(
            RequestEvent.compound_id == request.compound_id,
            RequestEvent.request_id == request.id,
            RequestEvent.action.in_(["assign", "reassign"]),
        )
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(1)
    )
    if dispatcher is not None:
        request.assignee_user_id = dispatcher


async def assignable_ids(session: AsyncSession, compound_id: uuid.UUID) -> list[uuid.UUID]:
    """Who may take the compound's orders: holders of ``co_building.work_order`` write, assigned in the compound or by its operator."""
    operator = await operator_of(session, compound_id)
    return await holders(session, WORK_ORDER, "write", compound_id, tenant_ids=[operator] if operator else [])


async def assignable_staff(session: AsyncSession, compound_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    ids = await assignable_ids(session, compound_id)
    who = await names(session, set(ids))
    return sorted(((i, who.get(i, "")) for i in ids), key=lambda p: p[1])


RESIDENT_WORDS = {
    "assign": "已派单",
    "reassign": "已改派",
    "accept": "已受理",
    "start": "开始处理",
    "complete": "已完成，请评价",
    "close": "已办结",
    "cancel": "已取消",
    "reopen": "已重新处理",
}
"""What the resident is told at each move of their request (every change but their own)."""


async def _tell(session: AsyncSession, request: ServiceRequest, action: str, ctx: RequestContext) -> None:
    """Who hears of a move: the assignee of a dispatch, the resident of progress."""
    if action in {"assign", "reassign"} and request.assignee_user_id and request.assignee_user_id != ctx.user_id:
        await notify(
            session,
            [request.assignee_user_id],
            "co_building.request.assigned",
            f"派单 {request.number}：{request.title}",
            request.description[:200],
            link=console_link(request),
            compound_id=request.compound_id,
        )
    if request.filed_for_user_id and request.filed_for_user_id != ctx.user_id and action in RESIDENT_WORDS:
        words = RESIDENT_WORDS
        await notify(
            session,
            [request.filed_for_user_id],
            f"co_building.request.{action}",
            f"您的诉求 {request.number} {words[action]}",
            request.title,
            link=portal_link(request),
            compound_id=request.compound_id,
        )


async def rate(ctx: RequestContext, request_id: uuid.UUID, data: s.RatingIn) -> ServiceRequest:
    """The resident rates a completed order 1–5; a low rating reopens it to the manager for a return visit."""
    session = ctx.session
    request = await get_request(ctx, request_id, for_update=True)
    if request.filed_for_user_id != ctx.user_id:
        raise Problem(403, "not-yours", "Not your request", "only the resident whose request it is rates it")
    target = WORK_ORDERS.next(request.state, "rate")
    request.rating, request.rating_tags, request.rating_comment = (
        data.rating,
        list(dict.fromkeys(t.strip() for t in data.tags)),
        data.comment.strip(),
    )
    before = request.state
    request.state = target
    _log(session, request, "rate", ctx, from_state=before, to_state=target, note=f"{data.rating}★ {data.comment}".strip())
    if data.rating <= LOW_RATING:
        moment = now()
        await _reopen(session, request, moment)
        request.return_visit_due = True
        request.state = "assigned"
        _log(
            session,
            request,
            "reopen",
            None,
            from_state=target,
            to_state="assigned",
            note=f"low_rating:{data.rating}",  # an event and its value; the page says it in the reader's language
            label="系统",
        )
        managers = await told(session, "escalate", request.compound_id, await operator_of(session, request.compound_id))
        if managers:
            await notify(
                session,
                managers,
                "co_building.request.low_rating",
                f"差评回访 {request.number}（{data.rating}星）",
                data.comment[:200] or request.title,
                link=console_link(request),
                compound_id=request.compound_id,
            )
    await session.flush()
    emit(
        session,
        "co_building.request.rated",
        {"request_id": str(request.id), "rating": data.rating},
        compound_id=request.compound_id,
        actor_user_id=ctx.user_id,
    )
    return request


async def return_visit(ctx: RequestContext, request_id: uuid.UUID, data: s.NoteIn) -> ServiceRequest:
    """The manager records the return visit (回访) a low rating asked for."""
    session = ctx.session
    if not ctx.can(WORK_ORDER, "approve"):
        raise Problem(403, "not-allowed", "Not allowed", "return visits are recorded by the compound's managers")
    request = await get_request(ctx, request_id, for_update=True)
    if not request.return_visit_due:
        raise conflict("this request has no return visit due")
    request.return_visit_due = False
    _log(session, request, "return_visit", ctx, note=data.note)
    await session.flush()
    return request


async def add_note(ctx: RequestContext, request_id: uuid.UUID, data: s.NoteIn) -> ServiceRequest:
    """A remark on the timeline: staff progress notes, or the resident's follow-up."""
    session = ctx.session
    request = await get_request(ctx, request_id)
    if not (ctx.can(WORK_ORDER, "write") or request.filed_for_user_id == ctx.user_id):
        raise Problem(403, "not-allowed", "Not allowed", "only staff and the resident whose request it is add notes")
    if request.state in {"closed", "cancelled"}:
        raise conflict(f"the request is {request.state}")
    _log(session, request, "note", ctx, note=data.note)
    await session.flush()
    return request


async def me_too(ctx: RequestContext, request_id: uuid.UUID) -> ServiceRequest:
    """ "Me too" (我也遇到) on an open public-area request, once per person, instead of a duplicate request."""
    session = ctx.session
    request = await get_request(ctx, request_id, for_update=True)
    if request.location != "public":
        raise conflict('only public-area requests take "me too"')
    if request.state not in OPEN_STATES:
        raise conflict(f"the request is {request.state}: file a new one if the problem is back")
    if request.filed_for_user_id == ctx.user_id:
        raise conflict("this is your own request")
    if not await _own_residents(session, ctx.compound_id, ctx.user_id):
        raise Problem(403, "not-a-resident", "Not a resident of this compound", "only residents of the compound join a request")
    exists = await session.scalar(
        select(MeToo.id).where(MeToo.compound_id == ctx.compound_id, MeToo.request_id == request.id, MeToo.user_id == ctx.user_id)
    )
    if exists is not None:
        raise conflict("you have already joined this request")
    session.add(MeToo(compound_id=ctx.compound_id, request_id=request.id, user_id=ctx.user_id))
    try:
        await session.flush()
    except IntegrityError as exc:  # the same person twice at the same moment
        raise conflict("you have already joined this request") from exc
    request.me_too_count = (
        await session.scalar(
            select(func.count()).select_from(MeToo).where(MeToo.compound_id == ctx.compound_id, MeToo.request_id == request.id)
        )
        or 0
    )
    _log(session, request, "me_too", ctx)
    await session.flush()
    return request


async def hand_over(ctx: RequestContext, request_id: uuid.UUID, data: s.HandoverIn) -> ServiceRequest:
    """Mark a request beyond the property company's powers: coordination opens a case (event ``co_building.request.handed_over``)."""
    session = ctx.session
    if not ctx.can(WORK_ORDER, "approve"):
        raise Problem(403, "not-allowed", "Not allowed", "hand-overs to the community are decided by the compound's managers")
    request = await get_request(ctx, request_id, for_update=True)
    if request.beyond_powers:
        raise conflict("the request has already been handed over")
    if request.state in {"closed", "cancelled"}:
        raise conflict(f"the request is {request.state}")
    request.beyond_powers, request.handover_reason, request.case_status = True, data.reason, "requested"
    _log(session, request, "hand_over", ctx, note=data.reason)
    emit(
        session,
        "co_building.request.handed_over",
        {
            "request_id": str(request.id),
            "number": request.number,
            "kind": request.kind,
            "category": request.category,
            "title": request.title,
            "description": request.description,
            "location": request.location,
            "room_id": str(request.room_id) if request.room_id else None,
            "reason": data.reason,
            "filed_at": request.created_at.isoformat(),
            "resident_user_id": str(request.filed_for_user_id) if request.filed_for_user_id else None,
        },
        compound_id=request.compound_id,
        actor_user_id=ctx.user_id,
    )
    await session.flush()
    return request


def react(event: dict[str, Any]):
    """Coordination reports the case's progress (``coordination.case.updated``): the resident sees it on the same request."""
    if event.get("type") != "coordination.case.updated":
        return None
    payload = event.get("payload") or {}
    if payload.get("source") != "co_building.request" or not payload.get("source_id") or not event.get("compound_id"):
        return None
    compound_id = uuid.UUID(str(event["compound_id"]))
    request_id = uuid.UUID(str(payload["source_id"]))
    status = str(payload.get("status") or "")[:30]
    note = str(payload.get("note") or "")[:2000]
    reference = payload.get("reference")

    async def apply(session: AsyncSession) -> None:
        request = await session.scalar(
            select(ServiceRequest).where(ServiceRequest.compound_id == compound_id, ServiceRequest.id == request_id)
        )
        if request is None:
            return
        request.case_status = status or request.case_status
        if reference:
            request.case_reference = str(reference)[:60]
        _log(session, request, "case_update", None, note=f"{status}: {note}".strip(": "), label=str(payload.get("by") or "社区协同"))
        if request.filed_for_user_id:
            await notify(
                session,
                [request.filed_for_user_id],
                "co_building.request.case_update",
                f"您的诉求 {request.number} 协同办理进展：{status}",
                note[:200],
                link=portal_link(request),
                compound_id=compound_id,
            )

    return apply


# --------------------------------------------------------------------------- breaches and escalation


def _late_orders(moment: dt.datetime) -> tuple:
    """Open orders past a limit and not yet escalated to the end: what :func:`mark_breaches` looks at."""
    return (
        ServiceRequest.state.in_(OPEN_STATES),
        ((ServiceRequest.responded_at.is_(None)) & (ServiceRequest.response_due_at <= moment))
        | (ServiceRequest.completion_due_at <= moment),
        ServiceRequest.escalation_level < 2,
    )


async def compounds_with_late_orders(session: AsyncSession) -> list[uuid.UUID]:
    """The compounds where :func:`mark_breaches` has something to look at now (the job's one look-up over the city)."""
    return list((await session.scalars(select(ServiceRequest.compound_id).where(*_late_orders(now())).distinct())).all())


async def mark_breaches(session: AsyncSession, compound_ids: list[uuid.UUID] | None = None) -> s.BreachReport:
    """Mark orders past their limits and escalate (managers first, then the enterprise's administrators).

    Idempotent: a breach is marked once, each escalation level is reached once.
    """
    moment = now()
    stmt = select(ServiceRequest).where(*_late_orders(moment))
    if compound_ids is not None:
        stmt = stmt.where(ServiceRequest.compound_id.in_(compound_ids))
    marked = escalated = 0
    zones: dict[uuid.UUID, tuple[uuid.UUID | None, str]] = {}
    recipients: dict[tuple[uuid.UUID, str], list[uuid.UUID]] = {}
    """Who holds the roles escalated to, per compound: looked up once per run, not once per late order."""
    for request in (await session.scalars(stmt.order_by(ServiceRequest.compound_id, ServiceRequest.id))).all():
        if request.compound_id not in zones:
            zones[request.compound_id] = await operator_zone(session, request.compound_id)
        tenant_id, zone = zones[request.compound_id]
        breaches = []
        if request.responded_at is None and request.response_due_at <= moment and not request.response_breached:
            request.response_breached = True
            breaches.append("response")
        if request.completion_due_at <= moment and not request.completion_breached:
            request.completion_breached = True
            breaches.append("completion")
        if breaches:
            marked += 1
            _log(session, request, "breach", None, note=", ".join(breaches), label="系统")
        first_due = min(
            d
            for d, late in ((request.response_due_at, request.response_breached), (request.completion_due_at, request.completion_breached))
            if late
        )
        level = 1 if moment < escalate_again_at(first_due, request.limit_basis, zone) else 2
        while request.escalation_level < level:
            request.escalation_level += 1
            act = ESCALATION[request.escalation_level]
            if (request.compound_id, act) not in recipients:
                recipients[(request.compound_id, act)] = await told(session, act, request.compound_id, tenant_id)
            people = recipients[(request.compound_id, act)]
            what = "超时未响应" if request.response_breached and request.responded_at is None else "超时未办结"
            if people:
                await notify(
                    session,
                    people,
                    "co_building.request.breach",
                    f"工单{what}（{request.escalation_level}级督办）{request.number}",
                    request.title,
                    link=console_link(request),
                    tenant_id=tenant_id,
                    compound_id=request.compound_id,
                    channels=("inbox", "sms"),
                )
            _log(session, request, "escalate", None, note=f"escalated:{request.escalation_level}:{act}", label="系统")
            escalated += 1
    await session.flush()
    return s.BreachReport(marked=marked, escalated=escalated)


async def open_count(session: AsyncSession, compound_ids: list[uuid.UUID]) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(ServiceRequest)
            .where(ServiceRequest.compound_id.in_(compound_ids), ServiceRequest.state.in_(OPEN_STATES))
        )
        or 0
    )


async def close_rated(session: AsyncSession, compound_id: uuid.UUID, days: int = 3) -> int:
    """Close the compound's orders rated, or completed and left unrated, ``days`` days ago (the resident had their say)."""
    cutoff = now() - dt.timedelta(days=days)
    rows = (
        await session.scalars(
            select(ServiceRequest).where(
                ServiceRequest.compound_id == compound_id,
                ServiceRequest.state.in_(["rated", "completed"]),
                ServiceRequest.completed_at <= cutoff,
                ServiceRequest.return_visit_due.is_(False),
            )
        )
    ).all()
    for request in rows:
        _log(
            session,
            request,
            "close",
            None,
            from_state=request.state,
            to_state="closed",
            note=f"auto_closed:{days}",
            label="系统",
        )
        request.state, request.closed_at = "closed", now()
    await session.flush()
    return len(rows)


# --------------------------------------------------------------------------- demo

DEMO_REQUESTS = (
    # (state, kind, category, location, priority, title, days ago)
    ("submitted", "repair", "elevator", "public", "urgent", "2号楼1单元电梯异响", 0),
    ("assigned", "repair", "plumbing", "room", "normal", "卫生间地漏返水", 1),
    ("accepted", "complaint", "sanitation", "public", "normal", "垃圾分类点清运不及时", 1),
    ("in_progress", "repair", "electrical", "public", "normal", "地下车库照明灯不亮", 2),
    ("completed", "repair", "doors_windows", "room", "normal", "入户门锁芯损坏", 3),
    ("rated", "suggestion", "greening", "public", "normal", "建议增加儿童游乐区遮阳", 6),
    ("closed", "praise", "security", "public", "normal", "表扬夜班保安帮忙找回孩子", 9),
    ("cancelled", "enquiry", "parking", "public", "normal", "咨询临时停车收费标准", 4),
    ("submitted", "complaint", "noise", "public", "normal", "临街商铺夜间噪音扰民", 5),
)


def demo_rows(seed) -> None:
    seed.then(_demo_requests)


async def _demo_requests(session: AsyncSession, city) -> None:
    """Requests in every state in A1, one late and escalated, one handed over to the community, one public with "me too"."""
    compound_id = city.compounds["A1"]
    manager, staff, resident, neighbour = (city.users[k] for k in ("ent-a-manager", "ent-a-staff", "resident-a1", "resident-a1b"))
    me = (await _own_residents(session, compound_id, resident))[0]
    my_room = sorted(await resident_rooms(session, compound_id, resident))[0]
    tenant_id, zone = await operator_zone(session, compound_id)
    path = ["assign", "accept", "start", "complete", "rate", "close"]
    labels = {manager: "红城物业项目经理", staff: "红城物业维修工", resident: me.name}
    moment = now()
    for i, (state, kind, category, location, priority, title, days) in enumerate(DEMO_REQUESTS):
        filed = moment - dt.timedelta(days=days, hours=2 + i)
        response_due, completion_due, basis = await _due(session, tenant_id, zone, category, priority, filed)
        request = ServiceRequest(
            id=uuid7(),
            compound_id=compound_id,
            number=f"{filed:%Y%m%d}-{9000 + i}",
            kind=kind,
            category=category,
            priority=priority,
            location=location,
            channel="phone" if i % 4 == 3 else "portal",
            title=title,
            description=title,
            room_id=my_room if location == "room" else None,
            resident_id=me.id,
            filed_for_user_id=resident,
            filed_by_user_id=staff if i % 4 == 3 else resident,
            contact_name=me.name,
            contact_phone=me.phone,
            state="submitted",
            response_due_at=response_due,
            completion_due_at=completion_due,
            limit_basis=basis,
            rating_tags=[],
        )
        request.created_at = filed
        session.add(request)
        await session.flush()
        session.add(
            RequestEvent(
                compound_id=compound_id,
                request_id=request.id,
                action="file",
                to_state="submitted",
                actor_user_id=resident,
                actor_label=me.name,
                at=filed,
            )
        )
        steps = {"submitted": 0, "assigned": 1, "accepted": 2, "in_progress": 3, "completed": 4, "rated": 5, "closed": 6, "cancelled": 0}[
            state
        ]
        at, current = filed, "submitted"
        for action in path[:steps]:
            at = at + dt.timedelta(hours=1)
            target = WORK_ORDER_TRANSITIONS[current][action]
            actor = manager if action in {"assign", "close"} else resident if action == "rate" else staff
            session.add(
                RequestEvent(
                    compound_id=compound_id,
                    request_id=request.id,
                    action=action,
                    from_state=current,
                    to_state=target,
                    actor_user_id=actor,
                    actor_label=labels[actor],
                    at=at,
                    note="已上门处理" if action == "complete" else "",
                )
            )
            current = target
            if action == "assign":
                request.assignee_user_id = staff
            if action == "accept":
                request.responded_at = at
            if action == "complete":
                request.completed_at = at
            if action == "rate":
                request.rating, request.rating_tags, request.rating_comment = 5, ["及时", "态度好"], "处理很及时"
            if action == "close":
                request.closed_at = at
        if state == "cancelled":
            session.add(
                RequestEvent(
                    compound_id=compound_id,
                    request_id=request.id,
                    action="cancel",
                    from_state="submitted",
                    to_state="cancelled",
                    actor_user_id=resident,
                    actor_label=me.name,
                    at=filed + dt.timedelta(hours=1),
                )
            )
            request.closed_at = filed + dt.timedelta(hours=1)
            current = "cancelled"
        request.state = current
        if location == "public" and state in OPEN_STATES and kind == "repair":
            session.add(MeToo(compound_id=compound_id, request_id=request.id, user_id=neighbour))
            request.me_too_count = 1
        if category == "noise":
            request.beyond_powers, request.handover_reason, request.case_status = True, "商铺噪音需城管执法", "requested"
            session.add(
                RequestEvent(
                    compound_id=compound_id,
                    request_id=request.id,
                    action="hand_over",
                    actor_user_id=manager,
                    actor_label=labels[manager],
                    note="商铺噪音需城管执法",
                    at=filed + dt.timedelta(hours=1),
                )
            )
            emit(
                session,
                "co_building.request.handed_over",
                {
                    "request_id": str(request.id),
                    "number": request.number,
                    "kind": kind,
                    "category": category,
                    "title": title,
                    "description": title,
                    "location": location,
                    "room_id": None,
                    "reason": "商铺噪音需城管执法",
                    "filed_at": filed.isoformat(),
                    "resident_user_id": str(resident),
                },
                compound_id=compound_id,
            )
    await session.flush()
    await mark_breaches(session, [compound_id])
