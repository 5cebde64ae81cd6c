"""co_building HTTP handlers of featured services and the care list (thin; the rules are in services.featured)."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Controller, get, patch, post

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page
from plugins.co_building.models.featured import BOOKING_STATES
from plugins.co_building.schemas import featured as s
from plugins.co_building.services import featured as services

P = "/api/v1/compounds/{compound_id:uuid}/co_building"


class FeaturedServicesController(Controller):
    path = P
    tags = ["co_building: featured services"]

    @get("/services", operation_id="coBuildingListServices", guards=[requires("co_building.featured_service", "read")])
    async def list_services(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        include_inactive: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.ServiceOut]:
        """The compound's catalogue of featured services (物业特色服务) with prices in fen."""
        return await services.services(ctx.session, compound_id, active_only=not include_inactive, limit=limit, offset=offset)

    @post("/services", operation_id="coBuildingCreateService", guards=[requires("co_building.featured_service", "write")])
    async def create_service(self, compound_id: uuid.UUID, data: s.ServiceIn, ctx: RequestContext) -> s.ServiceOut:
        """Add a service to the catalogue (price in whole fen, never negative)."""
        return services.service_out(await services.create_service(ctx.session, compound_id, data))

    @patch(
        "/services/{service_id:uuid}", operation_id="coBuildingUpdateService", guards=[requires("co_building.featured_service", "write")]
    )
    async def update_service(
        self,
        compound_id: uuid.UUID,
        service_id: uuid.UUID,
        data: s.ServicePatch,
        ctx: RequestContext,
    ) -> s.ServiceOut:
        """Change a service; existing bookings keep their price."""
        return services.service_out(await services.update_service(ctx.session, compound_id, service_id, data))

    @get("/services/{service_id:uuid}/slots", operation_id="coBuildingListSlots", guards=[requires("co_building.featured_service", "read")])
    async def list_slots(
        self,
        compound_id: uuid.UUID,
        service_id: uuid.UUID,
        ctx: RequestContext,
        past: bool = False,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> Page[s.SlotOut]:
        """Time slots of a service with the places still free (upcoming ones unless ``past``)."""
        return await services.slots(ctx.session, compound_id, service_id, upcoming=not past, limit=limit, offset=offset)

    @post("/services/{service_id:uuid}/slots", operation_id="coBuildingAddSlot", guards=[requires("co_building.featured_service", "write")])
    async def add_slot(self, compound_id: uuid.UUID, service_id: uuid.UUID, data: s.SlotIn, ctx: RequestContext) -> s.SlotOut:
        """Open a bookable time slot with a capacity (times without an offset are the compound's local time)."""
        return services.slot_out(await services.add_slot(ctx.session, compound_id, service_id, data))


class BookingsController(Controller):
    path = P + "/bookings"
    tags = ["co_building: featured services"]

    @get("/", operation_id="coBuildingListBookings", guards=[requires("co_building.booking", "read")])
    async def list_bookings(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: str | None = None,
        service_id: uuid.UUID | None = None,
        upcoming: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.BookingOut]:
        """Bookings, soonest first: all of them for the service desk, a resident's own for a resident."""
        status = one_of("status", status, BOOKING_STATES)
        own = None if ctx.can("co_building.booking", "approve") else ctx.user_id
        return await services.bookings(
            ctx.session, compound_id, own=own, status=status, service_id=service_id, upcoming=upcoming, limit=limit, offset=offset
        )

    @post("/", operation_id="coBuildingBook", guards=[requires("co_building.booking", "write")])
    async def book(
        self,
        compound_id: uuid.UUID,
        data: s.BookingIn,
        ctx: RequestContext,
    ) -> s.BookingOut:
        """Book a slot (409 when it is full or already booked by the same resident)."""
        row = await services.book(ctx.session, ctx, compound_id, data, for_others=ctx.can("co_building.booking", "approve"))
        return await services.get_booking(ctx.session, compound_id, row.id)

    @post(
        "/{booking_id:uuid}/cancel",
        operation_id="coBuildingCancelBooking",
        guards=[requires("co_building.booking", "write")],
        status_code=200,
    )
    async def cancel(
        self,
        compound_id: uuid.UUID,
        booking_id: uuid.UUID,
        data: s.CancelIn,
        ctx: RequestContext,
    ) -> s.BookingOut:
        """Cancel a booking: residents free of charge until the service's window opens (409 after), staff with a reason."""
        await services.cancel_booking(
            ctx.session, ctx, compound_id, booking_id, data.reason, staff=ctx.can("co_building.booking", "approve")
        )
        return await services.get_booking(ctx.session, compound_id, booking_id)

    @post(
        "/{booking_id:uuid}/confirm",
        operation_id="coBuildingConfirmBooking",
        guards=[requires("co_building.booking", "approve")],
        status_code=200,
    )
    async def confirm(self, compound_id: uuid.UUID, booking_id: uuid.UUID, ctx: RequestContext) -> s.BookingOut:
        """The service desk confirms a booking (the resident is told); 409 naming the allowed moves otherwise."""
        await services.move_booking(ctx.session, ctx, compound_id, booking_id, "confirm")
        return await services.get_booking(ctx.session, compound_id, booking_id)

    @post(
        "/{booking_id:uuid}/complete",
        operation_id="coBuildingCompleteBooking",
        guards=[requires("co_building.booking", "approve")],
        status_code=200,
    )
    async def complete(self, compound_id: uuid.UUID, booking_id: uuid.UUID, ctx: RequestContext) -> s.BookingOut:
        """Mark a confirmed booking served, once its slot has started."""
        await services.move_booking(ctx.session, ctx, compound_id, booking_id, "complete")
        return await services.get_booking(ctx.session, compound_id, booking_id)

    @post(
        "/{booking_id:uuid}/no-show",
        operation_id="coBuildingNoShowBooking",
        guards=[requires("co_building.booking", "approve")],
        status_code=200,
    )
    async def no_show(self, compound_id: uuid.UUID, booking_id: uuid.UUID, ctx: RequestContext) -> s.BookingOut:
        """Mark a confirmed booking no-show (the resident was not there), once its slot has started."""
        await services.move_booking(ctx.session, ctx, compound_id, booking_id, "no_show")
        return await services.get_booking(ctx.session, compound_id, booking_id)


class CareController(Controller):
    path = P + "/care"
    tags = ["co_building: care list"]

    @get("/subjects", operation_id="coBuildingListCareSubjects", guards=[requires("co_building.care", "read")])
    async def list_subjects(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        category: str | None = None,
        include_inactive: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.CareSubjectOut]:
        """The care list (关爱对象) with next due visit; phone and ID-card masked unless the caller holds tenants.resident_pii."""
        return await services.care_subjects(
            ctx.session,
            compound_id,
            show_pii=ctx.can("tenants.resident_pii", "read"),
            include_inactive=include_inactive,
            category=category,
            limit=limit,
            offset=offset,
        )

    @post("/subjects", operation_id="coBuildingCreateCareSubject", guards=[requires("co_building.care", "write")])
    async def create_subject(
        self,
        compound_id: uuid.UUID,
        data: s.CareSubjectIn,
        ctx: RequestContext,
    ) -> s.CareSubjectOut:
        """Put a person on the care list with a visit frequency (the job plans the visits)."""
        row = await services.create_care_subject(ctx.session, compound_id, data)
        return services.care_subject_out(row, show_pii=ctx.can("tenants.resident_pii", "read"))

    @get("/subjects/{subject_id:uuid}", operation_id="coBuildingGetCareSubject", guards=[requires("co_building.care", "read")])
    async def get_subject(
        self,
        compound_id: uuid.UUID,
        subject_id: uuid.UUID,
        ctx: RequestContext,
    ) -> s.CareSubjectOut:
        """One person on the care list."""
        return await services.get_care_subject(ctx.session, compound_id, subject_id, show_pii=ctx.can("tenants.resident_pii", "read"))

    @patch("/subjects/{subject_id:uuid}", operation_id="coBuildingUpdateCareSubject", guards=[requires("co_building.care", "write")])
    async def update_subject(
        self,
        compound_id: uuid.UUID,
        subject_id: uuid.UUID,
        data: s.CareSubjectPatch,
        ctx: RequestContext,
    ) -> s.CareSubjectOut:
        """Change details or frequency; ``active: false`` takes the person off the list."""
        row = await services.update_care_subject(ctx.session, compound_id, subject_id, data)
        return services.care_subject_out(row, show_pii=ctx.can("tenants.resident_pii", "read"))

    @get("/visits", operation_id="coBuildingListCareVisits", guards=[requires("co_building.care", "read")])
    async def list_visits(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        status: Literal["planned", "done", "missed"] | None = None,
        subject_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.VisitOut]:
        """The visits board: planned, done and missed visits."""
        return await services.care_visits(ctx.session, compound_id, status=status, subject_id=subject_id, limit=limit, offset=offset)

    @post("/subjects/{subject_id:uuid}/visits", operation_id="coBuildingRecordCareVisit", guards=[requires("co_building.care", "write")])
    async def record_visit(
        self,
        compound_id: uuid.UUID,
        subject_id: uuid.UUID,
        data: s.VisitIn,
        ctx: RequestContext,
    ) -> s.VisitOut:
        """Record a visit (who, when, notes, findings); the next one is planned from it."""
        visit = await services.record_visit(ctx.session, ctx, compound_id, subject_id, data)
        subject = await services.get_care_subject(ctx.session, compound_id, subject_id, show_pii=False)
        return services.visit_out(visit, subject.name)


ROUTE_HANDLERS: list = [FeaturedServicesController, BookingsController, CareController]
