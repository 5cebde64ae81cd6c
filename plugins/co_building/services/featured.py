"""Featured services (物业特色服务) and the care list (关爱对象), without HTTP.

A compound's catalogue offers services with a price (fen) and time slots of a
given capacity; residents book a slot and may cancel free of charge until the
service's cancellation window opens; staff confirm and complete bookings. The
care list holds people the property company looks after; a job plans their
visits at each person's frequency and flags the visits nobody made, telling the
compound's managers. Every rule is checked before anything is added, so bad
input writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import access
from core.authz.holders import holders
from core.clock import now
from core.context import RequestContext
from core.events.services import emit
from core.identity.models import User
from core.identity.principal import Principal
from core.ids import uuid7
from core.notifications.services import notify
from core.pagination import Page, paginate
from core.problems import Problem, conflict, invalid, not_found
from core.security import blind_index, decrypt_pii, encrypt_pii, mask_id_card, mask_phone
from core.settings import get_settings
from core.states import IllegalTransition, StateMachine
from core.validators import id_card_problem
from plugins.co_building.models.featured import CareSubject, CareVisit, FeaturedService, ServiceBooking, ServiceSlot
from plugins.co_building.schemas import featured as s
from tenants.models import Compound, Household, Resident

MAX_PRICE_FEN = 10_000_000
"""¥100,000: far above any featured service, low enough to catch a price typed in fen twice."""
MAX_CANCEL_HOURS = 720
MAX_SLOT_CAPACITY = 1000
MAX_SLOT_LENGTH = dt.timedelta(hours=24)
MAX_VISIT_CATCH_UP = 60
"""Missed periods flagged in one run for one person; beyond that the plan restarts from today."""

BOOKINGS = StateMachine(
    "booking",
    {
        "booked": {"confirm": "confirmed", "cancel": "cancelled"},
        "confirmed": {"complete": "completed", "no_show": "no_show", "cancel": "cancelled"},
        "completed": {},
        "cancelled": {},
        "no_show": {},
    },
)
"""booked → confirmed → completed; cancelled before the service, no-show when the resident was not there."""
LIVE_BOOKINGS = ("booked", "confirmed")


# --------------------------------------------------------------------------- shared helpers (also used by volunteers)


def own_user(ctx: RequestContext) -> uuid.UUID | None:
    """The user whose own rows a caller is limited to: None for whoever may read every volunteer's records
    (``co_building.volunteer`` ``read_all``: the compound's staff and officials), else the caller."""
    return None if ctx.can("co_building.volunteer", "read_all") else ctx.user_id


async def compound_zone(session: AsyncSession, compound_id: uuid.UUID) -> ZoneInfo:
    """The time zone the compound's people live by (the kernel's one rule: ``core.access.compound_zone``)."""
    return ZoneInfo(await access.compound_zone(session, compound_id))


def aware(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A time from a form (no offset) is wall-clock time in the compound's zone; stored times are UTC."""
    return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(dt.UTC)


def transition(machine: StateMachine, state: str, action: str) -> str:
    """The state after ``action``, or the machine's 409 naming the moves allowed from ``state`` (in words people read)."""
    try:
        return machine.next(state, action)
    except IllegalTransition as exc:
        exc.detail = (exc.detail or "").replace("_", " ")
        raise


async def in_compound(session: AsyncSession, model: Any, compound_id: uuid.UUID, row_id: uuid.UUID, field_name: str, what: str) -> Any:
    """A row the input refers to; a 422 naming the field when it is not in this compound."""
    row = await session.get(model, (compound_id, row_id))
    if row is None:
        raise invalid(field_name, f"no {what} {row_id} in this compound")
    return row


async def found(session: AsyncSession, model: Any, compound_id: uuid.UUID, row_id: uuid.UUID, what: str) -> Any:
    """A row the path names; 404 when it does not exist here."""
    row = await session.get(model, (compound_id, row_id))
    if row is None:
        raise not_found(what)
    return row


async def my_resident(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> Resident | None:
    """The caller's resident record in the compound (the first, when they live in several rooms)."""
    return await session.scalar(select(Resident).where(Resident.user_id == user_id).order_by(Resident.id).limit(1))


CARE = "co_building.care"


async def managers_of(session: AsyncSession, compound_id: uuid.UUID) -> list[uuid.UUID]:
    """Users to tell about the compound's service problems (missed care visits, follow-ups): holders of ``escalate`` on
    ``co_building.care`` (its managers), else of ``oversee`` (the operator's administrators), assigned in the compound
    or by its operator. Permissions in policies.csv, read through the role graph, so custom roles can carry them too."""
    operator = await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == compound_id))
    tenants = [operator] if operator else []
    return await holders(session, CARE, "escalate", compound_id, tenant_ids=tenants) or (
        await holders(session, CARE, "oversee", compound_id, tenant_ids=tenants) if operator else []
    )


# --------------------------------------------------------------------------- catalogue


def _check_price(price_fen: int) -> None:
    if not 0 <= price_fen <= MAX_PRICE_FEN:
        raise invalid("price_fen", f"must be a whole number of fen from 0 to {MAX_PRICE_FEN}")


def _check_cancel_window(hours: int) -> None:
    if not 0 <= hours <= MAX_CANCEL_HOURS:
        raise invalid("cancel_before_hours", f"must be from 0 to {MAX_CANCEL_HOURS} hours")


async def _name_free(session: AsyncSession, compound_id: uuid.UUID, name: str, except_id: uuid.UUID | None = None) -> None:
    stmt = select(FeaturedService.id).where(FeaturedService.name == name)
    if except_id is not None:
        stmt = stmt.where(FeaturedService.id != except_id)
    if await session.scalar(stmt):
        raise conflict(f"a service named {name} exists", errors=[{"field": "name", "message": "already exists"}])


async def create_service(session: AsyncSession, compound_id: uuid.UUID, data: s.ServiceIn) -> FeaturedService:
    _check_price(data.price_fen)
    _check_cancel_window(data.cancel_before_hours)
    await _name_free(session, compound_id, data.name)
    row = FeaturedService(
        compound_id=compound_id,
        name=data.name,
        category=data.category,
        description=data.description,
        price_fen=data.price_fen,
        cancel_before_hours=data.cancel_before_hours,
    )
    session.add(row)
    await session.flush()
    return row


async def update_service(session: AsyncSession, compound_id: uuid.UUID, service_id: uuid.UUID, data: s.ServicePatch) -> FeaturedService:
    """Change the catalogue entry; bookings keep the price they were made at."""
    row = await found(session, FeaturedService, compound_id, service_id, "service")
    if data.price_fen is not None:
        _check_price(data.price_fen)
    if data.cancel_before_hours is not None:
        _check_cancel_window(data.cancel_before_hours)
    if data.name is not None and data.name != row.name:
        await _name_free(session, compound_id, data.name, row.id)
    for key in ("name", "description", "price_fen", "cancel_before_hours", "active"):
        value = getattr(data, key)
        if value is not None:
            setattr(row, key, value)
    await session.flush()
    return row


def service_out(row: FeaturedService) -> s.ServiceOut:
    return s.ServiceOut(
        id=row.id,
        compound_id=row.compound_id,
        name=row.name,
        category=row.category,
        description=row.description,
        price_fen=row.price_fen,
        cancel_before_hours=row.cancel_before_hours,
        active=row.active,
    )


async def services(session: AsyncSession, compound_id: uuid.UUID, *, active_only: bool, limit: int, offset: int) -> Page[s.ServiceOut]:
    stmt = select(FeaturedService).order_by(FeaturedService.category, FeaturedService.name)
    if active_only:
        stmt = stmt.where(FeaturedService.active.is_(True))
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[service_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def add_slot(session: AsyncSession, compound_id: uuid.UUID, service_id: uuid.UUID, data: s.SlotIn) -> ServiceSlot:
    """A bookable time slot; times without an offset are read in the compound's zone."""
    await found(session, FeaturedService, compound_id, service_id, "service")
    zone = await compound_zone(session, compound_id)
    starts, ends = aware(data.starts_at, zone), aware(data.ends_at, zone)
    if starts <= now():
        raise invalid("starts_at", "must be in the future")
    if ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    if ends - starts > MAX_SLOT_LENGTH:
        raise invalid("ends_at", "a slot lasts at most 24 hours")
    if not 1 <= data.capacity <= MAX_SLOT_CAPACITY:
        raise invalid("capacity", f"must be from 1 to {MAX_SLOT_CAPACITY}")
    row = ServiceSlot(compound_id=compound_id, service_id=service_id, starts_at=starts, ends_at=ends, capacity=data.capacity, booked=0)
    session.add(row)
    await session.flush()
    return row


def slot_out(row: ServiceSlot) -> s.SlotOut:
    return s.SlotOut(
        id=row.id,
        service_id=row.service_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        booked=row.booked,
        free=row.capacity - row.booked,
    )


async def slots(
    session: AsyncSession, compound_id: uuid.UUID, service_id: uuid.UUID, *, upcoming: bool = True, limit: int = 100, offset: int = 0
) -> Page[s.SlotOut]:
    await found(session, FeaturedService, compound_id, service_id, "service")
    stmt = select(ServiceSlot).where(ServiceSlot.service_id == service_id).order_by(ServiceSlot.starts_at, ServiceSlot.id)
    if upcoming:
        stmt = stmt.where(ServiceSlot.starts_at > now())
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[slot_out(r) for r in rows], total=total, limit=limit, offset=offset)


# --------------------------------------------------------------------------- bookings


async def book(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, data: s.BookingIn, *, for_others: bool
) -> ServiceBooking:
    """Book a place in a slot: one live booking per resident and slot, never more than the slot's capacity.

    ``for_others`` (staff at the service desk) lets the caller name the resident;
    everybody else books for themself.
    """
    slot = await in_compound(session, ServiceSlot, compound_id, data.slot_id, "slot_id", "slot")
    service = await found(session, FeaturedService, compound_id, slot.service_id, "service")
    if not service.active:
        raise invalid("slot_id", "the service is not offered any more")
    if slot.starts_at <= now():
        raise invalid("slot_id", "the slot has already started")
    if for_others and data.resident_id is not None:
        resident = await in_compound(session, Resident, compound_id, data.resident_id, "resident_id", "resident")
    else:
        resident = await my_resident(session, compound_id, principal.user_id)
        if resident is None:
            raise invalid(
                "resident_id",
                "you are not registered as a resident of this compound" if not for_others else "name the resident you book for",
            )
    live = await session.scalar(
        select(ServiceBooking.id).where(
            ServiceBooking.slot_id == slot.id,
            ServiceBooking.resident_id == resident.id,
            ServiceBooking.status.in_(LIVE_BOOKINGS),
        )
    )
    if live:
        raise conflict(
            "this resident already holds a booking for the slot",
            errors=[{"field": "slot_id", "message": "already booked"}],
            booking_id=str(live),
        )
    # the place is taken by a conditional update, so two bookings at the same moment cannot overfill the slot
    taken = await session.execute(
        update(ServiceSlot)
        .where(ServiceSlot.compound_id == compound_id, ServiceSlot.id == slot.id, ServiceSlot.booked < ServiceSlot.capacity)
        .values(booked=ServiceSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:
        raise Problem(
            409,
            "slot-full",
            "Slot fully booked",
            f"all {slot.capacity} places of this slot are taken; choose another slot",
            errors=[{"field": "slot_id", "message": "fully booked"}],
            capacity=slot.capacity,
        )
    row = ServiceBooking(
        id=uuid7(),
        compound_id=compound_id,
        slot_id=slot.id,
        service_id=service.id,
        resident_id=resident.id,
        user_id=principal.user_id,
        price_fen=service.price_fen,
        note=data.note,
        status="booked",
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:  # the same resident booked the same slot in a parallel request
        raise conflict(
            "this resident already holds a booking for the slot", errors=[{"field": "slot_id", "message": "already booked"}]
        ) from None
    await session.refresh(slot)
    emit(
        session,
        "co_building.service.booked",
        {"booking_id": str(row.id), "service_id": str(service.id), "slot_id": str(slot.id)},
        compound_id=compound_id,
    )
    return row


async def _booking_for(session: AsyncSession, compound_id: uuid.UUID, booking_id: uuid.UUID, own: uuid.UUID | None) -> ServiceBooking:
    row = await found(session, ServiceBooking, compound_id, booking_id, "booking")
    if own is not None and not await _is_theirs(session, row, own):
        raise not_found("booking")
    return row


async def _is_theirs(session: AsyncSession, booking: ServiceBooking, user_id: uuid.UUID) -> bool:
    if booking.user_id == user_id:
        return True
    resident = await session.get(Resident, (booking.compound_id, booking.resident_id))
    return resident is not None and resident.user_id == user_id


async def _release_place(session: AsyncSession, booking: ServiceBooking) -> None:
    await session.execute(
        update(ServiceSlot)
        .where(ServiceSlot.compound_id == booking.compound_id, ServiceSlot.id == booking.slot_id, ServiceSlot.booked > 0)
        .values(booked=ServiceSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


async def _local(session: AsyncSession, compound_id: uuid.UUID, moment: dt.datetime) -> str:
    return f"{moment.astimezone(await compound_zone(session, compound_id)):%Y-%m-%d %H:%M}"


async def _resident_user(session: AsyncSession, booking: ServiceBooking) -> uuid.UUID | None:
    resident = await session.get(Resident, (booking.compound_id, booking.resident_id))
    return resident.user_id if resident is not None and resident.user_id else booking.user_id


async def cancel_booking(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, booking_id: uuid.UUID, reason: str, *, staff: bool
) -> ServiceBooking:
    """Cancel a booking. A resident cancels their own, free of charge until the service's window opens
    (``cancel_before_hours`` before the slot); after that the service desk decides. Staff may cancel
    any live booking before it starts, with a reason, and the resident is told."""
    row = await _booking_for(session, compound_id, booking_id, None if staff else principal.user_id)
    transition(BOOKINGS, row.status, "cancel")
    slot = await found(session, ServiceSlot, compound_id, row.slot_id, "slot")
    service = await found(session, FeaturedService, compound_id, row.service_id, "service")
    moment = now()
    if moment >= slot.starts_at:
        raise Problem(
            409,
            "slot-started",
            "The slot has started",
            "a booking cannot be cancelled once its slot has started; mark it completed or no-show",
            allowed=BOOKINGS.allowed(row.status),
        )
    deadline = slot.starts_at - dt.timedelta(hours=service.cancel_before_hours)
    if not staff and moment > deadline:
        raise Problem(
            409,
            "cancellation-window-closed",
            "Free cancellation has ended",
            f"bookings of this service can be cancelled until {service.cancel_before_hours} hours before the slot "
            f"(until {await _local(session, compound_id, deadline)}); please call the service desk",
            deadline=deadline.isoformat(),
            cancel_before_hours=service.cancel_before_hours,
        )
    if staff and not reason.strip():
        raise invalid("reason", "say why the service desk cancels the booking")
    row.status, row.cancelled_at, row.cancel_reason = "cancelled", moment, reason.strip()
    await _release_place(session, row)
    await session.flush()
    resident_user = await _resident_user(session, row)
    if staff and resident_user and resident_user != principal.user_id:
        await notify(
            session,
            [resident_user],
            "co_building.booking.cancelled",
            f"预约已取消 / Booking cancelled: {service.name}",
            f"{await _local(session, compound_id, slot.starts_at)} · {row.cancel_reason}",
            link=f"/portal/compounds/{compound_id}/co_building/bookings",
            compound_id=compound_id,
        )
    emit(session, "co_building.booking.cancelled", {"booking_id": str(row.id), "by_staff": staff}, compound_id=compound_id)
    return row


async def move_booking(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, booking_id: uuid.UUID, action: str
) -> ServiceBooking:
    """Staff confirm a booking, then mark it completed or no-show (only once the slot has started)."""
    row = await found(session, ServiceBooking, compound_id, booking_id, "booking")
    target = transition(BOOKINGS, row.status, action)
    if action == "cancel":
        raise invalid("action", "cancel a booking through its cancel route")
    slot = await found(session, ServiceSlot, compound_id, row.slot_id, "slot")
    if action in ("complete", "no_show") and now() < slot.starts_at:
        raise Problem(
            409,
            "slot-not-started",
            "The slot has not started",
            f"a booking can be marked {action.replace('_', '-')} once its slot has started",
            allowed=["cancel"],
        )
    row.status = target
    if action == "confirm":
        row.confirmed_by = principal.user_id
    if action == "complete":
        row.completed_at = now()
    if action == "no_show":
        await _release_place(session, row)
    await session.flush()
    if action == "confirm":
        resident_user = await _resident_user(session, row)
        service = await session.get(FeaturedService, (compound_id, row.service_id))
        if resident_user:
            await notify(
                session,
                [resident_user],
                "co_building.booking_confirmed",
                f"预约已确认 / Booking confirmed: {service.name if service else ''}",
                await _local(session, compound_id, slot.starts_at),
                link=f"/portal/compounds/{compound_id}/co_building/bookings",
                compound_id=compound_id,
            )
    return row


def bookings_query(compound_id: uuid.UUID):
    return (
        select(ServiceBooking, FeaturedService, ServiceSlot, Resident.name)
        .join(
            FeaturedService, (FeaturedService.compound_id == ServiceBooking.compound_id) & (FeaturedService.id == ServiceBooking.service_id)
        )
        .join(ServiceSlot, (ServiceSlot.compound_id == ServiceBooking.compound_id) & (ServiceSlot.id == ServiceBooking.slot_id))
        .join(Resident, (Resident.compound_id == ServiceBooking.compound_id) & (Resident.id == ServiceBooking.resident_id))
    )


def booking_out(row: ServiceBooking, service: FeaturedService, slot: ServiceSlot, resident_name: str) -> s.BookingOut:
    return s.BookingOut(
        id=row.id,
        compound_id=row.compound_id,
        service_id=service.id,
        service_name=service.name,
        slot_id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        resident_id=row.resident_id,
        resident_name=resident_name,
        price_fen=row.price_fen,
        note=row.note,
        status=row.status,
        free_cancel_until=slot.starts_at - dt.timedelta(hours=service.cancel_before_hours),
        cancel_reason=row.cancel_reason,
        created_at=row.created_at,
    )


async def bookings(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    own: uuid.UUID | None,
    status: str | None = None,
    service_id: uuid.UUID | None = None,
    upcoming: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.BookingOut]:
    """Bookings, soonest slot first; ``own`` limits a resident to the bookings of their household's people they made or hold."""
    stmt = bookings_query(compound_id).order_by(ServiceSlot.starts_at, ServiceBooking.id)
    if own is not None:
        stmt = stmt.where((ServiceBooking.user_id == own) | (Resident.user_id == own))
    if status:
        stmt = stmt.where(ServiceBooking.status == status)
    if service_id:
        stmt = stmt.where(ServiceBooking.service_id == service_id)
    if upcoming:
        stmt = stmt.where(ServiceSlot.starts_at > now())
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[booking_out(*r) for r in rows], total=total, limit=limit, offset=offset)


async def get_booking(session: AsyncSession, compound_id: uuid.UUID, booking_id: uuid.UUID) -> s.BookingOut:
    row = (await session.execute(bookings_query(compound_id).where(ServiceBooking.id == booking_id))).first()
    if row is None:
        raise not_found("booking")
    return booking_out(*row)


# --------------------------------------------------------------------------- care list


def _check_frequency(days: int) -> None:
    if not 1 <= days <= 90:
        raise invalid("visit_every_days", "must be from 1 to 90 days")


async def create_care_subject(session: AsyncSession, compound_id: uuid.UUID, data: s.CareSubjectIn) -> CareSubject:
    """Put a person on the care list; the ID-card number is checked, then encrypted at rest."""
    _check_frequency(data.visit_every_days)
    household_id = data.household_id
    if data.resident_id is not None:
        resident = await in_compound(session, Resident, compound_id, data.resident_id, "resident_id", "resident")
        if household_id is not None and household_id != resident.household_id:
            raise invalid("household_id", "is not the resident's household")
        household_id = resident.household_id
    elif household_id is not None:
        await in_compound(session, Household, compound_id, household_id, "household_id", "household")
    cipher = index = None
    if data.id_card:
        number = data.id_card.upper()
        problem = id_card_problem(number)
        if problem:
            raise invalid("id_card", problem)
        cipher, index = encrypt_pii(number), blind_index(number)
    if data.responsible_user_id is not None and await session.get(User, data.responsible_user_id) is None:
        raise invalid("responsible_user_id", "no such user")
    row = CareSubject(
        compound_id=compound_id,
        name=data.name,
        category=data.category,
        resident_id=data.resident_id,
        household_id=household_id,
        address=data.address,
        phone=data.phone,
        id_card_cipher=cipher,
        id_card_index=index,
        needs=data.needs,
        visit_every_days=data.visit_every_days,
        responsible_user_id=data.responsible_user_id,
        active=True,
    )
    session.add(row)
    await session.flush()
    return row


async def update_care_subject(
    session: AsyncSession, compound_id: uuid.UUID, subject_id: uuid.UUID, data: s.CareSubjectPatch
) -> CareSubject:
    """Change a person's details or frequency; taking them off the list (active = false) drops their planned visit."""
    row = await found(session, CareSubject, compound_id, subject_id, "person on the care list")
    if data.visit_every_days is not None:
        _check_frequency(data.visit_every_days)
    if data.responsible_user_id is not None and await session.get(User, data.responsible_user_id) is None:
        raise invalid("responsible_user_id", "no such user")
    for key in ("visit_every_days", "address", "phone", "needs", "responsible_user_id", "active"):
        value = getattr(data, key)
        if value is not None:
            setattr(row, key, value)
    if data.active is False:
        for visit in (await session.scalars(select(CareVisit).where(CareVisit.subject_id == row.id, CareVisit.status == "planned"))).all():
            await session.delete(visit)
    await session.flush()
    return row


def care_subject_out(
    row: CareSubject, *, show_pii: bool, next_due_on: dt.date | None = None, last_visited_at: dt.datetime | None = None, missed: int = 0
) -> s.CareSubjectOut:
    """Phone and ID-card number in full only for roles holding ``tenants.resident_pii``; masked otherwise."""
    id_card = decrypt_pii(row.id_card_cipher)
    return s.CareSubjectOut(
        id=row.id,
        compound_id=row.compound_id,
        name=row.name,
        category=row.category,
        resident_id=row.resident_id,
        household_id=row.household_id,
        address=row.address,
        phone=row.phone if show_pii else mask_phone(row.phone),
        id_card=id_card if show_pii else mask_id_card(id_card),
        masked=not show_pii,
        needs=row.needs,
        visit_every_days=row.visit_every_days,
        responsible_user_id=row.responsible_user_id,
        active=row.active,
        next_due_on=next_due_on,
        last_visited_at=last_visited_at,
        missed_visits=missed,
    )


async def care_subjects(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    show_pii: bool,
    include_inactive: bool = False,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.CareSubjectOut]:
    """The care list with each person's next due visit, last visit and missed visits."""
    stmt = select(CareSubject).order_by(CareSubject.name, CareSubject.id)
    if not include_inactive:
        stmt = stmt.where(CareSubject.active.is_(True))
    if category:
        stmt = stmt.where(CareSubject.category == category)
    rows, total = await paginate(session, stmt, limit, offset)
    ids = [r.id for r in rows]
    base = select(CareVisit.subject_id).where(CareVisit.subject_id.in_(ids)).group_by(CareVisit.subject_id)
    due = dict((await session.execute(base.add_columns(func.min(CareVisit.due_on)).where(CareVisit.status == "planned"))).all())
    last = dict((await session.execute(base.add_columns(func.max(CareVisit.visited_at)).where(CareVisit.status == "done"))).all())
    missed = dict((await session.execute(base.add_columns(func.count()).where(CareVisit.status == "missed"))).all())
    items = [
        care_subject_out(r, show_pii=show_pii, next_due_on=due.get(r.id), last_visited_at=last.get(r.id), missed=missed.get(r.id, 0))
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


async def get_care_subject(session: AsyncSession, compound_id: uuid.UUID, subject_id: uuid.UUID, *, show_pii: bool) -> s.CareSubjectOut:
    row = await found(session, CareSubject, compound_id, subject_id, "person on the care list")
    return care_subject_out(row, show_pii=show_pii)


def visit_out(row: CareVisit, subject_name: str) -> s.VisitOut:
    return s.VisitOut(
        id=row.id,
        subject_id=row.subject_id,
        subject_name=subject_name,
        due_on=row.due_on,
        status=row.status,
        visited_at=row.visited_at,
        visited_by=row.visited_by,
        visitor_name=row.visitor_name,
        notes=row.notes,
        findings=row.findings,
        follow_up=row.follow_up,
        flagged_at=row.flagged_at,
    )


async def care_visits(
    session: AsyncSession,
    compound_id: uuid.UUID,
    *,
    status: str | None = None,
    subject_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[s.VisitOut]:
    """The visits board: planned visits soonest first, done and missed ones latest first."""
    stmt = select(CareVisit, CareSubject.name).join(
        CareSubject, (CareSubject.compound_id == CareVisit.compound_id) & (CareSubject.id == CareVisit.subject_id)
    )
    stmt = stmt.order_by(CareVisit.due_on, CareVisit.id) if status == "planned" else stmt.order_by(CareVisit.due_on.desc(), CareVisit.id)
    if status:
        stmt = stmt.where(CareVisit.status == status)
    if subject_id:
        stmt = stmt.where(CareVisit.subject_id == subject_id)
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[visit_out(v, name) for v, name in rows], total=total, limit=limit, offset=offset)


async def record_visit(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, subject_id: uuid.UUID, data: s.VisitIn
) -> CareVisit:
    """Record a visit (who, when, notes, findings): it fulfils the planned visit, and the next one is planned from it."""
    subject = await found(session, CareSubject, compound_id, subject_id, "person on the care list")
    if not subject.active:
        raise invalid("subject_id", "the person is no longer on the care list")
    zone = await compound_zone(session, compound_id)
    moment = now()
    visited_at = aware(data.visited_at, zone) if data.visited_at else moment
    if visited_at > moment + dt.timedelta(minutes=5):
        raise invalid("visited_at", "cannot be in the future")
    day = visited_at.astimezone(zone).date()
    planned = await session.scalar(select(CareVisit).where(CareVisit.subject_id == subject.id, CareVisit.status == "planned"))
    same_day = await session.scalar(select(CareVisit).where(CareVisit.subject_id == subject.id, CareVisit.due_on == day))
    if planned is not None:
        visit = planned
    elif same_day is not None and same_day.status == "missed":
        visit = same_day  # made late, on the day it was found missed
    elif same_day is not None:
        raise conflict("a visit on that day is already recorded", errors=[{"field": "visited_at", "message": "already recorded"}])
    else:
        visit = CareVisit(id=uuid7(), compound_id=compound_id, subject_id=subject.id, due_on=day)
        session.add(visit)
    visitor = data.visitor_name.strip() or principal.display_name
    visit.status, visit.visited_at, visit.visited_by, visit.visitor_name = "done", visited_at, principal.user_id, visitor[:100]
    visit.notes, visit.findings, visit.follow_up = data.notes, data.findings, data.follow_up
    await session.flush()
    await _plan_subject(session, subject, moment.astimezone(zone).date(), zone)
    if data.follow_up:
        managers = await managers_of(session, compound_id)
        await notify(
            session,
            [*managers, *([subject.responsible_user_id] if subject.responsible_user_id else [])],
            "co_building.care_follow_up",
            f"关爱走访需跟进 / Care visit needs follow-up: {subject.name}",
            data.findings[:500],
            link=f"/console/compounds/{compound_id}/co_building/care/visits",
            compound_id=compound_id,
        )
    return visit


# --------------------------------------------------------------------------- visit planning (the job)


@dataclass
class PlanReport:
    """What one planning run did in one compound."""

    planned: int = 0
    missed: list[tuple[CareSubject, CareVisit]] = field(default_factory=list)


async def _plan_subject(
    session: AsyncSession,
    subject: CareSubject,
    today: dt.date,
    zone: ZoneInfo,
    report: PlanReport | None = None,
    visits: list[CareVisit] | None = None,
) -> None:
    """Keep exactly one planned visit for an active person; flag each period that went by without a visit.

    Running it again on the same day changes nothing: the planned visit is
    then due today or later.
    """
    report = report if report is not None else PlanReport()
    if visits is None:  # one person (a visit was recorded); the job hands every person's visits over, read at once
        visits = list((await session.scalars(select(CareVisit).where(CareVisit.subject_id == subject.id).order_by(CareVisit.due_on))).all())
    taken = {v.due_on for v in visits}
    planned = next((v for v in visits if v.status == "planned"), None)
    every = dt.timedelta(days=subject.visit_every_days)

    def add(due_on: dt.date) -> CareVisit:
        while due_on in taken:
            due_on += dt.timedelta(days=1)
        taken.add(due_on)
        visit = CareVisit(id=uuid7(), compound_id=subject.compound_id, subject_id=subject.id, due_on=due_on, status="planned")
        session.add(visit)
        report.planned += 1
        return visit

    if planned is None:
        done = [v for v in visits if v.status == "done" and v.visited_at is not None]
        missed = [v for v in visits if v.status == "missed"]
        starts = [v.visited_at.astimezone(zone).date() for v in done] + [v.due_on for v in missed]  # type: ignore[union-attr]
        base = max(starts) if starts else subject.created_at.astimezone(zone).date()
        planned = add(base + every)
    rounds = 0
    while planned.due_on < today:
        planned.status, planned.flagged_at = "missed", now()
        report.missed.append((subject, planned))
        rounds += 1
        planned = add(planned.due_on + every if rounds < MAX_VISIT_CATCH_UP else today)
    await session.flush()


async def plan_care_visits(session: AsyncSession, compound_id: uuid.UUID, today: dt.date | None = None) -> PlanReport:
    """Plan the due visits of every active person on the compound's care list and flag the missed ones,
    telling the managers (and each person's responsible staff member) once per run. Idempotent."""
    zone = await compound_zone(session, compound_id)
    today = today or now().astimezone(zone).date()
    report = PlanReport()
    subjects = (await session.scalars(select(CareSubject).where(CareSubject.active.is_(True)).order_by(CareSubject.id))).all()
    visits: dict[uuid.UUID, list[CareVisit]] = {subject.id: [] for subject in subjects}
    for visit in (
        await session.scalars(
            select(CareVisit).where(CareVisit.subject_id.in_(list(visits))).order_by(CareVisit.subject_id, CareVisit.due_on)
        )
    ).all():
        visits[visit.subject_id].append(visit)
    for subject in subjects:  # no statement per person: each one's visits were read above
        await _plan_subject(session, subject, today, zone, report, visits[subject.id])
    if report.missed:
        for subject, visit in report.missed:
            emit(
                session,
                "co_building.care_visit.missed",
                {"visit_id": str(visit.id), "subject_id": str(subject.id), "due_on": visit.due_on.isoformat()},
                compound_id=compound_id,
            )
        people = sorted({subject.name for subject, _ in report.missed})
        recipients = [
            *await managers_of(session, compound_id),
            *(subj.responsible_user_id for subj, _ in report.missed if subj.responsible_user_id),
        ]
        await notify(
            session,
            recipients,
            "co_building.care_visits_missed",
            f"关爱走访逾期 {len(report.missed)} 次 / {len(report.missed)} care visit(s) missed",
            "、".join(people[:20]) + (" …" if len(people) > 20 else ""),
            link=f"/console/compounds/{compound_id}/co_building/care/visits?status=missed",
            compound_id=compound_id,
        )
    return report


# --------------------------------------------------------------------------- demo data


def demo_rows(seed: Any) -> None:
    """Compound A1: four services with slots and bookings; a care list of three with visits, one of them missed."""
    a1 = seed.city.compounds["A1"]
    owners = seed.city.owners["A1"]
    moment = now()
    local = ZoneInfo(get_settings().default_timezone)
    day = moment.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
    catalogue = (
        ("上门维修", "home_repair", 3000, 24, "水电、门窗、家具小修，材料费另计。"),
        ("家政保洁", "cleaning", 8000, 24, "两小时深度保洁，自带清洁用品。"),
        ("快递代收代存", "parcel", 0, 2, "物业服务中心代收包裹，凭取件码领取。"),
        ("敬老上门探访", "elder_visit", 0, 12, "党员志愿者上门陪护、代购、测血压。"),
    )
    services_ = []
    for name, category, price, window, text in catalogue:
        row = FeaturedService(
            id=uuid7(),
            compound_id=a1,
            name=name,
            category=category,
            price_fen=price,
            cancel_before_hours=window,
            description=text,
            active=True,
        )
        seed.add(row)
        services_.append(row)
    slots_ = []
    for i, service in enumerate(services_):
        for d in (1, 2, 3):
            start = (day + dt.timedelta(days=d, hours=9 + 2 * i)).astimezone(dt.UTC)
            slot = ServiceSlot(
                id=uuid7(),
                compound_id=a1,
                service_id=service.id,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                capacity=3 if i != 2 else 20,
                booked=0,
            )
            seed.add(slot)
            slots_.append((service, slot))
    for (service, slot), owner, status in zip(
        slots_[::2], owners, ("booked", "confirmed", "booked", "confirmed", "booked", "booked"), strict=False
    ):
        slot.booked += 1
        seed.add(
            ServiceBooking(
                id=uuid7(),
                compound_id=a1,
                slot_id=slot.id,
                service_id=service.id,
                resident_id=owner,
                price_fen=service.price_fen,
                status=status,
                note="",
                cancel_reason="",
            )
        )
    people = (
        ("李秀英", "elderly_alone", 7, "1号楼1单元101", "13900000011", "410502193805120028", "独居，患高血压，每周测一次血压。"),
        ("王德福", "disabled", 14, "1号楼2单元202", "13900000012", None, "下肢残疾，需协助代购生活用品。"),
        ("赵桂兰", "difficulty", 30, "2号楼1单元301", None, None, "低保户，关注冬季取暖。"),
    )
    for i, (name, category, every, address, phone, card, needs) in enumerate(people):
        subject = CareSubject(
            id=uuid7(),
            compound_id=a1,
            name=name,
            category=category,
            address=address,
            phone=phone,
            visit_every_days=every,
            needs=needs,
            active=True,
            id_card_cipher=encrypt_pii(card) if card else None,
            id_card_index=blind_index(card) if card else None,
            created_at=moment - dt.timedelta(days=40),
        )
        seed.add(subject)
        today = moment.astimezone(local).date()
        if i == 0:  # visited a week ago, so the next visit is due today
            seed.add(
                CareVisit(
                    id=uuid7(),
                    compound_id=a1,
                    subject_id=subject.id,
                    due_on=today - dt.timedelta(days=7),
                    status="done",
                    visited_at=moment - dt.timedelta(days=7),
                    visitor_name="刘芳",
                    notes="陪同测量血压 135/85。",
                    findings="状态良好。",
                )
            )
            seed.add(CareVisit(id=uuid7(), compound_id=a1, subject_id=subject.id, due_on=today, status="planned"))
        elif i == 1:  # a visit nobody made, flagged, then planned again
            seed.add(
                CareVisit(
                    id=uuid7(),
                    compound_id=a1,
                    subject_id=subject.id,
                    due_on=today - dt.timedelta(days=3),
                    status="missed",
                    flagged_at=moment - dt.timedelta(days=2),
                )
            )
            seed.add(CareVisit(id=uuid7(), compound_id=a1, subject_id=subject.id, due_on=today + dt.timedelta(days=11), status="planned"))
        else:
            seed.add(CareVisit(id=uuid7(), compound_id=a1, subject_id=subject.id, due_on=today + dt.timedelta(days=20), status="planned"))
