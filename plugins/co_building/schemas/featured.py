"""Request and response structs of featured services (catalogue, slots, bookings) and the care list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, Name, Output, Phone, Text

ServiceCategory = Literal["home_repair", "cleaning", "parcel", "elder_visit", "other"]
CareCategory = Literal["elderly_alone", "disabled", "difficulty", "other"]
Note = Annotated[str, msgspec.Meta(max_length=500)]
Reason = Annotated[str, msgspec.Meta(max_length=300)]
IdCard = Annotated[str, msgspec.Meta(min_length=18, max_length=18)]


# --------------------------------------------------------------------------- catalogue and slots


class ServiceIn(Input):
    name: Name
    category: ServiceCategory
    price_fen: int
    """Price per booking in fen (分); 0 for a free service."""
    description: Text = ""
    cancel_before_hours: int = 24


class ServicePatch(Input):
    """Change a service; fields left out stay as they are."""

    name: Name | None = None
    description: Text | None = None
    price_fen: int | None = None
    cancel_before_hours: int | None = None
    active: bool | None = None


class ServiceOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    name: str
    category: str
    description: str
    price_fen: int
    cancel_before_hours: int
    active: bool


class SlotIn(Input):
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int


class SlotOut(Output):
    id: uuid.UUID
    service_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    booked: int
    free: int


# --------------------------------------------------------------------------- bookings


class BookingIn(Input):
    slot_id: uuid.UUID
    note: Note = ""
    resident_id: uuid.UUID | None = None
    """Staff booking for a resident (by phone) name them; a resident books for themself."""


class CancelIn(Input):
    reason: Reason = ""


class BookingOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    slot_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    resident_id: uuid.UUID
    resident_name: str
    price_fen: int
    note: str
    status: str
    free_cancel_until: dt.datetime
    cancel_reason: str
    created_at: dt.datetime


# --------------------------------------------------------------------------- care list


class CareSubjectIn(Input):
    name: Name
    category: CareCategory
    visit_every_days: int = 7
    resident_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    address: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Phone | None = None
    id_card: IdCard | None = None
    needs: Text = ""
    responsible_user_id: uuid.UUID | None = None


class CareSubjectPatch(Input):
    visit_every_days: int | None = None
    address: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    phone: Phone | None = None
    needs: Text | None = None
    responsible_user_id: uuid.UUID | None = None
    active: bool | None = None


class CareSubjectOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    name: str
    category: str
    resident_id: uuid.UUID | None
    household_id: uuid.UUID | None
    address: str
    phone: str | None
    id_card: str | None
    masked: bool
    needs: str
    visit_every_days: int
    responsible_user_id: uuid.UUID | None
    active: bool
    next_due_on: dt.date | None = None
    last_visited_at: dt.datetime | None = None
    missed_visits: int = 0


class VisitIn(Input):
    visited_at: dt.datetime | None = None
    """When the visit took place (default: now)."""
    notes: Text = ""
    findings: Text = ""
    follow_up: bool = False
    visitor_name: Annotated[str, msgspec.Meta(max_length=100)] = ""


class VisitOut(Output):
    id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    due_on: dt.date
    status: str
    visited_at: dt.datetime | None
    visited_by: uuid.UUID | None
    visitor_name: str
    notes: str
    findings: str
    follow_up: bool
    flagged_at: dt.datetime | None
