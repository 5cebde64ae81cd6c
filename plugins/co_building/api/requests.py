"""co_building HTTP handlers: service requests and work orders (thin; the rules are in services.requests)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.co_building.schemas import requests as s
from plugins.co_building.services import requests as services

C = "/api/v1/compounds/{compound_id:uuid}/co_building"


async def _one(ctx: RequestContext, request: services.ServiceRequest) -> s.RequestOut:
    return (await services.request_out(ctx, [request], with_timeline=True))[0]


class RequestsController(Controller):
    path = C + "/requests"
    tags = ["co_building: requests"]

    @post("/", operation_id="fileRequest", guards=[requires("co_building.request", "write")])
    async def file(self, compound_id: uuid.UUID, data: s.RequestIn, ctx: RequestContext) -> s.RequestOut:
        """File a repair, complaint, suggestion, enquiry or praise (staff: on a resident's behalf with ``resident_id``)."""
        return await _one(ctx, await services.file_request(ctx, data))

    @get("/", operation_id="listRequests", guards=[requires("co_building.request", "read")])
    async def list_requests(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        kind: str | None = None,
        breached: bool | None = None,
        mine: bool = False,
        assigned_to_me: bool = False,
        q: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RequestOut]:
        """Staff see the compound's requests; a resident their own and the public-area ones (``status=open`` for the unfinished)."""
        status = one_of("status", status, ("open", *services.WORK_ORDERS.states))
        stmt = services.filter_requests(
            services.visible_requests(ctx),
            state=status,
            kind=kind,
            breached=breached,
            mine=ctx.user_id if mine else None,
            assignee=ctx.user_id if assigned_to_me else None,
            q=q,
        )
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=await services.request_out(ctx, rows), total=total, limit=limit, offset=offset)

    @get("/{request_id:uuid}", operation_id="getRequest", guards=[requires("co_building.request", "read")])
    async def get_one(self, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> s.RequestOut:
        """One request with its timeline and the moves the caller may make."""
        return await _one(ctx, await services.get_request(ctx, request_id))

    @post(
        "/{request_id:uuid}/transitions", operation_id="moveWorkOrder", status_code=200, guards=[requires("co_building.request", "write")]
    )
    async def move(self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.TransitionIn, ctx: RequestContext) -> s.RequestOut:
        """Assign, accept, start, complete, close, reopen or cancel; an illegal move is a 409 naming the allowed ones."""
        return await _one(ctx, await services.transition(ctx, request_id, data))

    @post("/{request_id:uuid}/rating", operation_id="rateRequest", status_code=200, guards=[requires("co_building.request", "write")])
    async def rate(self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.RatingIn, ctx: RequestContext) -> s.RequestOut:
        """The resident rates the completed work 1–5 with tags and a comment; 2 or less reopens it for a return visit."""
        return await _one(ctx, await services.rate(ctx, request_id, data))

    @post(
        "/{request_id:uuid}/return-visit",
        operation_id="recordReturnVisit",
        status_code=200,
        guards=[requires("co_building.work_order", "approve")],
    )
    async def return_visit(self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.NoteIn, ctx: RequestContext) -> s.RequestOut:
        """The manager's return visit (回访) after a low rating."""
        return await _one(ctx, await services.return_visit(ctx, request_id, data))

    @post("/{request_id:uuid}/notes", operation_id="noteRequest", status_code=200, guards=[requires("co_building.request", "write")])
    async def note(self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.NoteIn, ctx: RequestContext) -> s.RequestOut:
        """A progress note (staff) or a follow-up (the resident) on the timeline."""
        return await _one(ctx, await services.add_note(ctx, request_id, data))

    @post("/{request_id:uuid}/me-too", operation_id="meToo", status_code=200, guards=[requires("co_building.request", "write")])
    async def me_too(self, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> s.MeTooOut:
        """ "Me too" on an open public-area request instead of filing a duplicate (once per person)."""
        request = await services.me_too(ctx, request_id)
        return s.MeTooOut(request_id=request.id, me_too_count=request.me_too_count)

    @post(
        "/{request_id:uuid}/handover",
        operation_id="handOverRequest",
        status_code=200,
        guards=[requires("co_building.work_order", "approve")],
    )
    async def hand_over(self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.HandoverIn, ctx: RequestContext) -> s.RequestOut:
        """Beyond the property company's powers: hand to the community's coordination as a case."""
        return await _one(ctx, await services.hand_over(ctx, request_id, data))


class MyRoomsController(Controller):
    path = C + "/my-rooms"
    tags = ["co_building: requests"]

    @get("/", operation_id="myRooms", guards=[requires("co_building.request", "write")])
    async def my_rooms(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.RoomChoice]:
        """The caller's own rooms in the compound (what a room request may name)."""
        rooms = await services.my_rooms(ctx.session, compound_id, ctx.user_id)
        return Page(items=rooms[offset : offset + limit], total=len(rooms), limit=limit, offset=offset)


class TimeLimitsController(Controller):
    path = "/api/v1/co_building/time-limits"
    tags = ["co_building: requests"]

    @get("/", operation_id="listTimeLimits", guards=[requires("co_building.service_config", "read")])
    async def list_limits(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.TimeLimitOut]:
        """The enterprise's response and completion limits (working hours), defaults where it set none."""
        rows = await services.time_limits(ctx.session, ctx.tenant_id) if ctx.tenant_id is not None else []
        return Page(items=rows[offset : offset + limit], total=len(rows), limit=limit, offset=offset)

    @put("/", operation_id="setTimeLimit", guards=[requires("co_building.service_config", "write")])
    async def set_limit(self, data: s.TimeLimitIn, ctx: RequestContext) -> s.TimeLimitOut:
        """Set the limits of one category (or ``*``) and priority for requests filed from now on."""
        return await services.set_time_limit(ctx, data)


ROUTE_HANDLERS: list = [RequestsController, MyRoomsController, TimeLimitsController]
