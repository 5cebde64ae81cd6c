"""co_building pages of service requests and work orders (一体化服务平台, 接诉即办): the staff desk in the console, filing and following in the portal.

Pages are thin over ``services.requests``: the service decides who sees what,
which moves are allowed and what a resident may read of a contact; a refused
move comes back as the service's problem and is shown in the form's slot.
A request's photos are attachments of record type ``co_building.request``.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import requires
from core.context import RequestContext, context_of
from core.files import services as files
from core.files.api import MULTIPART_OVERHEAD, storage_of
from core.identity.principal import Principal
from core.pagination import OffsetParam, paginate
from core.problems import invalid, not_found
from core.web.forms import form_values, to_input
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.co_building.schemas import requests as s
from plugins.co_building.services import requests as services
from tenants.models import Building, Household, Resident, Room, Unit
from tenants.services import get_compound

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building/requests"
PORTAL = "/portal/compounds/{compound_id:uuid}/co_building/requests"
RECORD_TYPE = "co_building.request"
PICKER_LIMIT = 2000
"""Residents and rooms offered in the console's filing form (a compound has a few thousand at most)."""

KINDS = {
    "repair": N_("Repair"),
    "complaint": N_("Complaint"),
    "suggestion": N_("Suggestion"),
    "enquiry": N_("Enquiry"),
    "praise": N_("Praise"),
}
CATEGORIES = {
    "plumbing": N_("Plumbing"),
    "electrical": N_("Electrical"),
    "elevator": N_("Elevator"),
    "doors_windows": N_("Doors and windows"),
    "sanitation": N_("Sanitation"),
    "greening": N_("Greening"),
    "security": N_("Security"),
    "parking": N_("Parking"),
    "noise": N_("Noise"),
    "facilities": N_("Facilities"),
    "other": N_("Other"),
    "*": N_("Every category"),
}
PRIORITIES = {"normal": N_("Normal"), "urgent": N_("Urgent")}
LOCATIONS = {"room": N_("A room"), "public": N_("Public area")}
CHANNELS = {"portal": N_("Portal"), "phone": N_("Phone call"), "visit": N_("Visit to the service centre"), "app": N_("App")}
STATES = {
    "submitted": N_("Submitted"),
    "assigned": N_("Assigned"),
    "accepted": N_("Accepted"),
    "in_progress": N_("In progress"),
    "completed": N_("Work completed"),
    "rated": N_("Rated"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}
ACTIONS = {
    "file": N_("Filed"),
    "assign": N_("Assign"),
    "reassign": N_("Reassign"),
    "accept": N_("Accept"),
    "start": N_("Start work"),
    "complete": N_("Complete"),
    "close": N_("Close"),
    "reopen": N_("Reopen"),
    "cancel": N_("Cancel the request"),
    "rate": N_("Rated"),
    "note": N_("Note"),
    "me_too": N_("Me too"),
    "hand_over": N_("Handed over to the community"),
    "return_visit": N_("Return visit"),
    "breach": N_("Time limit breached"),
    "escalate": N_("Escalated"),
    "case_update": N_("Case progress"),
}
RATING_TAGS = {
    "prompt": N_("Prompt"),
    "friendly": N_("Friendly"),
    "tidy": N_("Clean and tidy"),
    "solved": N_("Problem solved"),
    "slow": N_("Slow"),
    "unsolved": N_("Not solved"),
}
RESIDENT_MOVES = {"close": N_("Confirm and close"), "reopen": N_("Not fixed: reopen"), "cancel": N_("Withdraw the request")}
NOTED_ACTIONS = frozenset({"complete", "close", "reopen", "cancel", "assign", "reassign"})
"""Moves whose form asks for a note (what was done, why it is reopened …)."""

# the services' refusals people meet on these pages, so the catalog translates them
MESSAGES = (
    N_("Illegal state transition"),
    N_("Not allowed"),
    N_("Not your request"),
    N_("Not a resident of this compound"),
    N_("Only a property enterprise sets its time limits"),
    N_("a request about a room names the room"),
    N_("no such room in this compound"),
    N_("residents file requests for their own rooms"),
    N_("a public-area request names no room"),
    N_("name the staff member who takes the order"),
    N_("the assignee must be staff of the compound's operator"),
    N_("the completion limit cannot be shorter than the response limit"),
    N_("you have already joined this request"),
    N_("this is your own request"),
    N_("the request has already been handed over"),
    N_("this request has no return visit due"),
    N_("no such resident in this compound"),
    N_("choose a photo"),
)
CHANNELS_SEEN = {**CHANNELS, "smart_property": N_("Device alarm (smart property)")}
ESCALATION_STEPS = {"escalate": N_("the compound's managers are told"), "oversee": N_("the enterprise's administrators oversee it")}
BREACH_LIMITS = {"response": N_("Response time limit"), "completion": N_("Completion time limit")}
CASE_STATUSES = {
    "requested": N_("Handed to the community"),
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
_EVENT_NOTES = (
    # what the system wrote: the event's code and values (services.requests), and the English sentences of older rows
    (
        "close",
        re.compile(r"(?:auto_closed:|closed automatically after )(?P<days>\d+)(?: days)?"),
        N_("Closed automatically after %(days)s days"),
    ),
    (
        "reopen",
        re.compile(r"(?:low_rating:|low rating \()(?P<rating>\d)(?:\): return visit by the manager)?"),
        N_("Rated %(rating)s★: the manager makes a return visit"),
    ),
    (
        "escalate",
        re.compile(r"(?:escalated:|level )(?P<level>\d+)(?::|: co_building\.work_order )(?P<step>\w+)"),
        N_("Escalation level %(level)s: %(step)s"),
    ),
)


def event_note(action: str, note: str | None) -> tuple[str, dict[str, str]] | None:
    """A timeline entry's words when the system wrote it: ``(message id, values)`` translated where it is shown;
    None for a person's own note (shown as they typed it)."""
    if not note:
        return None
    if action == "file":
        return (CHANNELS_SEEN.get(note, N_("Other channel")), {})
    if action == "case_update":
        status, _, said = note.partition(": ")
        if status in CASE_STATUSES:
            return (N_("Case %(status)s %(note)s"), {"status": status, "note": said})
        return None
    for on, pattern, message in _EVENT_NOTES:
        found = pattern.fullmatch(note) if action == on else None
        if found:
            return (message, found.groupdict())
    return None


BASES = {"clock": N_("On the clock (24×7)"), "working_hours": N_("Working hours"), "working_days": N_("Working days (limits in days)")}
LABELS = {
    "kinds": KINDS,
    "categories": CATEGORIES,
    "priorities": PRIORITIES,
    "locations": LOCATIONS,
    "channels": CHANNELS,
    "states": STATES,
    "action_labels": ACTIONS,
    "rating_tags": RATING_TAGS,
    "resident_moves": RESIDENT_MOVES,
    "bases": BASES,
    "event_note": event_note,
    "escalation_steps": ESCALATION_STEPS,
    "case_statuses": CASE_STATUSES,
    "breach_limits": BREACH_LIMITS,
}


async def _shaped(ctx: RequestContext, row: services.ServiceRequest) -> s.RequestOut:
    return (await services.request_out(ctx, [row], with_timeline=True))[0]


async def _photos(
    request: Request, principal: Principal, session: AsyncSession, compound_id: uuid.UUID, request_id: uuid.UUID
) -> list[Any]:
    rows, _ = await files.list_attachments(
        session, principal, request.app.state.policy.enforcer, compound_id, RECORD_TYPE, request_id, 20, 0
    )
    return rows


async def _attach_photo(
    request: Request, principal: Principal, session: AsyncSession, compound_id: uuid.UUID, request_id: uuid.UUID, upload: UploadFile
) -> None:
    """Store the photo of a request; a refused file raises, so the request filed with it is rolled back too."""
    limit = files.max_upload_bytes()
    content = await upload.read(limit + 1)
    state = request.app.state
    await files.upload(
        session,
        storage_of(state),
        principal,
        state.policy.enforcer,
        compound_id,
        RECORD_TYPE,
        request_id,
        upload.filename,
        upload.content_type,
        content,
        limit,
    )


async def _photo_response(
    request: Request, principal: Principal, session: AsyncSession, compound_id: uuid.UUID, request_id: uuid.UUID, attachment_id: uuid.UUID
) -> Response[bytes]:
    """A photo of a request the caller may see (the request's visibility first, then the file's own rights)."""
    await services.get_request(context_of(request), request_id)
    state = request.app.state
    row, content = await files.download(session, storage_of(state), principal, state.policy.enforcer, compound_id, attachment_id)
    if row.record_type != RECORD_TYPE or row.record_id != request_id:
        raise not_found("attachment")
    inline = row.content_type.startswith("image/")
    return Response(
        content=content,
        media_type=row.content_type,
        headers={
            "Content-Disposition": "inline" if inline else "attachment",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


async def _transition(request: Request, ctx: RequestContext, request_id: uuid.UUID) -> None:
    values = await form_values(request)
    await services.transition(ctx, request_id, to_input(values, s.TransitionIn))


# --------------------------------------------------------------------------- console


class ConsoleRequestPages(Controller):
    """The staff desk: the compound's requests, one order's detail and moves, filing for a caller."""

    path = CONSOLE

    @get("/", guards=[requires("co_building.work_order", "read")])
    async def requests(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: Annotated[str | None, QueryParameter(name="state")] = None,
        kind: str | None = None,
        breached: bool = False,
        mine: bool = False,
        q: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Requests with filters: state (or every open one), kind, breached, assigned to me, number or title."""
        stmt = services.filter_requests(
            services.visible_requests(ctx),
            state=status if status in {*STATES, "open"} else None,
            kind=kind if kind in KINDS else None,
            breached=breached or None,
            assignee=ctx.user_id if mine else None,
            q=(q or "").strip() or None,
        )
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        return await page(
            request,
            "co_building/requests/console_list.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            items=await services.request_out(ctx, rows),
            pager=pager(request, total, offset),
            filters={"state": status or "", "kind": kind or "", "breached": breached, "mine": mine, "q": (q or "").strip()},
            can_file=ctx.can(services.WORK_ORDER, "write"),
            **LABELS,
        )

    @get("/new", guards=[requires("co_building.work_order", "write")])
    async def new(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """File a request on a caller's behalf (phone or visit): whose it is, which room, what is wrong."""
        residents = (
            await ctx.session.execute(
                select(Resident.id, Resident.name, Household.room_id)
                .join(Household, (Household.compound_id == Resident.compound_id) & (Household.id == Resident.household_id))
                .where(Resident.compound_id == compound_id)
                .order_by(Resident.name, Resident.id)
                .limit(PICKER_LIMIT)
            )
        ).all()
        rooms = (
            await ctx.session.execute(
                select(Room.id, Room.number, Unit.name.label("unit"), Building.name.label("building"))
                .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
                .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
                .where(Room.compound_id == compound_id)
                .order_by(Building.name, Unit.name, Room.number)
                .limit(PICKER_LIMIT)
            )
        ).all()
        labels = {r.id: f"{r.building}-{r.unit}-{r.number}" for r in rooms}
        return await page(
            request,
            "co_building/requests/console_new.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            residents=[(r.id, r.name, labels.get(r.room_id, "")) for r in residents],
            rooms=list(labels.items()),
            **LABELS,
        )

    @post("/", guards=[requires("co_building.work_order", "write")])
    async def file(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """File the caller's request (channel phone or visit) and open it."""
        values = await form_values(request)
        values.setdefault("channel", "phone")
        filed = await services.file_request(ctx, to_input(values, s.RequestIn))
        return done(request, services.console_link(filed), "created")

    @get("/{request_id:uuid}", guards=[requires("co_building.work_order", "read")])
    async def detail(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """One order: its state and limits, the timeline, photos, and the moves this user may make now."""
        item = await _shaped(ctx, await services.get_request(ctx, request_id))
        picker = await services.assignable_staff(ctx.session, compound_id) if {"assign", "reassign"} & set(item.allowed_actions) else []
        return await page(
            request,
            "co_building/requests/console_detail.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            r=item,
            photos=await _photos(request, ctx.principal, ctx.session, compound_id, request_id),
            staff=picker,
            noted=NOTED_ACTIONS,
            can_approve=ctx.can(services.WORK_ORDER, "approve"),
            can_note=ctx.can(services.WORK_ORDER, "write") and item.state not in {"closed", "cancelled"},
            **LABELS,
        )

    @post("/{request_id:uuid}/transitions", guards=[requires("co_building.work_order", "write")])
    async def move(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Assign, accept, start, complete, close, reopen or cancel (the service refuses what is not allowed now)."""
        await _transition(request, ctx, request_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/requests/{request_id}")

    @post("/{request_id:uuid}/notes", guards=[requires("co_building.work_order", "write")])
    async def note(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A progress note on the timeline."""
        await services.add_note(ctx, request_id, to_input(await form_values(request), s.NoteIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/requests/{request_id}")

    @post("/{request_id:uuid}/return-visit", guards=[requires("co_building.work_order", "approve")])
    async def return_visit(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The manager's return visit (回访) after a low rating."""
        await services.return_visit(ctx, request_id, to_input(await form_values(request), s.NoteIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/requests/{request_id}")

    @post("/{request_id:uuid}/handover", guards=[requires("co_building.work_order", "approve")])
    async def hand_over(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Beyond the property company's powers: hand it to the community's coordination, with the reason."""
        await services.hand_over(ctx, request_id, to_input(await form_values(request), s.HandoverIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/requests/{request_id}")

    @get("/{request_id:uuid}/photos/{attachment_id:uuid}", guards=[requires("co_building.work_order", "read")])
    async def photo(
        self,
        request: Request,
        compound_id: uuid.UUID,
        request_id: uuid.UUID,
        attachment_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[bytes]:
        """A photo of the request, shown in the page."""
        return await _photo_response(request, ctx.principal, ctx.session, compound_id, request_id, attachment_id)


class TimeLimitPages(Controller):
    """The enterprise's response and completion limits (接诉即办), in working hours per category and priority."""

    path = "/console/co_building/time-limits"

    @get("/", guards=[requires("co_building.service_config", "read")])
    async def limits(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """The table, with the platform's defaults where the enterprise has set nothing."""
        rows = await services.time_limits(ctx.session, ctx.tenant_id) if ctx.tenant_id is not None else []
        writable = ctx.can("co_building.time_limit", "write")
        return await page(request, "co_building/requests/time_limits.html", rows=rows, writable=writable, **LABELS)

    @post("/", guards=[requires("co_building.service_config", "write")])
    async def set_limit(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Set one line (applies to requests filed from now on)."""
        values = await form_values(request)
        if not values.get("basis"):
            values.pop("basis", None)  # the platform's default for the category and priority
        await services.set_time_limit(ctx, to_input(values, s.TimeLimitIn))
        return done(request, "/console/co_building/time-limits")


# --------------------------------------------------------------------------- portal


class PortalRequestPages(Controller):
    """The resident's side: my requests, the compound's open public-area ones, filing with a photo, following and rating."""

    path = PORTAL

    @get("/", guards=[requires("co_building.request", "read")])
    async def requests(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """My requests, newest first, and the open public-area requests of others that I can join with "me too"."""
        rows, total = await paginate(
            ctx.session, services.filter_requests(services.visible_requests(ctx), mine=ctx.user_id), PAGE_SIZE, offset
        )
        public = (
            await ctx.session.scalars(
                services.filter_requests(services.visible_requests(ctx), state="open")
                .where(
                    services.ServiceRequest.location == "public",
                    services.ServiceRequest.filed_for_user_id.is_distinct_from(ctx.user_id),
                )
                .limit(PAGE_SIZE)
            )
        ).all()
        return await page(
            request,
            "co_building/requests/portal_list.html",
            portal=True,
            compound_id=compound_id,
            mine=await services.request_out(ctx, rows),
            public=await services.request_out(ctx, list(public)),
            pager=pager(request, total, offset),
            **LABELS,
        )

    @get("/new", guards=[requires("co_building.request", "write")])
    async def new(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The filing form: kind, category, title, description, my room or a public area, a photo."""
        return await page(
            request,
            "co_building/requests/portal_new.html",
            portal=True,
            compound_id=compound_id,
            rooms=await services.my_rooms(ctx.session, compound_id, ctx.user_id),
            **LABELS,
        )

    @post("/", guards=[requires("co_building.request", "write")], request_max_body_size=files.max_upload_bytes() + MULTIPART_OVERHEAD)
    async def file(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """File the request and store its photo in one unit of work: a refused photo files nothing."""
        values = await form_values(request)
        photo = values.pop("photo", None)
        if photo is not None and not isinstance(photo, UploadFile):
            raise invalid("photo", "choose a photo", status=400)
        values["channel"] = "portal"
        filed = await services.file_request(ctx, to_input(values, s.RequestIn))
        if photo is not None and photo.filename:
            await _attach_photo(request, ctx.principal, ctx.session, compound_id, filed.id, photo)
        return done(request, services.portal_link(filed), "created")

    @get("/{request_id:uuid}", guards=[requires("co_building.request", "read")])
    async def detail(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Follow a request: state, timeline, the community's case progress, rating and my moves."""
        item = await _shaped(ctx, await services.get_request(ctx, request_id))
        return await page(
            request,
            "co_building/requests/portal_detail.html",
            portal=True,
            compound_id=compound_id,
            r=item,
            photos=await _photos(request, ctx.principal, ctx.session, compound_id, request_id),
            **LABELS,
        )

    @post("/{request_id:uuid}/transitions", guards=[requires("co_building.request", "write")])
    async def move(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The resident cancels, reopens or confirms the close of their own request."""
        await _transition(request, ctx, request_id)
        return done(request, f"/portal/compounds/{compound_id}/co_building/requests/{request_id}")

    @post("/{request_id:uuid}/rating", guards=[requires("co_building.request", "write")])
    async def rate(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Rate the completed work 1–5 with tags and a comment."""
        data = to_input(await form_values(request, lists=("tags",)), s.RatingIn)
        await services.rate(ctx, request_id, data)
        return done(request, f"/portal/compounds/{compound_id}/co_building/requests/{request_id}")

    @post("/{request_id:uuid}/notes", guards=[requires("co_building.request", "write")])
    async def note(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A follow-up on my request's timeline."""
        await services.add_note(ctx, request_id, to_input(await form_values(request), s.NoteIn))
        return done(request, f"/portal/compounds/{compound_id}/co_building/requests/{request_id}")

    @post("/{request_id:uuid}/me-too", guards=[requires("co_building.request", "write")])
    async def me_too(self, request: Request, compound_id: uuid.UUID, request_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """ "Me too" on an open public-area request instead of filing the same problem again."""
        await services.me_too(ctx, request_id)
        return done(request, f"/portal/compounds/{compound_id}/co_building/requests")

    @get("/{request_id:uuid}/photos/{attachment_id:uuid}", guards=[requires("co_building.request", "read")])
    async def photo(
        self,
        request: Request,
        compound_id: uuid.UUID,
        request_id: uuid.UUID,
        attachment_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[bytes]:
        """A photo of a request I may see."""
        return await _photo_response(request, ctx.principal, ctx.session, compound_id, request_id, attachment_id)


PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/co_building/requests",
        "label_zh": "服务诉求",
        "label_en": "Service requests",
        "permission": "co_building.work_order:read",
        "portal": False,
    },
    {
        "path": "/console/co_building/time-limits",
        "label_zh": "办理时限",
        "label_en": "Time limits",
        "permission": "co_building.service_config:read",
        "portal": False,
    },
    {
        "path": "/portal/compounds/{compound_id}/co_building/requests",
        "label_zh": "报事报修",
        "label_en": "Requests",
        "permission": "co_building.request:read",
        "portal": True,
    },
]
HANDLERS: list = [ConsoleRequestPages, TimeLimitPages, PortalRequestPages]
