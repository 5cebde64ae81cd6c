"""co_building HTTP handlers: service requests and work orders (thin; the rules are in services.requests)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import requires
from core.identity.principal import Principal
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.co_building.schemas import requests as s
from plugins.co_building.services import requests as services

C = "/api/v1/compounds/{compound_id:uuid}/co_building"


def actor(principal: Principal, state: State, compound_id: uuid.UUID) -> services.Actor:
    return services.Actor(principal, state.policy.enforcer, compound_id)


async def _one(session: AsyncSession, who: services.Actor, request: services.ServiceRequest) -> s.RequestOut:
    return (await services.request_out(session, who, [request], with_timeline=True))[0]


class RequestsController(Controller):
    path = C + "/requests"
    tags = ["co_building: requests"]

    @post("/", operation_id="fileRequest", guards=[requires("co_building.request", "write")])
    async def file(
        self, compound_id: uuid.UUID, data: s.RequestIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """File a repair, complaint, suggestion, enquiry or praise (staff: on a resident's behalf with ``resident_id``)."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.file_request(session, who, data))

    @get("/", operation_id="listRequests", guards=[requires("co_building.request", "read")])
    async def list_requests(
        self,
        compound_id: uuid.UUID,
        principal: Principal,
        session: AsyncSession,
        state: State,
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
        who = actor(principal, state, compound_id)
        stmt = services.filter_requests(
            services.visible_requests(who),
            state=status,
            kind=kind,
            breached=breached,
            mine=principal.user_id if mine else None,
            assignee=principal.user_id if assigned_to_me else None,
            q=q,
        )
        rows, total = await paginate(session, stmt, limit, offset)
        return Page(items=await services.request_out(session, who, rows), total=total, limit=limit, offset=offset)

    @get("/{request_id:uuid}", operation_id="getRequest", guards=[requires("co_building.request", "read")])
    async def get_one(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """One request with its timeline and the moves the caller may make."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.get_request(session, who, request_id))

    @post(
        "/{request_id:uuid}/transitions", operation_id="moveWorkOrder", status_code=200, guards=[requires("co_building.request", "write")]
    )
    async def move(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.TransitionIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """Assign, accept, start, complete, close, reopen or cancel; an illegal move is a 409 naming the allowed ones."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.transition(session, who, request_id, data))

    @post("/{request_id:uuid}/rating", operation_id="rateRequest", status_code=200, guards=[requires("co_building.request", "write")])
    async def rate(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.RatingIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """The resident rates the completed work 1–5 with tags and a comment; 2 or less reopens it for a return visit."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.rate(session, who, request_id, data))

    @post(
        "/{request_id:uuid}/return-visit",
        operation_id="recordReturnVisit",
        status_code=200,
        guards=[requires("co_building.work_order", "approve")],
    )
    async def return_visit(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.NoteIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """The manager's return visit (回访) after a low rating."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.return_visit(session, who, request_id, data))

    @post("/{request_id:uuid}/notes", operation_id="noteRequest", status_code=200, guards=[requires("co_building.request", "write")])
    async def note(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.NoteIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """A progress note (staff) or a follow-up (the resident) on the timeline."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.add_note(session, who, request_id, data))

    @post("/{request_id:uuid}/me-too", operation_id="meToo", status_code=200, guards=[requires("co_building.request", "write")])
    async def me_too(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, principal: Principal, session: AsyncSession, state: State
    ) -> s.MeTooOut:
        """ "Me too" on an open public-area request instead of filing a duplicate (once per person)."""
        who = actor(principal, state, compound_id)
        request = await services.me_too(session, who, request_id)
        return s.MeTooOut(request_id=request.id, me_too_count=request.me_too_count)

    @post(
        "/{request_id:uuid}/handover",
        operation_id="handOverRequest",
        status_code=200,
        guards=[requires("co_building.work_order", "approve")],
    )
    async def hand_over(
        self, compound_id: uuid.UUID, request_id: uuid.UUID, data: s.HandoverIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.RequestOut:
        """Beyond the property company's powers: hand to the community's coordination as a case."""
        who = actor(principal, state, compound_id)
        return await _one(session, who, await services.hand_over(session, who, request_id, data))


class MyRoomsController(Controller):
    path = C + "/my-rooms"
    tags = ["co_building: requests"]

    @get("/", operation_id="myRooms", guards=[requires("co_building.request", "write")])
    async def my_rooms(self, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> list[s.RoomChoice]:
        """The caller's own rooms in the compound (what a room request may name)."""
        return await services.my_rooms(session, compound_id, principal.user_id)


class TimeLimitsController(Controller):
    path = "/api/v1/co_building/time-limits"
    tags = ["co_building: requests"]

    @get("/", operation_id="listTimeLimits", guards=[requires("co_building.service_config", "read")])
    async def list_limits(self, principal: Principal, session: AsyncSession) -> list[s.TimeLimitOut]:
        """The enterprise's response and completion limits (working hours), defaults where it set none."""
        if principal.tenant_id is None:
            return []
        return await services.time_limits(session, principal.tenant_id)

    @put("/", operation_id="setTimeLimit", guards=[requires("co_building.service_config", "write")])
    async def set_limit(self, data: s.TimeLimitIn, principal: Principal, session: AsyncSession) -> s.TimeLimitOut:
        """Set the limits of one category (or ``*``) and priority for requests filed from now on."""
        return await services.set_time_limit(session, principal, data)


ROUTE_HANDLERS: list = [RequestsController, MyRoomsController, TimeLimitsController]
