"""Cases of "property + law enforcement + service" (物业+执法+服务) and whistle / report-in (吹哨报到).

A case is reported by property staff, a grid worker or the community, opened
from a resident's request that co_building handed over, or from an alarm of
smart_property. The district's routing table names the department of each
category; a case without a route stays with the community. The machine:

    reported → accepted → dispatched → in progress → resolved → verified → closed
    returned (to the sender, with reason) ← reported / accepted; resubmit → reported
    rejected (by the department, with reason) ← dispatched; back with the community to re-route

Every move is checked (the mover's permission, then the machine: 409 naming the
allowed moves), attributed, put on the timeline and emitted as
``coordination.case.updated`` (co_building shows it on the resident's request).
Limits (respond in working hours, resolve in working days) come from the
district's table; ``check_deadlines`` marks breaches and escalates community →
street → district, and flags departments that missed a whistle's report-in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_zone, module_state, rules
from core.authz.guard import can
from core.authz.holders import holders
from core.calendar import work_calendar
from core.clock import now
from core.context import RequestContext, forbidden
from core.db import serialise
from core.events.services import emit
from core.identity.models import Membership
from core.ids import uuid7
from core.notifications.services import notify
from core.problems import Problem, invalid, not_found
from core.states import StateMachine
from plugins.coordination.models.cases import CATEGORIES, LEVELS, LOCATIONS, PRIORITIES, Case, CaseEvent, Route, TimeLimit, WhistleCall
from plugins.coordination.schemas import cases as s
from plugins.coordination.services.grids import grid_of_building, my_grids
from tenants.models import Building, Compound, Department, Room, Unit

MODULE = "coordination"
CASE = StateMachine(
    "case",
    {
        "reported": {"accept": "accepted", "return": "returned"},
        "accepted": {"dispatch": "dispatched", "start": "in_progress", "return": "returned"},
        "dispatched": {"start": "in_progress", "reject": "rejected"},
        "rejected": {"dispatch": "dispatched", "start": "in_progress"},
        "in_progress": {"resolve": "resolved"},
        "resolved": {"verify": "verified", "reopen": "in_progress"},
        "verified": {"close": "closed"},
        "returned": {"resubmit": "reported", "withdraw": "closed"},
        "closed": {},
    },
)
ACTIONS = frozenset(a for moves in CASE.transitions.values() for a in moves)
COMMUNITY_MOVES = frozenset({"accept", "return", "dispatch", "verify", "reopen", "close"})
"""Moves of the community / street office: ``approve`` on ``coordination.case``."""
DEPARTMENT_MOVES = frozenset({"start", "resolve", "reject"})
"""Moves of whoever holds the case: the department it is dispatched to, else the community itself."""
SENDER_MOVES = frozenset({"resubmit", "withdraw"})
"""Moves of the sender of a returned case: ``write`` on ``coordination.case``."""
NEEDS_NOTE = frozenset({"return", "reject"})
WAITING = frozenset({"reported", "accepted", "dispatched", "rejected"})
"""Nobody works on the case yet: the response limit runs."""
OPEN = WAITING | {"in_progress"}
"""The resolution limit runs."""
FINISHED = frozenset({"resolved", "verified", "closed"})
MAX_TABLE = 100
"""A routing or limits table has at most a line per category and priority: answered whole after a change."""

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {"urgent": (2, 3), "normal": (8, 10)}
"""(working hours to respond, working days to resolve) where the district has set nothing."""
ESCALATE_STEP_HOURS = 8
"""Working hours (one office day) a breach waits at each level before it goes one level up."""
CATEGORY_FROM_REQUEST = {"noise": "noise", "greening": "green_space_enclosure", "security": "safety_hazard"}
"""co_building request categories that name a case category; any other becomes ``other``."""
URGENT_SEVERITIES = frozenset({"high", "critical", "urgent"})

LEVEL_PERMISSION = {1: "coordination.escalation_community", 2: "coordination.escalation_street", 3: "coordination.escalation_district"}
"""Who hears of a breach at each level: holders of ``read`` on this object (district roles, custom roles included)."""
LEVEL_WORDS = {1: "社区", 2: "街道", 3: "区级"}


def console_link(case: Case) -> str:
    return f"/console/compounds/{case.compound_id}/coordination/cases/{case.id}"


def notice_link(case: Case) -> str:
    """A notification's link: it opens the case while it is in the reader's reach, else their desk (a department's
    officers are told of a dispatch, and the case leaves them when they reject it or it goes elsewhere)."""
    return console_link(case) + "/open"


# --------------------------------------------------------------------------- who is asking


async def my_department(ctx: RequestContext) -> uuid.UUID | None:
    """The caller's department in their active tenant (an officer's), if any."""
    if ctx.tenant_id is None:
        return None
    key = "coordination.department"
    cache = ctx.session.info.setdefault("coordination", {})
    if key not in cache:
        cache[key] = await ctx.session.scalar(
            select(Membership.department_id).where(Membership.user_id == ctx.user_id, Membership.tenant_id == ctx.tenant_id)
        )
    return cache[key]


async def visible_cases(ctx: RequestContext) -> Select[Any]:
    """Cases the caller may see: every case in reach with ``read`` on cases; else an officer's department's cases
    (dispatched to it, or a whistle summoned it) and a grid worker's grids' cases."""
    stmt = select(Case)
    if ctx.can("coordination.case", "read"):
        return stmt
    seen = []
    if ctx.can("coordination.department_case", "read"):
        department = await my_department(ctx)
        if department is not None:
            summoned = select(WhistleCall.case_id).where(WhistleCall.department_id == department)
            seen += [Case.department_id == department, Case.id.in_(summoned)]
    if ctx.can("coordination.grid_case", "read"):
        seen.append(Case.grid_id.in_(my_grids(ctx.user_id)))
    if not seen and not ctx.can("coordination.department_case", "read"):
        raise forbidden("coordination.case", "read")
    return stmt.where(or_(*seen) if seen else false())


async def get_case(ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, *, for_update: bool = False) -> Case:
    stmt = (await visible_cases(ctx)).where(Case.compound_id == compound_id, Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = await ctx.session.scalar(stmt)
    if row is None:
        raise not_found("case")
    return row


def _move_permission(action: str, case: Case) -> tuple[str, str]:
    if action in COMMUNITY_MOVES:
        return "coordination.case", "approve"
    if action in SENDER_MOVES:
        return "coordination.case", "write"
    if case.department_id is None:  # the community holds it and works it itself
        return "coordination.case", "approve"
    return "coordination.department_case", "write"


async def may_move(ctx: RequestContext, case: Case, action: str) -> bool:
    obj, act = _move_permission(action, case)
    if not ctx.can(obj, act, case.compound_id):
        return False
    if obj == "coordination.department_case":
        return case.department_id == await my_department(ctx)
    return True


async def allowed_moves(ctx: RequestContext, case: Case) -> list[str]:
    return [a for a in CASE.allowed(case.state) if await may_move(ctx, case, a)]


# --------------------------------------------------------------------------- limits and routing


async def limits_for(session: AsyncSession, district_id: uuid.UUID, category: str, priority: str) -> tuple[int, int]:
    """(response hours, resolution days): the district's line for the category, else its ``*`` line, else the default."""
    rows = (
        await session.execute(
            select(TimeLimit.category, TimeLimit.response_hours, TimeLimit.resolution_days).where(
                TimeLimit.tenant_id == district_id, TimeLimit.priority == priority, TimeLimit.category.in_([category, "*"])
            )
        )
    ).all()
    found = {c: (h, d) for c, h, d in rows}
    return found.get(category) or found.get("*") or DEFAULT_LIMITS[priority]


async def route_for(session: AsyncSession, district_id: uuid.UUID, category: str) -> uuid.UUID | None:
    return await session.scalar(select(Route.department_id).where(Route.tenant_id == district_id, Route.category == category))


async def _district_department(session: AsyncSession, district_id: uuid.UUID, department_id: uuid.UUID) -> Department:
    dept = await session.scalar(select(Department).where(Department.id == department_id, Department.tenant_id == district_id))
    if dept is None:
        raise invalid("department_id", "no such department in the case's district")
    return dept


def _district_of(ctx: RequestContext) -> uuid.UUID:
    if ctx.tenant_id is None:
        raise forbidden("coordination.routing", "write")
    return ctx.tenant_id


async def departments(ctx: RequestContext) -> list[s.DepartmentOut]:
    """The departments of the caller's district (the choices of dispatch, whistle and routing)."""
    rows = (await ctx.session.scalars(select(Department).where(Department.tenant_id == _district_of(ctx)).order_by(Department.name))).all()
    return [s.DepartmentOut(id=d.id, name=d.name, kind=d.kind) for d in rows]


async def routes(ctx: RequestContext) -> list[s.RouteOut]:
    """The district's routing table, one line per category (None: the community keeps it)."""
    district = _district_of(ctx)
    rows = (
        await ctx.session.execute(
            select(Route.category, Route.department_id, Department.name)
            .join(Department, Department.id == Route.department_id)
            .where(Route.tenant_id == district)
        )
    ).all()
    found = {c: (d, n) for c, d, n in rows}
    return [
        s.RouteOut(category=c, department_id=found.get(c, (None, None))[0], department_name=found.get(c, (None, None))[1])
        for c in CATEGORIES
    ]


async def set_route(ctx: RequestContext, data: s.RouteIn) -> list[s.RouteOut]:
    ctx.require("coordination.routing", "write")
    district = _district_of(ctx)
    if data.category not in CATEGORIES:
        raise invalid("category", f"unknown category; one of {', '.join(CATEGORIES)}")
    line = await ctx.session.scalar(select(Route).where(Route.tenant_id == district, Route.category == data.category))
    if data.department_id is None:
        if line is not None:
            await ctx.session.delete(line)
    else:
        await _district_department(ctx.session, district, data.department_id)
        if line is None:
            ctx.session.add(Route(tenant_id=district, category=data.category, department_id=data.department_id))
        else:
            line.department_id = data.department_id
    await ctx.session.flush()
    return await routes(ctx)


async def time_limits(ctx: RequestContext) -> list[s.TimeLimitOut]:
    district = _district_of(ctx)
    rows = (await ctx.session.scalars(select(TimeLimit).where(TimeLimit.tenant_id == district))).all()
    lines = [
        s.TimeLimitOut(
            category=r.category, priority=r.priority, response_hours=r.response_hours, resolution_days=r.resolution_days, default=False
        )
        for r in rows
    ]
    have = {(r.category, r.priority) for r in rows}
    lines += [
        s.TimeLimitOut(category="*", priority=p, response_hours=h, resolution_days=d, default=True)
        for p, (h, d) in DEFAULT_LIMITS.items()
        if ("*", p) not in have
    ]
    return sorted(lines, key=lambda line: (line.category, line.priority))


async def set_time_limit(ctx: RequestContext, data: s.TimeLimitIn) -> list[s.TimeLimitOut]:
    ctx.require("coordination.routing", "write")
    district = _district_of(ctx)
    if data.category != "*" and data.category not in CATEGORIES:
        raise invalid("category", f"unknown category; one of *, {', '.join(CATEGORIES)}")
    if data.priority not in PRIORITIES:
        raise invalid("priority", f"one of {', '.join(PRIORITIES)}")
    line = await ctx.session.scalar(
        select(TimeLimit).where(TimeLimit.tenant_id == district, TimeLimit.category == data.category, TimeLimit.priority == data.priority)
    )
    if line is None:
        line = TimeLimit(tenant_id=district, category=data.category, priority=data.priority, response_hours=0, resolution_days=0)
        ctx.session.add(line)
    line.response_hours, line.resolution_days = data.response_hours, data.resolution_days
    await ctx.session.flush()
    return await time_limits(ctx)


# --------------------------------------------------------------------------- opening


async def _number(session: AsyncSession, compound_id: uuid.UUID, moment: dt.datetime, zone: str) -> str:
    day = moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")
    prefix = f"XT{day}-"
    await serialise(session, "coordination.case_number", compound_id)  # concurrent cases count one after the other
    count = await session.scalar(
        select(func.count()).select_from(Case).where(Case.compound_id == compound_id, Case.number.like(f"{prefix}%"))
    )
    return f"{prefix}{(count or 0) + 1:04d}"


def _log(
    session: AsyncSession,
    case_row: Case,
    action: str,
    *,
    user_id: uuid.UUID | None = None,
    label: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    department_id: uuid.UUID | None = None,
) -> None:
    session.add(
        CaseEvent(
            compound_id=case_row.compound_id,
            case_id=case_row.id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_user_id=user_id,
            actor_label=label[:100],
            department_id=department_id,
            note=note,
            at=now(),
        )
    )


def _updated(session: AsyncSession, case_row: Case, note: str, by: str, user_id: uuid.UUID | None = None) -> None:
    """``coordination.case.updated``: every move of every case, with its source where it came from elsewhere."""
    emit(
        session,
        "coordination.case.updated",
        {
            "case_id": str(case_row.id),
            "source": case_row.source if case_row.source_id else None,
            "source_id": case_row.source_id,
            "status": case_row.state,
            "note": note,
            "reference": case_row.number,
            "by": by,
        },
        compound_id=case_row.compound_id,
        actor_user_id=user_id,
    )


async def open_case(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    category: str,
    priority: str,
    title: str,
    description: str = "",
    location: str = "compound",
    building_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    point: str = "",
    source: str = "staff",
    source_id: str | None = None,
    reporter_user_id: uuid.UUID | None = None,
    reporter_label: str = "",
    resident_user_id: uuid.UUID | None = None,
    note: str = "",
) -> Case:
    """Write a case (inputs already checked), its first timeline step, the event, and tell the community."""
    compound = await session.scalar(select(Compound).where(Compound.id == compound_id))
    if compound is None:
        raise invalid("compound_id", "no such compound")
    moment = now()
    zone = await compound_zone(session, compound_id)
    hours, days = await limits_for(session, compound.district_tenant_id, category, priority)
    cal = work_calendar()
    grid = await grid_of_building(session, compound_id, building_id) if building_id else None
    row = Case(
        compound_id=compound_id,
        number=await _number(session, compound_id, moment, zone),
        source=source,
        source_id=source_id,
        category=category,
        priority=priority,
        title=title[:200],
        description=description,
        location=location,
        building_id=building_id,
        room_id=room_id,
        point=point,
        district_tenant_id=compound.district_tenant_id,
        community_id=compound.community_id,
        reporter_user_id=reporter_user_id,
        reporter_label=reporter_label[:100],
        resident_user_id=resident_user_id,
        grid_id=grid[0] if grid else None,
        state="reported",
        response_due_at=cal.add_working_hours(moment, hours, zone),
        resolution_due_at=cal.add_working_days(moment, days, zone),
    )
    session.add(row)
    await session.flush()
    _log(session, row, "report", user_id=reporter_user_id, label=reporter_label, to_state="reported", note=note)
    _updated(session, row, note, reporter_label, reporter_user_id)
    if grid and grid[1] and grid[1] != reporter_user_id:  # the grid worker hears first, to check on the spot
        await notify(
            session,
            [grid[1]],
            "coordination.case.in_grid",
            f"网格内新案件 {row.number}：{row.title}",
            description[:200],
            link=notice_link(row),
            compound_id=compound_id,
            channels=("inbox", "sms"),
        )
    community = await holders(session, "coordination.case", "approve", compound_id, tenant_ids=[compound.district_tenant_id])
    if community:
        await notify(
            session,
            community,
            "coordination.case.reported",
            f"新案件 {row.number}：{row.title}",
            description[:200],
            link=notice_link(row),
            compound_id=compound_id,
        )
    return row


async def _check_location(session: AsyncSession, data: s.CaseIn) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The case's building and room, checked against its compound (a room names its building)."""
    if data.location not in LOCATIONS:
        raise invalid("location", f"one of {', '.join(LOCATIONS)}")
    if data.location == "room":
        if data.room_id is None:
            raise invalid("room_id", "a case in a room names the room")
        building = await session.scalar(
            select(Unit.building_id)
            .join(Room, (Room.compound_id == Unit.compound_id) & (Room.unit_id == Unit.id))
            .where(Room.compound_id == data.compound_id, Room.id == data.room_id)
        )
        if building is None:
            raise invalid("room_id", "no such room in this compound")
        return building, data.room_id
    if data.location == "building":
        if data.building_id is None:
            raise invalid("building_id", "a case at a building names the building")
        found = await session.scalar(select(Building.id).where(Building.compound_id == data.compound_id, Building.id == data.building_id))
        if found is None:
            raise invalid("building_id", "no such building in this compound")
        return data.building_id, None
    if data.location == "point" and not data.point.strip():
        raise invalid("point", "describe where the case is")
    return None, None


async def report_case(ctx: RequestContext, data: s.CaseIn) -> Case:
    """Property staff, a grid worker or the community report a case; every check runs before anything is written."""
    if data.category not in CATEGORIES:
        raise invalid("category", f"unknown category; one of {', '.join(CATEGORIES)}")
    if data.priority not in PRIORITIES:
        raise invalid("priority", f"one of {', '.join(PRIORITIES)}")
    if data.source not in ("staff", "grid", "community"):
        raise invalid("source", "one of staff, grid, community")
    if not ctx.principal.scope.allows(data.compound_id):
        raise invalid("compound_id", "the compound is outside your reach", status=422)
    if not ctx.can("coordination.case", "write", data.compound_id):
        raise forbidden("coordination.case", "write")
    active, reason = await module_state(ctx.session, data.compound_id, MODULE)
    if not active:
        raise invalid("compound_id", f"coordination is not enabled for the compound: {reason}")
    building_id, room_id = await _check_location(ctx.session, data)
    return await open_case(
        ctx.session,
        data.compound_id,
        category=data.category,
        priority=data.priority,
        title=data.title,
        description=data.description,
        location=data.location,
        building_id=building_id,
        room_id=room_id,
        point=data.point.strip(),
        source=data.source,
        reporter_user_id=ctx.user_id,
        reporter_label=ctx.display_name,
    )


# --------------------------------------------------------------------------- moving


async def _department_users(session: AsyncSession, department_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = (
        await session.execute(
            select(Membership.department_id, Membership.user_id).where(Membership.department_id.in_(list(department_ids)))
        )
    ).all()
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for dept, user in rows:
        found[dept].append(user)
    return found


async def _department_names(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i}
    return dict((await session.execute(select(Department.id, Department.name).where(Department.id.in_(wanted)))).all())


async def move(ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, data: s.MoveIn) -> Case:
    """One move: the caller's right (403 naming it), then the machine (409 naming the allowed moves), then the rules."""
    if data.action not in ACTIONS:
        raise invalid("action", f"unknown move; one of {', '.join(sorted(ACTIONS))}")
    session = ctx.session
    row = await get_case(ctx, compound_id, case_id, for_update=True)
    if not await may_move(ctx, row, data.action):
        obj, act = _move_permission(data.action, row)
        if obj == "coordination.department_case" and ctx.can(obj, act, compound_id):
            raise Problem(403, "not-your-department", "Not your department", "the case is dispatched to another department")
        raise forbidden(obj, act)
    CASE.next(row.state, data.action)
    note = data.note.strip()
    if data.action in NEEDS_NOTE and not note:
        raise invalid("note", "give the reason")
    dept_name = ""
    department_id = row.department_id
    if data.action == "dispatch":
        department_id = data.department_id or await route_for(session, row.district_tenant_id, row.category)
        if department_id is None:
            raise invalid("department_id", "the routing table has no department for this category: name one, or start it in the community")
        dept_name = (await _district_department(session, row.district_tenant_id, department_id)).name
    elif row.department_id is not None and data.action in DEPARTMENT_MOVES:
        dept_name = (await _department_names(session, [row.department_id])).get(row.department_id, "")
    await apply_move(
        session, row, data.action, note, user_id=ctx.user_id, actor=ctx.display_name, department_id=department_id, department=dept_name
    )
    await session.flush()
    return row


async def apply_move(
    session: AsyncSession,
    row: Case,
    action: str,
    note: str,
    *,
    user_id: uuid.UUID | None,
    actor: str,
    department_id: uuid.UUID | None = None,
    department: str = "",
) -> None:
    """Make a checked move: timestamps, the timeline, ``coordination.case.updated`` and whom to tell."""
    target = CASE.next(row.state, action)
    moment = now()
    before = row.state
    row.state = target
    if action == "accept":
        row.accepted_at = moment
    elif action == "dispatch":
        hours, _ = await limits_for(session, row.district_tenant_id, row.category, row.priority)
        row.department_id, row.dispatched_at = department_id, moment
        row.response_due_at = work_calendar().add_working_hours(moment, hours, await compound_zone(session, row.compound_id))
        row.response_breached = False
    elif action == "start":
        row.started_at = row.started_at or moment
    elif action == "resolve":
        row.resolved_at = moment
    elif action == "reopen":
        row.resolved_at = None
    elif action == "verify":
        row.verified_at = moment
    elif action in ("close", "withdraw"):
        row.closed_at = moment
    elif action in ("return", "reject"):
        row.reason = note[:500]
        if action == "reject":
            row.department_id = None
    elif action == "resubmit":
        row.reason = ""
    by = f"{department} {actor}".strip() if department and action != "dispatch" else actor
    shown = f"{department}：{note}".strip("：") if action == "dispatch" else note
    _log(
        session,
        row,
        action,
        user_id=user_id,
        label=by,
        from_state=before,
        to_state=target,
        note=shown,
        department_id=department_id if action in DEPARTMENT_MOVES | {"dispatch"} else None,
    )
    _updated(session, row, shown, by, user_id)
    await _tell(session, row, action, user_id, department_id)


async def _tell(session: AsyncSession, row: Case, action: str, actor: uuid.UUID | None, department_id: uuid.UUID | None) -> None:
    """The department hears of a dispatch, the community of a rejection or resolution, the sender of a return."""
    words = {"dispatch": "派遣", "reject": "被部门退回", "resolve": "已办结待核查", "return": "被退回", "close": "已结案"}
    if action not in words:
        return
    if action == "dispatch" and department_id:
        people = (await _department_users(session, [department_id])).get(department_id, [])
    elif action in ("reject", "resolve"):
        people = await holders(session, "coordination.case", "approve", row.compound_id, tenant_ids=[row.district_tenant_id])
    else:
        people = [row.reporter_user_id] if row.reporter_user_id else []
    people = [p for p in people if p != actor]
    if people:
        await notify(
            session,
            people,
            f"coordination.case.{action}",
            f"案件 {row.number} {words[action]}：{row.title}",
            row.reason if action in ("reject", "return") else row.description[:200],
            link=notice_link(row),
            compound_id=row.compound_id,
        )


# --------------------------------------------------------------------------- whistle and report-in


async def whistle(ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, data: s.WhistleIn) -> Case:
    """吹哨: summon departments; each must report in within ``hours`` working hours."""
    row = await get_case(ctx, compound_id, case_id, for_update=True)
    ctx.require("coordination.whistle", "write", compound_id)
    if CASE.is_final(row.state) or row.state in FINISHED:
        raise Problem(409, "case-finished", "Case finished", f"the case is {row.state}: no department is summoned to it")
    wanted = list(dict.fromkeys(data.department_ids))
    found = dict(
        (
            await ctx.session.execute(
                select(Department.id, Department.name).where(Department.id.in_(wanted), Department.tenant_id == row.district_tenant_id)
            )
        ).all()
    )
    missing = [d for d in wanted if d not in found]
    if missing:
        raise invalid("department_ids", f"not departments of the case's district: {', '.join(map(str, missing))}")
    moment = now()
    due = work_calendar().add_working_hours(moment, data.hours, await compound_zone(ctx.session, compound_id))
    whistle_id = uuid7()
    for dept in wanted:
        ctx.session.add(
            WhistleCall(
                compound_id=compound_id,
                case_id=row.id,
                whistle_id=whistle_id,
                department_id=dept,
                called_by_user_id=ctx.user_id,
                called_by_label=ctx.display_name,
                note=data.note,
                called_at=moment,
                due_at=due,
            )
        )
    names = "、".join(found[d] for d in wanted)
    note = f"{names}：{data.note}".strip("：")
    _log(ctx.session, row, "whistle", user_id=ctx.user_id, label=ctx.display_name, note=note)
    _updated(ctx.session, row, f"吹哨 {note}", ctx.display_name, ctx.user_id)
    people = [u for users in (await _department_users(ctx.session, wanted)).values() for u in users]
    if people:
        await notify(
            ctx.session,
            people,
            "coordination.case.whistle",
            f"吹哨报到 {row.number}：{row.title}",
            f"请于 {due.astimezone(ZoneInfo(await compound_zone(ctx.session, compound_id))):%m-%d %H:%M} 前报到。{data.note}",
            link=notice_link(row),
            compound_id=compound_id,
            channels=("inbox", "sms"),
        )
    await ctx.session.flush()
    return row


async def report_in(ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, data: s.NoteIn) -> Case:
    """报到: the officer's department answers the whistle (late if past the limit: it stays counted as missed)."""
    row = await get_case(ctx, compound_id, case_id, for_update=True)
    ctx.require("coordination.department_case", "write", compound_id)
    department = await my_department(ctx)
    call = await ctx.session.scalar(
        select(WhistleCall)
        .where(
            WhistleCall.compound_id == compound_id,
            WhistleCall.case_id == row.id,
            WhistleCall.department_id == department,
            WhistleCall.reported_at.is_(None),
        )
        .order_by(WhistleCall.called_at)
        .limit(1)
    )
    if call is None:
        raise Problem(409, "no-call", "Nothing to report in to", "your department has no pending whistle on this case")
    moment = now()
    call.reported_at, call.reported_by_user_id, call.report_note = moment, ctx.user_id, data.note
    if moment > call.due_at:
        call.missed = True
    dept_name = (await _department_names(ctx.session, [call.department_id])).get(call.department_id, "")
    label = f"{dept_name} {ctx.display_name}".strip()
    _log(
        ctx.session,
        row,
        "report_in",
        user_id=ctx.user_id,
        label=label,
        note=data.note + (" (逾期)" if call.missed else ""),
        department_id=department,
    )
    await ctx.session.flush()
    return row


# --------------------------------------------------------------------------- deadlines and escalation


def _late_cases(moment: dt.datetime) -> tuple:
    """Open cases past a time limit: what :func:`check_deadlines` marks and escalates."""
    return (Case.state.in_(OPEN), ((Case.state.in_(WAITING)) & (Case.response_due_at <= moment)) | (Case.resolution_due_at <= moment))


def _due_report_ins(moment: dt.datetime) -> tuple:
    """Whistle calls whose report-in time has passed unanswered: what :func:`check_deadlines` flags as missed."""
    return (WhistleCall.reported_at.is_(None), WhistleCall.missed.is_(False), WhistleCall.due_at <= moment)


async def compounds_with_deadlines(session: AsyncSession) -> set[uuid.UUID]:
    """The compounds where :func:`check_deadlines` has something to look at now (the job's look-up over the city)."""
    moment = now()
    late = await session.scalars(select(Case.compound_id).where(*_late_cases(moment)).distinct())
    calls = await session.scalars(select(WhistleCall.compound_id).where(*_due_report_ins(moment)).distinct())
    return set(late.all()) | set(calls.all())


async def check_deadlines(session: AsyncSession, compound_id: uuid.UUID) -> s.DeadlineReport:
    """Mark breached limits, escalate one level per office day of delay (community → street → district, each told
    once), flag missed report-ins. Idempotent: run it as often as you like."""
    moment = now()
    late = (await session.scalars(select(Case).where(Case.compound_id == compound_id, *_late_cases(moment)).order_by(Case.id))).all()
    report = s.DeadlineReport(breached=0, escalated=0, missed_report_ins=0)
    zone = await compound_zone(session, compound_id) if late else ""
    cal = work_calendar()
    told: dict[int, list[uuid.UUID]] = {}
    for row in late:
        what = []
        if row.state in WAITING and row.response_due_at <= moment and not row.response_breached:
            row.response_breached = True
            what.append("response")
        if row.resolution_due_at <= moment and not row.resolution_breached:
            row.resolution_breached = True
            what.append("resolution")
        if what:
            report.breached += 1
            _log(session, row, "breach", label="系统", note=", ".join(what))
        first_due = min(d for d, b in ((row.response_due_at, row.response_breached), (row.resolution_due_at, row.resolution_breached)) if b)
        level = 1
        while level < 3 and moment >= cal.add_working_hours(first_due, ESCALATE_STEP_HOURS * level, zone):
            level += 1
        while row.escalation_level < level:
            row.escalation_level += 1
            row.escalated_at = moment
            lvl = row.escalation_level
            if lvl not in told:
                told[lvl] = await holders(session, LEVEL_PERMISSION[lvl], "read", compound_id)
            if told[lvl]:
                await notify(
                    session,
                    told[lvl],
                    "coordination.case.escalated",
                    f"案件超时督办（{LEVEL_WORDS[lvl]}）{row.number}：{row.title}",
                    "超时未响应" if row.response_breached and row.state in WAITING else "超时未办结",
                    link=notice_link(row),
                    compound_id=compound_id,
                    channels=("inbox", "sms"),
                )
            _log(session, row, "escalate", label="系统", note=LEVELS[lvl])
            emit(
                session,
                "coordination.case.escalated",
                {"case_id": str(row.id), "number": row.number, "category": row.category, "level": LEVELS[lvl]},
                compound_id=compound_id,
            )
            report.escalated += 1
    calls = (await session.scalars(select(WhistleCall).where(WhistleCall.compound_id == compound_id, *_due_report_ins(moment)))).all()
    if calls:
        cases = {
            c.id: c
            for c in (
                await session.scalars(select(Case).where(Case.compound_id == compound_id, Case.id.in_({c.case_id for c in calls})))
            ).all()
        }
        names = await _department_names(session, {c.department_id for c in calls})
        community = await holders(session, "coordination.whistle", "write", compound_id)
        for call in calls:
            call.missed = True
            row = cases[call.case_id]
            _log(session, row, "report_in_missed", label="系统", note=names.get(call.department_id, ""), department_id=call.department_id)
            if community:
                await notify(
                    session,
                    community,
                    "coordination.case.report_in_missed",
                    f"{names.get(call.department_id, '')} 未按时报到：{row.number}",
                    row.title,
                    link=notice_link(row),
                    compound_id=compound_id,
                )
            report.missed_report_ins += 1
    await session.flush()
    return report


# --------------------------------------------------------------------------- reading


async def case_out(ctx: RequestContext, rows: list[Case], *, detail: bool = False) -> list[s.CaseOut]:
    """Shape cases in a few queries whatever their number (names of departments and compounds in one go each)."""
    if not rows:
        return []
    session = ctx.session
    timeline: dict[uuid.UUID, list[s.CaseEventOut]] = defaultdict(list)
    calls: dict[uuid.UUID, list[WhistleCall]] = defaultdict(list)
    if detail:
        for e in (
            await session.scalars(
                select(CaseEvent)
                .where(CaseEvent.compound_id.in_({r.compound_id for r in rows}), CaseEvent.case_id.in_([r.id for r in rows]))
                .order_by(CaseEvent.at, CaseEvent.id)
            )
        ).all():
            timeline[e.case_id].append(
                s.CaseEventOut(
                    action=e.action, from_state=e.from_state, to_state=e.to_state, actor_label=e.actor_label, note=e.note, at=e.at
                )
            )
        for c in (
            await session.scalars(select(WhistleCall).where(WhistleCall.case_id.in_([r.id for r in rows])).order_by(WhistleCall.called_at))
        ).all():
            calls[c.case_id].append(c)
    depts = await _department_names(session, [r.department_id for r in rows] + [c.department_id for cs in calls.values() for c in cs])
    compounds = await rules().compound_names(session, list({r.compound_id for r in rows}))
    mine = await my_department(ctx)
    out = []
    for r in rows:
        pending = [c for c in calls[r.id] if c.reported_at is None and c.department_id == mine]
        out.append(
            s.CaseOut(
                id=r.id,
                compound_id=r.compound_id,
                compound_name=compounds.get(r.compound_id, ""),
                number=r.number,
                source=r.source,
                source_id=r.source_id,
                category=r.category,
                priority=r.priority,
                title=r.title,
                description=r.description,
                location=r.location,
                building_id=r.building_id,
                room_id=r.room_id,
                point=r.point,
                department_id=r.department_id,
                department_name=depts.get(r.department_id) if r.department_id else None,
                state=r.state,
                reason=r.reason,
                reporter_label=r.reporter_label,
                escalation_level=r.escalation_level,
                level=LEVELS[r.escalation_level],
                response_due_at=r.response_due_at,
                resolution_due_at=r.resolution_due_at,
                response_breached=r.response_breached,
                resolution_breached=r.resolution_breached,
                created_at=r.created_at,
                resolved_at=r.resolved_at,
                closed_at=r.closed_at,
                allowed=await allowed_moves(ctx, r),
                may_report_in=bool(pending) and ctx.can("coordination.department_case", "write", r.compound_id),
                timeline=timeline[r.id],
                calls=[
                    s.WhistleCallOut(
                        id=c.id,
                        department_id=c.department_id,
                        department_name=depts.get(c.department_id, ""),
                        called_by_label=c.called_by_label,
                        note=c.note,
                        called_at=c.called_at,
                        due_at=c.due_at,
                        reported_at=c.reported_at,
                        report_note=c.report_note,
                        missed=c.missed,
                    )
                    for c in calls[r.id]
                ],
            )
        )
    return out


def filter_cases(
    stmt: Select[Any],
    *,
    state: str | None = None,
    category: str | None = None,
    department_id: uuid.UUID | None = None,
    escalated: bool | None = None,
    breached: bool | None = None,
    compound_id: uuid.UUID | None = None,
) -> Select[Any]:
    """The desk's filters; ``state=open`` is every unfinished case. Ordered by what is due first."""
    if state == "open":
        stmt = stmt.where(Case.state.in_(OPEN))
    elif state:
        if state not in CASE.states:
            raise invalid("state", f"one of open, {', '.join(CASE.states)}")
        stmt = stmt.where(Case.state == state)
    if category:
        if category not in CATEGORIES:
            raise invalid("category", f"unknown category; one of {', '.join(CATEGORIES)}")
        stmt = stmt.where(Case.category == category)
    if department_id:
        stmt = stmt.where(Case.department_id == department_id)
    if compound_id:
        stmt = stmt.where(Case.compound_id == compound_id)
    if escalated is not None:
        stmt = stmt.where(Case.escalation_level > 0 if escalated else Case.escalation_level == 0)
    if breached is not None:
        late = Case.response_breached | Case.resolution_breached
        stmt = stmt.where(late if breached else ~late)
    return stmt.order_by(Case.resolution_due_at, Case.id)


async def department_performance(ctx: RequestContext) -> list[s.DepartmentPerformance]:
    """Workload and performance of each department of the caller's district (over the cases the caller sees)."""
    ctx.require("coordination.case", "read")
    district = _district_of(ctx)
    depts = (await ctx.session.scalars(select(Department).where(Department.tenant_id == district).order_by(Department.name))).all()
    if not depts:
        return []
    ids = [d.id for d in depts]
    finished = Case.state.in_(FINISHED)
    counts = {
        dept: (open_, resolved, on_time)
        for dept, open_, resolved, on_time in (
            await ctx.session.execute(
                select(
                    Case.department_id,
                    func.sum(case((Case.state.in_(OPEN), 1), else_=0)),
                    func.sum(case((finished, 1), else_=0)),
                    func.sum(case((and_(finished, Case.resolved_at <= Case.resolution_due_at), 1), else_=0)),
                )
                .where(Case.department_id.in_(ids))
                .group_by(Case.department_id)
            )
        ).all()
    }
    rejected = dict(
        (
            await ctx.session.execute(
                select(CaseEvent.department_id, func.count())
                .where(CaseEvent.action == "reject", CaseEvent.department_id.in_(ids))
                .group_by(CaseEvent.department_id)
            )
        ).all()
    )
    whistles = {
        dept: (n, missed)
        for dept, n, missed in (
            await ctx.session.execute(
                select(WhistleCall.department_id, func.count(), func.sum(case((WhistleCall.missed, 1), else_=0)))
                .where(WhistleCall.department_id.in_(ids))
                .group_by(WhistleCall.department_id)
            )
        ).all()
    }
    out = []
    for d in depts:
        open_, resolved, on_time = (int(x or 0) for x in counts.get(d.id, (0, 0, 0)))
        n, missed = (int(x or 0) for x in whistles.get(d.id, (0, 0)))
        rate = (Decimal(on_time * 100) / Decimal(resolved)).quantize(Decimal("0.1")) if resolved else None
        out.append(
            s.DepartmentPerformance(
                department_id=d.id,
                name=d.name,
                open=open_,
                resolved=resolved,
                on_time=on_time,
                on_time_rate=rate,
                rejected=int(rejected.get(d.id, 0)),
                calls=n,
                missed_report_ins=missed,
            )
        )
    return out


# --------------------------------------------------------------------------- reactions to other plugins' events


def react(event: dict[str, Any]):
    """Open a case from a request co_building handed over, or from a smart_property alarm asking for one (idempotent)."""
    kind = event.get("type")
    payload = event.get("payload") or {}
    if not event.get("compound_id"):
        return None
    compound_id = uuid.UUID(str(event["compound_id"]))
    if kind == "co_building.request.handed_over" and payload.get("request_id"):
        return _from_request(compound_id, payload)
    if kind == "smart_property.alarm.raised" and payload.get("action") == "coordination_case" and payload.get("alarm_id"):
        return _from_alarm(compound_id, payload)
    return None


async def _already(session: AsyncSession, compound_id: uuid.UUID, source: str, source_id: str) -> bool:
    found = await session.scalar(select(Case.id).where(Case.compound_id == compound_id, Case.source == source, Case.source_id == source_id))
    return found is not None


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _from_request(compound_id: uuid.UUID, payload: dict[str, Any]):
    source_id = str(payload["request_id"])

    async def apply(session: AsyncSession) -> None:
        if await _already(session, compound_id, "co_building.request", source_id):
            return
        room_id = _uuid_or_none(payload.get("room_id"))
        building_id = None
        if room_id is not None:
            building_id = await session.scalar(
                select(Unit.building_id)
                .join(Room, (Room.compound_id == Unit.compound_id) & (Room.unit_id == Unit.id))
                .where(Room.compound_id == compound_id, Room.id == room_id)
            )
            room_id = room_id if building_id else None
        reason = str(payload.get("reason") or "")
        await open_case(
            session,
            compound_id,
            category=CATEGORY_FROM_REQUEST.get(str(payload.get("category")), "other"),
            priority="normal",
            title=str(payload.get("title") or payload.get("number") or "物业转办"),
            description=str(payload.get("description") or ""),
            location="room" if room_id else "compound",
            building_id=building_id,
            room_id=room_id,
            source="co_building.request",
            source_id=source_id,
            reporter_label="物业转办",
            resident_user_id=_uuid_or_none(payload.get("resident_user_id")),
            note=f"诉求 {payload.get('number', '')} 转办：{reason}".strip("："),
        )

    return apply


def _from_alarm(compound_id: uuid.UUID, payload: dict[str, Any]):
    source_id = str(payload["alarm_id"])

    async def apply(session: AsyncSession) -> None:
        if await _already(session, compound_id, "smart_property.alarm", source_id):
            return
        building_id = _uuid_or_none(payload.get("building_id"))
        if building_id is not None:
            building_id = await session.scalar(select(Building.id).where(Building.compound_id == compound_id, Building.id == building_id))
        category = str(payload.get("category") or "")
        await open_case(
            session,
            compound_id,
            category=category if category in CATEGORIES else "safety_hazard",
            priority="urgent" if str(payload.get("severity")) in URGENT_SEVERITIES else "normal",
            title=str(payload.get("description") or payload.get("rule") or "智能告警")[:200],
            description=f"{payload.get('device_type', '')} {payload.get('metric', '')}={payload.get('value', '')}".strip(),
            location="building" if building_id else "compound",
            building_id=building_id,
            source="smart_property.alarm",
            source_id=source_id,
            reporter_label="智能物联告警",
            note=str(payload.get("rule") or ""),
        )

    return apply


# --------------------------------------------------------------------------- photos


async def visible_case_ids(
    session: AsyncSession, principal: Any, enforcer: Any, compound_id: uuid.UUID, record_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Whose photos the caller may see or add to: every case with ``read`` on cases, else their department's."""
    if not record_ids:
        return set()
    stmt = select(Case.id).where(Case.compound_id == compound_id, Case.id.in_(record_ids))
    if not can(principal, enforcer, "coordination.case", "read", compound_id):
        seen = []
        if can(principal, enforcer, "coordination.department_case", "read", compound_id) and principal.tenant_id is not None:
            department = (
                select(Membership.department_id)
                .where(Membership.user_id == principal.user_id, Membership.tenant_id == principal.tenant_id)
                .scalar_subquery()
            )
            seen += [
                Case.department_id == department,
                Case.id.in_(select(WhistleCall.case_id).where(WhistleCall.department_id == department)),
            ]
        if can(principal, enforcer, "coordination.grid_case", "read", compound_id):
            seen.append(Case.grid_id.in_(my_grids(principal.user_id)))
        if not seen:
            return set()
        stmt = stmt.where(or_(*seen))
    return set((await session.scalars(stmt)).all())


RECORD_TYPES = [{"name": "coordination.case", "object": "coordination.case_photo", "model": Case, "visible": visible_case_ids}]
