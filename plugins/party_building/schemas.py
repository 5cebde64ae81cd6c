"""Request and response structs of party_building (the same structs validate JSON bodies and console forms)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Name, Output, Phone, Text

OrganisationKind = Literal["community_committee", "compound_branch", "enterprise_branch", "joint_branch", "building_group"]
MemberStatus = Literal["full", "probationary"]
PartyPost = Literal["secretary", "deputy_secretary", "committee_member", "group_leader", "member"]
MeetingKind = Literal["joint", "branch_assembly", "branch_committee", "group_meeting", "party_lesson", "theme_day"]
AttendeeSide = Literal["party", "committee", "property", "department", "member", "other"]
Period = Literal["month", "quarter", "year"]
OwnerKind = Literal["person", "property_company", "owners_committee", "party_organisation", "department"]
ResponsibilityRole = Literal["organisation", "secretary", "committee_member", "member", "property_company", "owners_committee"]
ResponsibilityPeriod = Literal["month", "quarter", "year", "once"]
DisclosureCategory = Literal["fee_standard", "income_expense", "maintenance_fund", "contract", "other"]
LongText = Annotated[str, msgspec.Meta(max_length=20000)]


class ModuleOverview(Output):
    """What the module is and whether it serves this compound."""

    module: str
    label_zh: str
    label_en: str
    compound_id: str


# --------------------------------------------------------------------------- organisations


class OrganisationIn(Input):
    kind: OrganisationKind
    name: LongName
    parent_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    founded_on: dt.date | None = None


class OrganisationPatch(Input):
    name: LongName | None = None
    parent_id: uuid.UUID | None = None
    founded_on: dt.date | None = None
    dissolved_on: dt.date | None = None


class CoverageIn(Input):
    compound_id: uuid.UUID
    building_id: uuid.UUID | None = None


class CoverageOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    compound_name: str
    building_id: uuid.UUID | None
    building_name: str | None


class OrganisationOut(Output):
    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    name: str
    parent_id: uuid.UUID | None
    community_id: uuid.UUID | None
    enterprise_tenant_id: uuid.UUID | None
    secretary_name: str | None
    founded_on: dt.date | None
    dissolved_on: dt.date | None
    owned: bool
    """Whether the caller's tenant owns (and so may change) the organisation."""
    coverage: list[CoverageOut] = []


# --------------------------------------------------------------------------- coverage report


class CoverageGap(Output):
    kind: Literal["compound", "enterprise", "building"]
    id: uuid.UUID
    name: str
    compound_id: uuid.UUID | None = None
    compound_name: str | None = None


class CoverageRow(Output):
    """Figures of one area (a community, a street, or the district)."""

    level: Literal["community", "street", "district"]
    region_id: uuid.UUID | None
    name: str
    compounds: int
    compounds_covered: int
    enterprises: int
    enterprises_covered: int
    buildings: int
    buildings_covered: int
    coverage: Decimal | None
    """Compounds and enterprises covered, in % of both (两个覆盖)."""
    gaps: list[CoverageGap] = []


class CoverageReport(Output):
    rows: list[CoverageRow]


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


# --------------------------------------------------------------------------- cross-appointment


class PostOut(Output):
    body: Literal["party", "committee", "property"]
    name: str
    post: str


class PersonPosts(Output):
    member_id: uuid.UUID
    name: str
    posts: list[PostOut]


class CrossAppointment(Output):
    """双向进入、交叉任职 in one compound, against the district's targets."""

    compound_id: uuid.UUID
    committee_members: int
    committee_party_members: int
    committee_party_share: Decimal | None
    share_target: Decimal
    share_met: bool | None
    secretary_name: str | None
    secretary_on_committee: bool
    secretary_target: bool
    people: list[PersonPosts] = []


# --------------------------------------------------------------------------- targets


class TargetsIn(Input):
    """Percentages 0–100 and hours, exact decimals (checked by the service: msgspec bounds no Decimal)."""

    committee_party_share: Decimal | None = None
    secretary_on_committee: bool | None = None
    coverage: Decimal | None = None
    action_items_on_time: Decimal | None = None
    study_hours_per_member: Decimal | None = None


class RequirementIn(Input):
    kind: MeetingKind
    period: Period
    minimum: Annotated[int, msgspec.Meta(ge=0, le=31)]


class RequirementOut(Output):
    kind: str
    period: str
    minimum: int


class TargetsOut(Output):
    committee_party_share: Decimal
    secretary_on_committee: bool
    coverage: Decimal
    action_items_on_time: Decimal
    study_hours_per_member: Decimal
    requirements: list[RequirementOut]


# --------------------------------------------------------------------------- meetings


class AttendeeIn(Input):
    side: AttendeeSide
    name: Name
    user_id: uuid.UUID | None = None


class MeetingIn(Input):
    kind: MeetingKind
    title: LongName
    scheduled_at: dt.datetime
    organisation_id: uuid.UUID | None = None
    location: Annotated[str, msgspec.Meta(max_length=200)] = ""
    agenda: LongText = ""
    attendees: list[AttendeeIn] = []
    invite_property: bool = True
    """A joint meeting invites the operator's managers of the compound and the owners' committee by default."""
    invite_committee: bool = True
    departments: list[uuid.UUID] = []
    """Departments of the district invited to a joint meeting (城管执法, 公安 …)."""


class SignInIn(Input):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class StaffSignInIn(Input):
    attendee_id: uuid.UUID


class ActionItemIn(Input):
    title: LongName
    owner_kind: OwnerKind
    due_on: dt.date
    owner_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    owner_user_id: uuid.UUID | None = None
    owner_organisation_id: uuid.UUID | None = None
    owner_department_id: uuid.UUID | None = None


class ResolutionIn(Input):
    text: Text
    action_items: list[ActionItemIn] = []


class MinutesIn(Input):
    minutes: LongText
    held_at: dt.datetime | None = None
    resolutions: list[ResolutionIn] = []


class CloseIn(Input):
    evidence: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class AttendeeOut(Output):
    id: uuid.UUID
    side: str
    name: str
    user_id: uuid.UUID | None
    invited: bool
    signed_in_at: dt.datetime | None
    sign_in_method: str | None


class ActionItemOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    meeting_id: uuid.UUID
    resolution_id: uuid.UUID
    title: str
    owner_kind: str
    owner_name: str
    owner_user_id: uuid.UUID | None
    owner_tenant_id: uuid.UUID | None
    due_on: dt.date
    status: str
    overdue: bool
    evidence: str | None
    closed_at: dt.datetime | None
    closed_on_time: bool | None


class ResolutionOut(Output):
    id: uuid.UUID
    seq: int
    text: str
    action_items: list[ActionItemOut] = []


class MeetingOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    kind: str
    title: str
    organisation_id: uuid.UUID | None
    scheduled_at: dt.datetime
    location: str
    agenda: str
    status: str
    held_at: dt.datetime | None
    minutes: str | None
    attendees: list[AttendeeOut] = []
    resolutions: list[ResolutionOut] = []
    sign_in_code: str | None = None
    """Only for those who keep the meeting (meeting write)."""


class OwnerTally(Output):
    """How one owner stands on the board: open, overdue, closed on time, closed late."""

    owner_name: str
    owner_kind: str
    open: int
    overdue: int
    closed_on_time: int
    closed_late: int


class MeetingGapOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    kind: str
    period: str
    period_start: dt.date
    period_end: dt.date
    required: int
    held: int


# --------------------------------------------------------------------------- responsibility lists


class ResponsibilityIn(Input):
    organisation_id: uuid.UUID
    role: ResponsibilityRole
    title: LongName
    period: ResponsibilityPeriod
    description: Text = ""


class CompletionIn(Input):
    completed_on: dt.date
    period_label: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    """Defaults to the period containing ``completed_on``."""
    note: Text = ""


class CompletionOut(Output):
    period_label: str
    completed_on: dt.date
    note: str


class ResponsibilityOut(Output):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    role: str
    title: str
    description: str
    period: str
    current_period: str
    done_this_period: bool
    completions: list[CompletionOut] = []


# --------------------------------------------------------------------------- study


class StudySessionIn(Input):
    title: LongName
    held_on: dt.date
    hours: Decimal
    organisation_id: uuid.UUID | None = None
    topic: Text = ""
    member_ids: list[uuid.UUID] = []


class AttendanceIn(Input):
    member_ids: list[uuid.UUID]


class StudySessionOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    title: str
    held_on: dt.date
    hours: Decimal
    topic: str
    organisation_id: uuid.UUID | None
    attendees: int


class StudyHoursOut(Output):
    member_id: uuid.UUID
    name: str
    year: int
    sessions: int
    hours: Decimal


# --------------------------------------------------------------------------- disclosure


class DisclosureIn(Input):
    category: DisclosureCategory
    title: LongName
    body: LongText
    publish_from: dt.date
    publish_until: dt.date | None = None
    publish: bool = False


class DisclosurePatch(Input):
    category: DisclosureCategory | None = None
    title: LongName | None = None
    body: LongText | None = None
    publish_from: dt.date | None = None
    publish_until: dt.date | None = None


class DisclosureVersionOut(Output):
    version: int
    title: str
    status: str
    publish_from: dt.date
    publish_until: dt.date | None
    created_at: dt.datetime


class DisclosureOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    category: str
    title: str
    body: str
    publish_from: dt.date
    publish_until: dt.date | None
    status: str
    version: int
    published_at: dt.datetime | None
    visible: bool
    """Shown to residents today (published and within its period)."""
    history: list[DisclosureVersionOut] = []


# --------------------------------------------------------------------------- the public side (portal)


class PublicOrganisation(Output):
    id: uuid.UUID
    kind: str
    name: str
    secretary_name: str | None


class IdentityBadge(Output):
    """A member who shows identity (亮身份): name, organisation and post only."""

    name: str
    organisation: str | None
    post: str | None


class PublicCentralHousehold(Output):
    name: str
    building_name: str
    looks_after_me: bool


class PublicView(Output):
    compound_id: uuid.UUID
    organisations: list[PublicOrganisation]
    identity: list[IdentityBadge]
    central_households: list[PublicCentralHousehold]
    disclosures: list[DisclosureOut]
