"""coordination pages of cases (物业+执法+服务): the desk of the community and street, the officer's department view
and the operator's view (one queue, narrowed by what the caller may see), reporting, a case with its moves, whistle,
report-in and photos, and the district's departments, routing table and time limits.

Pages are thin over ``services.cases``: the service decides who sees what and which moves are allowed; a refused move
comes back as the service's problem and is shown in the form's slot. A case's photos are attachments of record type
``coordination.case``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import QueryParameter

from core.access import rules
from core.authz.guard import requires
from core.context import RequestContext
from core.files import services as files
from core.files.api import storage_of
from core.pagination import OffsetParam, paginate
from core.problems import Problem, invalid, not_found
from core.web.forms import form_values, to_input
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, page, pager, redirect
from plugins.coordination.models.cases import CATEGORIES as CATEGORY_CODES
from plugins.coordination.schemas import cases as s
from plugins.coordination.services import cases as services

DESK = "/console/coordination/cases"
CASE = "/console/compounds/{compound_id:uuid}/coordination/cases"
DEPARTMENTS = "/console/coordination/departments"
RECORD_TYPE = "coordination.case"

CATEGORIES = {
    "illegal_building": N_("Illegal building"),
    "green_space_enclosure": N_("Green space enclosed"),
    "fire_lane_blocked": N_("Fire lane blocked"),
    "group_renting": N_("Group renting"),
    "noise": N_("Noise"),
    "dangerous_pets": N_("Dangerous pets"),
    "safety_hazard": N_("Safety hazard"),
    "neighbour_dispute": N_("Neighbour dispute"),
    "other": N_("Other"),
}
assert set(CATEGORIES) == set(CATEGORY_CODES)
PRIORITIES = {"normal": N_("Normal"), "urgent": N_("Urgent")}
STATES = {
    "reported": N_("Reported"),
    "accepted": N_("Accepted"),
    "dispatched": N_("Dispatched"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
    "verified": N_("Verified"),
    "closed": N_("Closed"),
    "returned": N_("Returned"),
    "rejected": N_("Rejected by the department"),
}
ACTIONS = {
    "report": N_("Reported"),
    "accept": N_("Accept"),
    "return": N_("Return to the sender"),
    "dispatch": N_("Dispatch"),
    "start": N_("Start work"),
    "reject": N_("Reject: outside our remit"),
    "resolve": N_("Resolve"),
    "verify": N_("Verify"),
    "reopen": N_("Not solved: reopen"),
    "close": N_("Close the case"),
    "resubmit": N_("Resubmit"),
    "withdraw": N_("Withdraw"),
    "breach": N_("Time limit breached"),
    "escalate": N_("Escalated"),
    "whistle": N_("Whistle blown"),
    "report_in": N_("Reported in"),
    "report_in_missed": N_("Report-in missed"),
}
LEVELS = {"none": N_("Not escalated"), "community": N_("Community"), "street": N_("Street"), "district": N_("District")}
SOURCES = {
    "staff": N_("Property staff"),
    "grid": N_("Grid worker"),
    "community": N_("Community"),
    "co_building.request": N_("A resident's request"),
    "smart_property.alarm": N_("An alarm"),
}
LOCATIONS = {"compound": N_("The compound"), "building": N_("A building"), "room": N_("A room"), "point": N_("A place")}
NOTED = frozenset({"return", "reject", "resolve", "verify", "reopen", "dispatch", "resubmit"})
"""Moves whose form asks for a note (the reason of a return or rejection, what was done …)."""
PRIMARY = frozenset({"accept", "dispatch", "start", "resolve", "verify", "close", "resubmit"})

# the services' refusals people meet on these pages, so the catalog translates them
MESSAGES = (
    N_("Illegal state transition"),
    N_("Not your department"),
    N_("Nothing to report in to"),
    N_("Case finished"),
    N_("give the reason"),
    N_("the compound is outside your reach"),
    N_("choose a photo"),
)
LABELS = {
    "categories": CATEGORIES,
    "priorities": PRIORITIES,
    "states": STATES,
    "action_labels": ACTIONS,
    "levels": LEVELS,
    "sources": SOURCES,
    "locations": LOCATIONS,
}


def case_link(compound_id: uuid.UUID, case_id: uuid.UUID) -> str:
    return f"/console/compounds/{compound_id}/coordination/cases/{case_id}"


async def _photos(request: Request, ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID) -> list[Any]:
    rows, _ = await files.list_attachments(
        ctx.session, ctx.principal, request.app.state.policy.enforcer, compound_id, RECORD_TYPE, case_id, 20, 0
    )
    return rows


async def _attach(request: Request, ctx: RequestContext, compound_id: uuid.UUID, case_id: uuid.UUID, upload: UploadFile) -> None:
    limit = files.max_upload_bytes()
    content = await upload.read(limit + 1)
    state = request.app.state
    await files.upload(
        ctx.session,
        storage_of(state),
        ctx.principal,
        state.policy.enforcer,
        compound_id,
        RECORD_TYPE,
        case_id,
        upload.filename,
        upload.content_type,
        content,
        limit,
    )


class CaseDeskPages(Controller):
    """The queue: the community's and street's desk, an officer's department view, an operator's compounds."""

    path = DESK

    @get("/", guards=[requires("coordination.module", "read")])
    async def desk(
        self,
        request: Request,
        ctx: RequestContext,
        status: Annotated[str | None, QueryParameter(name="state")] = None,
        category: str | None = None,
        escalated: bool = False,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Cases the caller sees, the one due first on top, with the time left and the escalation level."""
        stmt = services.filter_cases(
            await services.visible_cases(ctx),
            state=status if status in {*STATES, "open"} else None,
            category=category if category in CATEGORIES else None,
            escalated=True if escalated else None,
        )
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        return await page(
            request,
            "coordination/cases/desk.html",
            items=await services.case_out(ctx, rows),
            pager=pager(request, total, offset),
            filters={"state": status or "", "category": category or "", "escalated": escalated},
            can_report=ctx.can("coordination.case", "write"),
            officer=not ctx.can("coordination.case", "read"),
            **LABELS,
        )

    @get("/new", guards=[requires("coordination.case", "write")])
    async def new(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Report a case: which compound, what, where."""
        compounds = await rules().compound_menu(ctx.session, 500)
        return await page(request, "coordination/cases/new.html", compounds=compounds, **LABELS)

    @post("/", guards=[requires("coordination.case", "write")])
    async def report(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Report it and open it."""
        values = await form_values(request)
        photo = values.pop("photo", None)
        row = await services.report_case(ctx, to_input(values, s.CaseIn))
        if isinstance(photo, UploadFile) and photo.filename:
            await _attach(request, ctx, row.compound_id, row.id, photo)
        return done(request, case_link(row.compound_id, row.id), "created")


class CasePages(Controller):
    """One case: its facts, limits and level, timeline, whistle calls, photos and the moves this user may make."""

    path = CASE

    @get("/{case_id:uuid}/open", guards=[requires("coordination.module", "read")])
    async def open_from_notice(self, compound_id: uuid.UUID, case_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Where a notification's link lands: the case while it is in reach, else the desk of cases (it left the department)."""
        try:
            await services.get_case(ctx, compound_id, case_id)
        except Problem as problem:
            if problem.status != 404:
                raise
            return redirect(DESK)
        return redirect(case_link(compound_id, case_id))

    @get("/{case_id:uuid}", guards=[requires("coordination.module", "read")])
    async def detail(self, request: Request, compound_id: uuid.UUID, case_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        item = (await services.case_out(ctx, [await services.get_case(ctx, compound_id, case_id)], detail=True))[0]
        can_whistle = ctx.can("coordination.whistle", "write") and item.state not in services.FINISHED
        needs_departments = can_whistle or "dispatch" in item.allowed
        return await page(
            request,
            "coordination/cases/detail.html",
            compound_id=compound_id,
            c=item,
            photos=await _photos(request, ctx, compound_id, case_id),
            departments=await services.departments(ctx) if needs_departments and ctx.tenant_id else [],
            can_whistle=can_whistle,
            can_photo=ctx.can("coordination.case_photo", "write") and item.state != "closed",
            noted=NOTED,
            primary=PRIMARY,
            **LABELS,
        )

    @post("/{case_id:uuid}/moves", guards=[requires("coordination.module", "read")])
    async def move(self, request: Request, compound_id: uuid.UUID, case_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A move; a photo sent with it (what the officer found or did) is attached to the case."""
        values = await form_values(request)
        photo = values.pop("photo", None)
        await services.move(ctx, compound_id, case_id, to_input(values, s.MoveIn))
        if isinstance(photo, UploadFile) and photo.filename:
            await _attach(request, ctx, compound_id, case_id, photo)
        return done(request, case_link(compound_id, case_id))

    @post("/{case_id:uuid}/whistle", guards=[requires("coordination.whistle", "write")])
    async def whistle(self, request: Request, compound_id: uuid.UUID, case_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """吹哨: summon the chosen departments."""
        values = await form_values(request, lists=("department_ids",))
        if not values.get("department_ids"):
            raise invalid("department_ids", "choose at least one department", status=400)
        await services.whistle(ctx, compound_id, case_id, to_input(values, s.WhistleIn))
        return done(request, case_link(compound_id, case_id))

    @post("/{case_id:uuid}/report-in", guards=[requires("coordination.department_case", "write")])
    async def report_in(self, request: Request, compound_id: uuid.UUID, case_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """报到: the officer's department answers the whistle."""
        await services.report_in(ctx, compound_id, case_id, to_input(await form_values(request), s.NoteIn))
        return done(request, case_link(compound_id, case_id))

    @post("/{case_id:uuid}/photos", guards=[requires("coordination.case_photo", "write")])
    async def add_photo(self, request: Request, compound_id: uuid.UUID, case_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A photo of the case (the scene, the work done)."""
        await services.get_case(ctx, compound_id, case_id)
        photo = (await form_values(request)).get("photo")
        if not isinstance(photo, UploadFile) or not photo.filename:
            raise invalid("photo", "choose a photo", status=400)
        await _attach(request, ctx, compound_id, case_id, photo)
        return done(request, case_link(compound_id, case_id))

    @get("/{case_id:uuid}/photos/{attachment_id:uuid}", guards=[requires("coordination.case_photo", "read")])
    async def photo(
        self, request: Request, compound_id: uuid.UUID, case_id: uuid.UUID, attachment_id: uuid.UUID, ctx: RequestContext
    ) -> Response[bytes]:
        """A photo of a case the caller may see."""
        await services.get_case(ctx, compound_id, case_id)
        state = request.app.state
        row, content = await files.download(
            ctx.session, storage_of(state), ctx.principal, state.policy.enforcer, compound_id, attachment_id
        )
        if row.record_type != RECORD_TYPE or row.record_id != case_id:
            raise not_found("attachment")
        return Response(
            content=content,
            media_type=row.content_type,
            headers={
                "Content-Disposition": "inline" if row.content_type.startswith("image/") else "attachment",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-cache",
            },
        )


class DepartmentPages(Controller):
    """The district's departments with their workload and performance, the routing table and the time limits."""

    path = DEPARTMENTS

    @get("/", guards=[requires("coordination.routing", "read")])
    async def departments(self, request: Request, ctx: RequestContext) -> Response[Any]:
        return await page(
            request,
            "coordination/cases/departments.html",
            performance=await services.department_performance(ctx) if ctx.can("coordination.case", "read") else [],
            routes=await services.routes(ctx),
            limits=await services.time_limits(ctx),
            departments=await services.departments(ctx),
            writable=ctx.can("coordination.routing", "write"),
            **LABELS,
        )

    @post("/routes", guards=[requires("coordination.routing", "write")])
    async def set_route(self, request: Request, ctx: RequestContext) -> Response[Any]:
        await services.set_route(ctx, to_input(await form_values(request), s.RouteIn))
        return done(request, DEPARTMENTS)

    @post("/time-limits", guards=[requires("coordination.routing", "write")])
    async def set_limit(self, request: Request, ctx: RequestContext) -> Response[Any]:
        await services.set_time_limit(ctx, to_input(await form_values(request), s.TimeLimitIn))
        return done(request, DEPARTMENTS)


PAGES: list[dict] = [
    {"path": DESK, "label_zh": "协同案件", "label_en": "Coordination cases", "permission": "coordination.case:read", "portal": False},
    {
        "path": DESK,
        "label_zh": "部门案件",
        "label_en": "Department cases",
        "permission": "coordination.department_case:read",
        "portal": False,
    },
    {
        "path": DEPARTMENTS,
        "label_zh": "部门与分派",
        "label_en": "Departments and routing",
        "permission": "coordination.routing:read",
        "portal": False,
    },
]
HANDLERS: list = [CaseDeskPages, CasePages, DepartmentPages]
