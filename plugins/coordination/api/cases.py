"""coordination HTTP handlers of cases (thin; the rules are in services.cases).

A case's own routes live under its compound (the guard checks reach and the
module gate); the desk's and the officer's queues, reporting (the compound is a
field, checked against the caller's reach), the routing table, time limits and
department performance are district-wide.
"""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.coordination.schemas import cases as s
from plugins.coordination.services import cases as services

C = "/api/v1/compounds/{compound_id:uuid}/coordination/cases"
T = "/api/v1/coordination"


async def _one(ctx: RequestContext, row: services.Case) -> s.CaseOut:
    return (await services.case_out(ctx, [row], detail=True))[0]


def _sliced(rows: list, limit: int, offset: int) -> Page:
    """A page of a district's small table (departments, categories × priorities): read whole in one query, cut here."""
    return Page(items=rows[offset : offset + limit], total=len(rows), limit=limit, offset=offset)


async def _page(ctx: RequestContext, stmt, limit: int, offset: int) -> Page[s.CaseOut]:
    rows, total = await paginate(ctx.session, stmt, limit, offset)
    return Page(items=await services.case_out(ctx, rows), total=total, limit=limit, offset=offset)


class CaseDeskController(Controller):
    """The district-wide queue (community and street desk, an officer's department view, an operator's compounds)."""

    path = T
    tags = ["coordination: cases"]

    @get("/cases", operation_id="coordinationListCases", guards=[requires("coordination.module", "read")])
    async def list_cases(
        self,
        ctx: RequestContext,
        status: str | None = None,
        category: str | None = None,
        department_id: uuid.UUID | None = None,
        compound_id: uuid.UUID | None = None,
        escalated: bool | None = None,
        breached: bool | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.CaseOut]:
        """Cases the caller sees, due first (``status=open`` for the unfinished): all in reach with ``read`` on cases,
        an officer only their department's."""
        status = one_of("status", status, ("open", *services.CASE.states))
        stmt = services.filter_cases(
            await services.visible_cases(ctx),
            state=status,
            category=category,
            department_id=department_id,
            compound_id=compound_id,
            escalated=escalated,
            breached=breached,
        )
        return await _page(ctx, stmt, limit, offset)

    @post("/cases", operation_id="coordinationReportCase", status_code=201, guards=[requires("coordination.case", "write")])
    async def report(self, ctx: RequestContext, data: s.CaseIn) -> s.CaseOut:
        """Report a case about a compound in the caller's reach; the community is told."""
        return await _one(ctx, await services.report_case(ctx, data))

    @get("/departments", operation_id="coordinationDepartments", guards=[requires("coordination.module", "read")])
    async def departments(self, ctx: RequestContext, limit: LimitParam = 100, offset: OffsetParam = 0) -> Page[s.DepartmentOut]:
        """The departments of the caller's district."""
        return _sliced(await services.departments(ctx), limit, offset)

    @get("/departments/performance", operation_id="coordinationDepartmentPerformance", guards=[requires("coordination.case", "read")])
    async def performance(self, ctx: RequestContext, limit: LimitParam = 100, offset: OffsetParam = 0) -> Page[s.DepartmentPerformance]:
        """Workload and performance per department: open, resolved, on time, rejected, whistles and missed report-ins."""
        return _sliced(await services.department_performance(ctx), limit, offset)

    @get("/routes", operation_id="coordinationRoutes", guards=[requires("coordination.routing", "read")])
    async def routes(self, ctx: RequestContext, limit: LimitParam = 100, offset: OffsetParam = 0) -> Page[s.RouteOut]:
        """The district's routing table: the department of each category."""
        return _sliced(await services.routes(ctx), limit, offset)

    @put("/routes", operation_id="coordinationSetRoute", guards=[requires("coordination.routing", "write")])
    async def set_route(self, ctx: RequestContext, data: s.RouteIn) -> Page[s.RouteOut]:
        """Set (or remove, with no department) the department of a category; answers the whole table."""
        return _sliced(await services.set_route(ctx, data), services.MAX_TABLE, 0)

    @get("/time-limits", operation_id="coordinationTimeLimits", guards=[requires("coordination.routing", "read")])
    async def time_limits(self, ctx: RequestContext, limit: LimitParam = 100, offset: OffsetParam = 0) -> Page[s.TimeLimitOut]:
        """The district's response (working hours) and resolution (working days) limits."""
        return _sliced(await services.time_limits(ctx), limit, offset)

    @put("/time-limits", operation_id="coordinationSetTimeLimit", guards=[requires("coordination.routing", "write")])
    async def set_time_limit(self, ctx: RequestContext, data: s.TimeLimitIn) -> Page[s.TimeLimitOut]:
        """Set the limits of a category (``*`` for the rest) and priority; answers the whole table."""
        return _sliced(await services.set_time_limit(ctx, data), services.MAX_TABLE, 0)


class CasesController(Controller):
    """One compound's cases: the operator's view, a case with its timeline, moves, whistle and report-in."""

    path = C
    tags = ["coordination: cases"]

    @get("/", operation_id="coordinationCompoundCases", guards=[requires("coordination.module", "read")])
    async def list_cases(
        self, ctx: RequestContext, compound_id: uuid.UUID, status: str | None = None, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.CaseOut]:
        """The compound's cases the caller sees, due first."""
        status = one_of("status", status, ("open", *services.CASE.states))
        stmt = services.filter_cases(await services.visible_cases(ctx), state=status, compound_id=compound_id)
        return await _page(ctx, stmt, limit, offset)

    @get("/{case_id:uuid}", operation_id="coordinationGetCase", guards=[requires("coordination.module", "read")])
    async def get_case(self, ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID) -> s.CaseOut:
        """One case with its timeline, whistle calls and the moves the caller may make."""
        return await _one(ctx, await services.get_case(ctx, compound_id, case_id))

    @post("/{case_id:uuid}/moves", operation_id="coordinationMoveCase", status_code=200, guards=[requires("coordination.module", "read")])
    async def move(self, ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, data: s.MoveIn) -> s.CaseOut:
        """Move the case (accept, return, dispatch, start, reject, resolve, verify, reopen, close, resubmit, withdraw);
        403 names the permission a move needs, 409 the moves allowed from the case's state."""
        return await _one(ctx, await services.move(ctx, compound_id, case_id, data))

    @post(
        "/{case_id:uuid}/whistle", operation_id="coordinationWhistle", status_code=200, guards=[requires("coordination.whistle", "write")]
    )
    async def whistle(self, ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, data: s.WhistleIn) -> s.CaseOut:
        """吹哨: summon departments; each must report in within the given working hours."""
        return await _one(ctx, await services.whistle(ctx, compound_id, case_id, data))

    @post(
        "/{case_id:uuid}/report-in",
        operation_id="coordinationReportIn",
        status_code=200,
        guards=[requires("coordination.department_case", "write")],
    )
    async def report_in(self, ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, data: s.NoteIn) -> s.CaseOut:
        """报到: the officer's department answers a whistle (late answers stay counted as missed)."""
        return await _one(ctx, await services.report_in(ctx, compound_id, case_id, data))


ROUTE_HANDLERS = [CaseDeskController, CasesController]
