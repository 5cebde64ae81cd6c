"""Tables of party_building (党建引领).

Party organisations belong to the tenant that owns them (the district for
community committees, compound and joint branches and building groups; the
enterprise for its own branch), so they are ``TenantScoped``; what an
organisation covers is recorded per compound in ``party_coverages``, which is
``CompoundScoped`` — an enterprise therefore reaches an organisation only
through the compounds it operates. Everything about people and their work in a
compound (members, meetings, action items, study, disclosures) is
``CompoundScoped`` with composite foreign keys, as the data-scope design asks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, TenantScoped, UTCDateTime

# --------------------------------------------------------------------------- vocabulary

ORGANISATION_KINDS = ("community_committee", "compound_branch", "enterprise_branch", "joint_branch", "building_group")
"""社区党委, 小区党支部, 物业企业党支部, 联合党支部, 楼栋党小组."""
LEVEL_OF_KIND = {
    "community_committee": "community",
    "compound_branch": "branch",
    "enterprise_branch": "branch",
    "joint_branch": "branch",
    "building_group": "group",
}
"""A person belongs to at most one organisation of each level."""
DISTRICT_KINDS = ("community_committee", "compound_branch", "joint_branch", "building_group")
ENTERPRISE_KINDS = ("enterprise_branch",)
BRANCH_KINDS = ("compound_branch", "joint_branch")
"""Organisations that count as a compound's branch in the coverage report (两个覆盖)."""

MEMBER_STATUSES = ("full", "probationary")
"""正式党员, 预备党员."""
PARTY_POSTS = ("secretary", "deputy_secretary", "committee_member", "group_leader", "member")

MEETING_KINDS = ("joint", "branch_assembly", "branch_committee", "group_meeting", "party_lesson", "theme_day")
"""红色物业联席会议, and the branch's 三会一课 (党员大会, 支委会, 党小组会, 党课) and 主题党日."""
MEETING_STATUSES = ("planned", "held", "cancelled")
ATTENDEE_SIDES = ("party", "committee", "property", "department", "member", "other")
PERIODS = ("month", "quarter", "year")

OWNER_KINDS = ("person", "property_company", "owners_committee", "party_organisation", "department")
ACTION_STATUSES = ("open", "closed", "cancelled")

RESPONSIBILITY_ROLES = ("organisation", "secretary", "committee_member", "member", "property_company", "owners_committee")
RESPONSIBILITY_PERIODS = ("month", "quarter", "year", "once")

DISCLOSURE_CATEGORIES = ("fee_standard", "income_expense", "maintenance_fund", "contract", "other")
"""收费标准, 收支情况, 维修资金使用, 合同, 其他."""
DISCLOSURE_STATUSES = ("draft", "published", "withdrawn")


# --------------------------------------------------------------------------- organisations


class PartyOrganisation(TenantScoped, Base):
    """A party organisation (党组织) owned by a district or an enterprise, in a tree through ``parent_id``."""

    __tablename__ = "party_organisations"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="SET NULL"), index=True)
    community_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("regions.id"))
    """The community (社区) the organisation sits in; a community committee's jurisdiction."""
    enterprise_tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id"), index=True)
    """For an enterprise branch: the property enterprise it covers."""
    secretary_name: Mapped[str | None] = mapped_column(String(100))
    """Kept in step with the member holding the ``secretary`` post: organisations are public, the register is not."""
    founded_on: Mapped[dt.date | None] = mapped_column(Date)
    dissolved_on: Mapped[dt.date | None] = mapped_column(Date)


class OrganisationCoverage(CompoundScoped, Base):
    """A compound (or one of its buildings) an organisation covers."""

    __tablename__ = "party_coverages"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "building_id"], ["buildings.compound_id", "buildings.id"], ondelete="CASCADE"),
        Index("ix_party_coverages_organisation", "organisation_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="CASCADE"))
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


# --------------------------------------------------------------------------- members


class PartyMember(CompoundScoped, Base):
    """A party member (党员) registered in a compound: the register only party roles and the district read."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_members"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),
        Index("ix_party_members_user", "user_id"),
    )

    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="full")
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    serving: Mapped[bool] = mapped_column(Boolean, default=False)
    """在职党员: works elsewhere and reports to the community where they live."""
    workplace: Mapped[str | None] = mapped_column(String(200))
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    """在职党员社区报到: the day a serving member registered at the community."""
    show_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    """亮身份: a badge beside the name in the resident portal."""
    property_post: Mapped[str | None] = mapped_column(String(100))
    """Post at the property company (交叉任职), when the member works there."""
    left_on: Mapped[dt.date | None] = mapped_column(Date)


class PartyMembership(CompoundScoped, Base):
    """A member's place in one organisation with a post; one organisation per level (community, branch, group)."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_memberships"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "member_id"], ["party_members.compound_id", "party_members.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "member_id", "level"),
        Index("ix_party_memberships_organisation", "organisation_id"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(20))
    post: Mapped[str] = mapped_column(String(30), default="member")


class CentralHousehold(CompoundScoped, Base):
    """党员中心户: a member's household that looks after the households of a building."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_central_households"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "member_id"], ["party_members.compound_id", "party_members.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["compound_id", "building_id"], ["buildings.compound_id", "buildings.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "member_id"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    building_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    since: Mapped[dt.date | None] = mapped_column(Date)


class CentralHouseholdLink(CompoundScoped, Base):
    """One household a central household looks after (each household has at most one)."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_central_links"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "central_id"], ["party_central_households.compound_id", "party_central_households.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["compound_id", "household_id"], ["households.compound_id", "households.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "household_id"),
    )

    central_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    household_id: Mapped[uuid.UUID] = mapped_column(Uuid)


# --------------------------------------------------------------------------- district targets


class DistrictTargets(TenantScoped, Base):
    """What a district expects of its compounds (targets of the indicators)."""

    __tablename__ = "party_district_targets"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    committee_party_share: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("50"))
    """Owners' committee members who are party members, in %."""
    secretary_on_committee: Mapped[bool] = mapped_column(Boolean, default=True)
    """The branch secretary sits on the owners' committee (交叉任职)."""
    coverage: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("100"))
    action_items_on_time: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("90"))
    study_hours_per_member: Mapped[Decimal] = mapped_column(ExactDecimal(6, 1), default=Decimal("32"))
    """Hours per member per year."""


class MeetingRequirement(TenantScoped, Base):
    """How often a district requires a kind of meeting (e.g. a joint meeting every month)."""

    __tablename__ = "party_meeting_requirements"
    __table_args__ = (UniqueConstraint("tenant_id", "kind"),)

    kind: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(10))
    minimum: Mapped[int] = mapped_column(Integer, default=1)


# --------------------------------------------------------------------------- meetings


class Meeting(CompoundScoped, Base):
    """A joint meeting (联席会议) or a branch meeting (三会一课, 主题党日) held for a compound."""

    __tablename__ = "party_meetings"
    __table_args__ = (Index("ix_party_meetings_kind_time", "compound_id", "kind", "scheduled_at"),)

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="SET NULL"))
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sign_in_code: Mapped[str] = mapped_column(String(40))
    """The secret in the sign-in QR code: whoever scans it signs in as themselves."""
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


class MeetingAttendee(CompoundScoped, Base):
    """Someone invited to (or present at) a meeting, and how they signed in."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_meeting_attendees"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "meeting_id"], ["party_meetings.compound_id", "party_meetings.id"], ondelete="CASCADE"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    side: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    invited: Mapped[bool] = mapped_column(Boolean, default=True)
    signed_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sign_in_method: Mapped[str | None] = mapped_column(String(10))
    """``qr`` (the attendee scanned the code) or ``staff`` (recorded by whoever keeps the list)."""


class Resolution(CompoundScoped, Base):
    """A resolution (决议) of a meeting."""

    __tablename__ = "party_resolutions"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "meeting_id"], ["party_meetings.compound_id", "party_meetings.id"], ondelete="CASCADE"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class ActionItem(CompoundScoped, Base):
    """An action item (任务) a resolution assigns to a person or an organisation, tracked to closure."""

    __tablename__ = "party_action_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "resolution_id"], ["party_resolutions.compound_id", "party_resolutions.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["compound_id", "meeting_id"], ["party_meetings.compound_id", "party_meetings.id"], ondelete="CASCADE"),
        Index("ix_party_action_items_due", "status", "due_on"),
    )

    resolution_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    meeting_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    owner_kind: Mapped[str] = mapped_column(String(30))
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    owner_tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id"))
    """The property enterprise (or the district of a department) that owns the item."""
    owner_organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    evidence: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    overdue_notified_on: Mapped[dt.date | None] = mapped_column(Date)


class MeetingGap(CompoundScoped, Base):
    """A period in which a compound held fewer meetings of a kind than its district requires."""

    __tablename__ = "party_meeting_gaps"
    __table_args__ = (UniqueConstraint("compound_id", "kind", "period_start"),)

    kind: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    """Exclusive."""
    required: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)


# --------------------------------------------------------------------------- responsibility lists


class Responsibility(TenantScoped, Base):
    """One item of an organisation's responsibility list (责任清单), for a role, with its period."""

    __tablename__ = "party_responsibilities"
    __table_args__ = (Index("ix_party_responsibilities_organisation", "organisation_id"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ResponsibilityRecord(TenantScoped, Base):
    """The completion of a responsibility for one period (``2026-11``, ``2026-Q4``, ``2026`` or ``once``)."""

    __tablename__ = "party_responsibility_records"
    __table_args__ = (UniqueConstraint("responsibility_id", "period_label"),)

    responsibility_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party_responsibilities.id", ondelete="CASCADE", name="fk_party_responsibility_records_responsibility")
    )
    period_label: Mapped[str] = mapped_column(String(10))
    completed_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


# --------------------------------------------------------------------------- study and training


class StudySession(CompoundScoped, Base):
    """A study or training session (思想引领) with its materials (attachments) and hours."""

    __tablename__ = "party_study_sessions"

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("party_organisations.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(ExactDecimal(5, 1))


class StudyAttendance(CompoundScoped, Base):
    """A member's attendance of a study session, with the hours credited."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_study_attendance"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "session_id"], ["party_study_sessions.compound_id", "party_study_sessions.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["compound_id", "member_id"], ["party_members.compound_id", "party_members.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "session_id", "member_id"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    member_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    hours: Mapped[Decimal] = mapped_column(ExactDecimal(5, 1))


# --------------------------------------------------------------------------- disclosure


class Disclosure(CompoundScoped, Base):
    """An item of information disclosure (公开) for residents, with its publication period."""

    __tablename__ = "party_disclosures"

    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    publish_from: Mapped[dt.date] = mapped_column(Date)
    publish_until: Mapped[dt.date | None] = mapped_column(Date)
    """Inclusive; no end means until withdrawn."""
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DisclosureVersion(CompoundScoped, Base):
    """Every version of a disclosure as it was saved (the history residents may ask about)."""

    __tablename__ = "party_disclosure_versions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "disclosure_id"], ["party_disclosures.compound_id", "party_disclosures.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("compound_id", "disclosure_id", "version"),
    )

    disclosure_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    publish_from: Mapped[dt.date] = mapped_column(Date)
    publish_until: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


MODELS: list[type] = [
    PartyOrganisation,
    OrganisationCoverage,
    PartyMember,
    PartyMembership,
    CentralHousehold,
    CentralHouseholdLink,
    DistrictTargets,
    MeetingRequirement,
    Meeting,
    MeetingAttendee,
    Resolution,
    ActionItem,
    MeetingGap,
    Responsibility,
    ResponsibilityRecord,
    StudySession,
    StudyAttendance,
    Disclosure,
    DisclosureVersion,
]
COMPOUND_TABLES = [m.__tablename__ for m in MODELS if issubclass(m, CompoundScoped)]
