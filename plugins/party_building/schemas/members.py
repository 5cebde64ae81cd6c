"""Members, memberships and central households."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, Name, Output, Phone
from plugins.party_building.schemas.common import (
    MemberStatus,
    PartyPost,
)

# --------------------------------------------------------------------------- members


class MemberIn(Input):
    name: Name
    status: MemberStatus = "full"
    organisation_ids: list[uuid.UUID] = []
    post: PartyPost = "member"
    """The post held in each of ``organisation_ids`` (change one with the membership endpoint)."""
    phone: Phone | None = None
    joined_on: dt.date | None = None
    resident_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    serving: bool = False
    workplace: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    registered_on: dt.date | None = None
    show_identity: bool = False
    property_post: Annotated[str, msgspec.Meta(max_length=100)] | None = None


class MemberPatch(Input):
    status: MemberStatus | None = None
    phone: Phone | None = None
    serving: bool | None = None
    workplace: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    registered_on: dt.date | None = None
    show_identity: bool | None = None
    property_post: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    left_on: dt.date | None = None


class MembershipIn(Input):
    organisation_id: uuid.UUID
    post: PartyPost = "member"


class MembershipOut(Output):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    organisation_kind: str
    level: str
    post: str


class MemberOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    name: str
    phone: str | None
    status: str
    joined_on: dt.date | None
    resident_id: uuid.UUID | None
    user_id: uuid.UUID | None
    serving: bool
    workplace: str | None
    registered_on: dt.date | None
    show_identity: bool
    property_post: str | None
    left_on: dt.date | None
    masked: bool
    memberships: list[MembershipOut] = []


class CentralHouseholdIn(Input):
    member_id: uuid.UUID
    building_id: uuid.UUID
    since: dt.date | None = None
    household_ids: list[uuid.UUID] = []
    """Households to look after; empty means every household of the building not yet looked after."""


class CentralHouseholdOut(Output):
    id: uuid.UUID
    member_id: uuid.UUID
    member_name: str
    building_id: uuid.UUID
    building_name: str
    since: dt.date | None
    households: int
    rooms: list[str] = []
