"""co_building pages of featured services and the care list: the catalogue, slots, bookings desk, care list and
visits board in the console; browsing, booking and cancelling in the resident portal.

Pages are thin over ``services.featured``; a refused action comes back as the
service's problem and is shown in the form's slot.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.pagination import OffsetParam
from core.problems import invalid
from core.web.confirm import confirmation
from core.web.forms import parse_form
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.co_building.models.featured import FeaturedService, ServiceSlot
from plugins.co_building.schemas import featured as s
from plugins.co_building.services import featured as services
from tenants.models import Resident
from tenants.services import get_compound

CANCEL_BOOKING_SAYS = N_(
    "The booking is cancelled and the resident is told, with your reason; a paid booking is refunded by the service desk."
)

NO_SHOW_SAYS = N_("The booking is closed as a no-show: the resident did not come, and it cannot be changed afterwards.")

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building"
PORTAL = "/portal/compounds/{compound_id:uuid}/co_building"
PICKER_LIMIT = 2000

SERVICE_CATEGORIES = {
    "home_repair": N_("Home repair"),
    "cleaning": N_("Cleaning"),
    "parcel": N_("Parcel keeping"),
    "elder_visit": N_("Elder visits"),
    "other": N_("Other service"),
}
BOOKING_STATES = {
    "booked": N_("Booked"),
    "confirmed": N_("Confirmed"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
    "no_show": N_("No-show"),
}
CARE_CATEGORIES = {
    "elderly_alone": N_("Elderly living alone"),
    "disabled": N_("Person with a disability"),
    "difficulty": N_("Household in difficulty"),
    "other": N_("Other need"),
}
VISIT_STATES = {"planned": N_("Visit due"), "done": N_("Visited"), "missed": N_("Missed")}
# titles of the problems services.featured raises, so the catalog translates them in a form's error slot
PROBLEM_TITLES = (
    N_("Slot fully booked"),
    N_("Free cancellation has ended"),
    N_("The slot has started"),
    N_("The slot has not started"),
    N_("Illegal state transition"),
)


def _labels() -> dict[str, Any]:
    return {
        "service_categories": SERVICE_CATEGORIES,
        "booking_states": BOOKING_STATES,
        "care_categories": CARE_CATEGORIES,
        "visit_states": VISIT_STATES,
    }


# --------------------------------------------------------------------------- console


class FeaturedConsolePages(Controller):
    path = CONSOLE

    @get("/services", guards=[requires("co_building.featured_service", "read")])
    async def catalogue(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The catalogue of featured services with their prices and upcoming slots."""
        catalogue = await services.services(ctx.session, compound_id, active_only=False, limit=500, offset=0)
        slots = (await ctx.session.scalars(select(ServiceSlot).where(ServiceSlot.starts_at > now()).order_by(ServiceSlot.starts_at))).all()
        upcoming: dict[uuid.UUID, list[ServiceSlot]] = {}
        for slot in slots:
            upcoming.setdefault(slot.service_id, []).append(slot)
        return await page(
            request,
            "co_building/featured/console_services.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            catalogue=catalogue.items,
            upcoming=upcoming,
            can_edit=ctx.can("co_building.featured_service", "write"),
            **_labels(),
        )

    @post("/services", guards=[requires("co_building.featured_service", "write")])
    async def add_service(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Add a service (price in fen)."""
        await services.create_service(ctx.session, compound_id, await parse_form(request, s.ServiceIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/services", "created")

    @post("/services/{service_id:uuid}", guards=[requires("co_building.featured_service", "write")])
    async def change_service(self, request: Request, compound_id: uuid.UUID, service_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Change the price, the cancellation window or whether the service is offered."""
        values = await parse_form(request, s.ServicePatch)
        await services.update_service(
            ctx.session,
            compound_id,
            service_id,
            s.ServicePatch(
                name=values.name,
                description=values.description,
                price_fen=values.price_fen,
                cancel_before_hours=values.cancel_before_hours,
                active=bool(values.active),
            ),
        )
        return done(request, f"/console/compounds/{compound_id}/co_building/services")

    @post("/services/{service_id:uuid}/slots", guards=[requires("co_building.featured_service", "write")])
    async def add_slot(self, request: Request, compound_id: uuid.UUID, service_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Open a time slot (local time of the compound)."""
        await services.add_slot(ctx.session, compound_id, service_id, await parse_form(request, s.SlotIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/services", "created")

    @get("/bookings", guards=[requires("co_building.booking", "read")])
    async def bookings(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        upcoming: bool = True,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The bookings desk: upcoming bookings soonest first, with confirm, complete, no-show and cancel."""
        staff = ctx.can("co_building.booking", "approve")
        listed = await services.bookings(
            ctx.session,
            compound_id,
            own=None if staff else ctx.user_id,
            status=status or None,
            upcoming=upcoming,
            limit=PAGE_SIZE,
            offset=offset,
        )
        residents = []
        if staff:
            residents = (await ctx.session.execute(select(Resident.id, Resident.name).order_by(Resident.name).limit(PICKER_LIMIT))).all()
        open_slots = (
            (
                await ctx.session.execute(
                    select(ServiceSlot, FeaturedService.name)
                    .join(
                        FeaturedService,
                        (FeaturedService.compound_id == ServiceSlot.compound_id) & (FeaturedService.id == ServiceSlot.service_id),
                    )
                    .where(
                        ServiceSlot.starts_at > now(),
                        ServiceSlot.booked < ServiceSlot.capacity,
                        FeaturedService.active.is_(True),
                    )
                    .order_by(ServiceSlot.starts_at)
                    .limit(200)
                )
            ).all()
            if staff
            else []
        )
        return await page(
            request,
            "co_building/featured/console_bookings.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            bookings=listed.items,
            pager=pager(request, listed.total, offset),
            shown=status or "",
            upcoming=upcoming,
            staff=staff,
            residents=residents,
            open_slots=open_slots,
            **_labels(),
        )

    @post("/bookings", guards=[requires("co_building.booking", "approve")])
    async def book_for(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The service desk books a slot for a resident (a phone call, a visit)."""
        await services.book(ctx.session, ctx, compound_id, await parse_form(request, s.BookingIn), for_others=True)
        return done(request, f"/console/compounds/{compound_id}/co_building/bookings", "created")

    @post("/bookings/{booking_id:uuid}/cancel", guards=[requires("co_building.booking", "approve")])
    async def cancel(
        self,
        request: Request,
        compound_id: uuid.UUID,
        booking_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Cancel a booking with a reason; the resident is told (asked to confirm first)."""
        data = await parse_form(request, s.CancelIn)
        if not (data.reason or "").strip():  # refused before asking to confirm, beside the field
            raise invalid("reason", "say why the service desk cancels the booking")
        step = await confirmation(request, CANCEL_BOOKING_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.cancel_booking(ctx.session, ctx, compound_id, booking_id, data.reason, staff=True)
        return done(request, f"/console/compounds/{compound_id}/co_building/bookings")

    @post("/bookings/{booking_id:uuid}/{action:str}", guards=[requires("co_building.booking", "approve")])
    async def move(
        self,
        request: Request,
        compound_id: uuid.UUID,
        booking_id: uuid.UUID,
        action: str,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Confirm, complete or mark no-show (the service refuses any other move with a 409); a no-show, final, is
        asked to confirm first."""
        if action == "no-show":
            step = await confirmation(request, NO_SHOW_SAYS, compound_id=compound_id)
            if step is not None:
                return step
        await services.move_booking(ctx.session, ctx, compound_id, booking_id, action.replace("-", "_"))
        return done(request, f"/console/compounds/{compound_id}/co_building/bookings")

    @get("/care", guards=[requires("co_building.care", "read")])
    async def care(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        category: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The care list (关爱对象); phone and ID-card numbers masked unless the user holds tenants.resident_pii."""
        show_pii = ctx.can("tenants.resident_pii", "read")
        listed = await services.care_subjects(
            ctx.session, compound_id, show_pii=show_pii, category=category or None, limit=PAGE_SIZE, offset=offset
        )
        writable = ctx.can("co_building.care", "write")
        residents = (
            (await ctx.session.execute(select(Resident.id, Resident.name).order_by(Resident.name).limit(PICKER_LIMIT))).all()
            if writable
            else []
        )
        return await page(
            request,
            "co_building/featured/console_care.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            subjects=listed.items,
            pager=pager(request, listed.total, offset),
            masked=not show_pii,
            writable=writable,
            residents=residents,
            category=category or "",
            **_labels(),
        )

    @post("/care", guards=[requires("co_building.care", "write")])
    async def add_care_subject(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Put a person on the care list."""
        await services.create_care_subject(ctx.session, compound_id, await parse_form(request, s.CareSubjectIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/care", "created")

    @get("/care/visits", guards=[requires("co_building.care", "read")])
    async def visits(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str = "planned",
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The visits board: planned visits soonest first (overdue ones marked), missed and done ones."""
        chosen = status if status in VISIT_STATES else "planned"
        listed = await services.care_visits(ctx.session, compound_id, status=chosen, limit=PAGE_SIZE, offset=offset)
        missed = (await services.care_visits(ctx.session, compound_id, status="missed", limit=1, offset=0)).total
        zone = await services.compound_zone(ctx.session, compound_id)
        return await page(
            request,
            "co_building/featured/console_visits.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            visits=listed.items,
            pager=pager(request, listed.total, offset),
            shown=chosen,
            missed_total=missed,
            today=now().astimezone(zone).date(),
            writable=ctx.can("co_building.care", "write"),
            **_labels(),
        )

    @post("/care/{subject_id:uuid}/visits", guards=[requires("co_building.care", "write")])
    async def record_visit(
        self,
        request: Request,
        compound_id: uuid.UUID,
        subject_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Record a visit (who, when, notes, findings)."""
        await services.record_visit(ctx.session, ctx, compound_id, subject_id, await parse_form(request, s.VisitIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/care/visits?status=done", "saved")


# --------------------------------------------------------------------------- portal


class FeaturedPortalPages(Controller):
    path = PORTAL

    @get("/services", guards=[requires("co_building.featured_service", "read")])
    async def services_page(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """What the property company offers, with the free places of each upcoming slot."""
        catalogue = await services.services(ctx.session, compound_id, active_only=True, limit=200, offset=0)
        slots = (await ctx.session.scalars(select(ServiceSlot).where(ServiceSlot.starts_at > now()).order_by(ServiceSlot.starts_at))).all()
        upcoming: dict[uuid.UUID, list[s.SlotOut]] = {}
        for slot in slots:
            upcoming.setdefault(slot.service_id, []).append(services.slot_out(slot))
        return await page(
            request,
            "co_building/featured/portal_services.html",
            portal=True,
            compound_id=compound_id,
            catalogue=catalogue.items,
            upcoming=upcoming,
            **_labels(),
        )

    @post("/bookings", guards=[requires("co_building.booking", "write")])
    async def book(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Book a slot for myself."""
        await services.book(ctx.session, ctx, compound_id, await parse_form(request, s.BookingIn), for_others=False)
        return done(request, f"/portal/compounds/{compound_id}/co_building/bookings", "created")

    @get("/bookings", guards=[requires("co_building.booking", "read")])
    async def my_bookings(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """My bookings, soonest first, with the time until which I may cancel free of charge."""
        listed = await services.bookings(ctx.session, compound_id, own=ctx.user_id, limit=PAGE_SIZE, offset=offset)
        return await page(
            request,
            "co_building/featured/portal_bookings.html",
            portal=True,
            compound_id=compound_id,
            bookings=listed.items,
            pager=pager(request, listed.total, offset),
            now=now(),
            **_labels(),
        )

    @post("/bookings/{booking_id:uuid}/cancel", guards=[requires("co_building.booking", "write")])
    async def cancel(
        self,
        request: Request,
        compound_id: uuid.UUID,
        booking_id: uuid.UUID,
        ctx: RequestContext,
    ) -> Response[Any]:
        """Cancel one of my bookings (free until the service's window opens)."""
        await services.cancel_booking(ctx.session, ctx, compound_id, booking_id, "", staff=False)
        return done(request, f"/portal/compounds/{compound_id}/co_building/bookings")


C = "/console/compounds/{compound_id}/co_building"
P = "/portal/compounds/{compound_id}/co_building"
PAGES: list[dict] = [
    {
        "path": C + "/services",
        "label_zh": "特色服务",
        "label_en": "Featured services",
        "permission": "co_building.featured_service:read",
        "portal": False,
    },
    {
        "path": C + "/bookings",
        "label_zh": "服务预约",
        "label_en": "Service bookings",
        "permission": "co_building.booking:approve",
        "portal": False,
    },
    {"path": C + "/care", "label_zh": "关爱对象", "label_en": "Care list", "permission": "co_building.care:read", "portal": False},
    {"path": C + "/care/visits", "label_zh": "走访看板", "label_en": "Care visits", "permission": "co_building.care:read", "portal": False},
    {
        "path": P + "/services",
        "label_zh": "特色服务",
        "label_en": "Services",
        "permission": "co_building.featured_service:read",
        "portal": True,
    },
    {"path": P + "/bookings", "label_zh": "我的预约", "label_en": "My bookings", "permission": "co_building.booking:read", "portal": True},
]
HANDLERS: list = [FeaturedConsolePages, FeaturedPortalPages]
