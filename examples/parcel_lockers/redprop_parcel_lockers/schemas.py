"""Request and response structs of parcel_lockers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.public import Input, Name, Output, Phone

Compartments = Annotated[int, msgspec.Meta(ge=1, le=500)]
Compartment = Annotated[int, msgspec.Meta(ge=1, le=500)]
ShortText = Annotated[str, msgspec.Meta(max_length=100)]
Location = Annotated[str, msgspec.Meta(max_length=200)]
PickupCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")]


class LockerIn(Input):
    name: Name
    compartments: Compartments
    location: Location = ""


class LockerOut(Output):
    id: uuid.UUID
    name: str
    location: str
    compartments: int


class ParcelIn(Input):
    """A parcel checked in by staff: the resident is found by the phone number they log in with."""

    locker_id: uuid.UUID
    compartment: Compartment
    phone: Phone
    carrier: Name
    tracking_number: ShortText = ""


class PickupIn(Input):
    code: PickupCode


class ParcelOut(Output):
    id: uuid.UUID
    locker_id: uuid.UUID
    locker: str
    compartment: int
    phone: str
    """The recipient's phone, masked (138****0001)."""
    carrier: str
    tracking_number: str
    state: str
    checked_in_at: dt.datetime
    picked_up_at: dt.datetime | None
    overdue: bool
    code_issued: bool


class PickupCodeOut(Output):
    """The pickup code, shown this once: only its digest is kept, asking again issues a new one."""

    parcel_id: uuid.UUID
    code: str
