"""Request and response structs of the control plane."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Name, Output, Phone, Slug, Text

TenantKind = Literal["platform", "enterprise", "district"]
CreditCode = Annotated[str, msgspec.Meta(min_length=18, max_length=18)]
IdCard = Annotated[str, msgspec.Meta(min_length=18, max_length=18)]
RoomNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
ShortName = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]


class TenantIn(Input):
    kind: TenantKind
    name: LongName
    credit_code: CreditCode | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] = "Asia/Shanghai"
    contact_phone: Phone | None = None


class TenantStatusIn(Input):
    status: Literal["active", "suspended"]


class TenantOut(Output):
    id: uuid.UUID
    kind: str
    name: str
    credit_code: str | None
    status: str
    timezone: str


class RegionIn(Input):
    kind: Literal["street", "community"]
    name: LongName
    parent_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    """The district; by default the caller's own (another district's needs ``tenants.any_district:write``)."""


class RegionOut(Output):
    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    name: str
    parent_id: uuid.UUID | None


class DepartmentIn(Input):
    name: LongName
    kind: Literal["law_enforcement", "police", "fire", "market", "housing", "other"]


class DepartmentOut(Output):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    kind: str


class CompoundIn(Input):
    name: LongName
    community_id: uuid.UUID
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""
    operator_tenant_id: uuid.UUID | None = None


class CompoundOut(Output):
    id: uuid.UUID
    name: str
    address: str
    community_id: uuid.UUID
    district_tenant_id: uuid.UUID
    operator_tenant_id: uuid.UUID | None
    operator_name: str | None = None
    community_name: str | None = None


class OperatorChangeIn(Input):
    tenant_id: uuid.UUID
    note: Annotated[str, msgspec.Meta(max_length=300)] = ""


class OperatorReviewOut(Output):
    """Where the pre-review of a change of operator to ``tenant_id`` stands (``core.review.STATES``)."""

    tenant_id: uuid.UUID
    matter: str
    state: str
    review_id: uuid.UUID | None = None


class OperatorTermOut(Output):
    id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_name: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    note: str


class BuildingIn(Input):
    name: ShortName
    floors: Annotated[int, msgspec.Meta(ge=1, le=200)] | None = None


class BuildingOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    name: str
    floors: int | None


class UnitIn(Input):
    building_id: uuid.UUID
    name: ShortName


class UnitOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    building_id: uuid.UUID
    name: str


class RoomIn(Input):
    unit_id: uuid.UUID
    number: RoomNumber
    exclusive_area: Decimal
    floor: Annotated[int, msgspec.Meta(ge=-10, le=200)] | None = None
    developer_held: bool = False
    building_area: Decimal | None = None
    """建筑面积 in m², at least the exclusive area (what most property fees are charged on)."""
    delivered_on: dt.date | None = None
    """The day the room was delivered (交付) to its buyer; a delivered room is not the developer's."""


class RoomUpdate(Input):
    """Record (or correct) a room's building area or delivery; a field left out is unchanged."""

    building_area: Decimal | None = None
    delivered_on: dt.date | None = None


class RoomOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    unit_id: uuid.UUID
    number: str
    floor: int | None
    exclusive_area: Decimal
    developer_held: bool
    building_area: Decimal | None = None
    delivered_on: dt.date | None = None


class HouseholdIn(Input):
    room_id: uuid.UUID
    moved_in_on: dt.date | None = None


class HouseholdOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    room_id: uuid.UUID
    moved_in_on: dt.date | None


class ResidentIn(Input):
    household_id: uuid.UUID
    name: Name
    role: Literal["owner", "tenant", "family"]
    phone: Phone | None = None
    id_card: IdCard | None = None


class ResidentOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    household_id: uuid.UUID
    name: str
    role: str
    phone: str | None
    id_card: str | None
    masked: bool


class CommitteeIn(Input):
    term_start: dt.date
    term_end: dt.date
    elected_on: dt.date | None = None
    filing_number: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    source_vote_id: uuid.UUID | None = None
    """A closed, passed ``elect_committee`` vote (co_building) this term is filled from."""


class CommitteeMemberIn(Input):
    name: Name
    post: Literal["chair", "vice_chair", "member"]
    term_start: dt.date
    term_end: dt.date
    resident_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class CommitteeMemberOut(Output):
    id: uuid.UUID
    name: str
    post: str
    term_start: dt.date
    term_end: dt.date
    resident_id: uuid.UUID | None
    user_id: uuid.UUID | None


class CommitteeOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    term_start: dt.date
    term_end: dt.date
    elected_on: dt.date | None
    filing_number: str | None
    members: list[CommitteeMemberOut] = []
    source_vote_id: uuid.UUID | None = None


class PlanIn(Input):
    code: Slug
    name: LongName
    modules: list[Slug]
    price_fen_per_compound_month: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]


class PlanOut(Output):
    id: uuid.UUID
    code: str
    name: str
    modules: list[str]
    price_fen_per_compound_month: int
    is_active: bool


class SubscriptionIn(Input):
    plan_id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date | None = None


class SubscriptionOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    tenant_id: uuid.UUID
    plan_id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date | None
    status: str


class ModuleStateIn(Input):
    enabled: bool


class ModuleStateOut(Output):
    module: str
    label_zh: str
    label_en: str
    active: bool
    reason: str


class NoteIn(Input):
    note: Text = ""
