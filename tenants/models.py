"""Tenants, the district hierarchy, compounds and their housing, committees, plans and subscriptions."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.caches import Invalidates
from core.db import Base, CompoundScoped, ExactDecimal, ScopeRoot, TenantScoped, Timestamped, UTCDateTime, utcnow
from core.identity.phones import SealedPhone, sealed_phone
from core.ids import uuid7

TENANT_KINDS = ("platform", "enterprise", "district")
TENANT_STATUSES = ("active", "suspended")
REGION_KINDS = ("street", "community")
RESIDENT_ROLES = ("owner", "tenant", "family")


class Tenant(sealed_phone("contact_phone", indexed=False), Base, Timestamped):
    """A customer of the platform: the operator, a property enterprise or a district office; the contact phone (often
    a person's mobile) is sealed at rest (``contact_phone_cipher``, core.identity.phones)."""

    __tablename__ = "tenants"
    __invalidates__ = Invalidates(("principals", "modules"), on=frozenset({"changed", "deleted"}), columns=("status", "kind"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")


class Region(Base, Timestamped):
    """A street office (街道) or community (社区) under a district tenant."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("tenant_id", "parent_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("regions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))


class Department(TenantScoped, Base):
    """A department working with a district: 城管执法, 公安, 消防, 市场监管, 住建 …"""

    __tablename__ = "departments"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # law_enforcement, police, fire, market, housing, other


class Compound(Base, ScopeRoot, Timestamped):
    """A residential compound (小区): one current operator, one community (jurisdiction)."""

    __tablename__ = "compounds"
    __table_args__ = (Index("ix_compounds_operator", "operator_tenant_id"), Index("ix_compounds_district", "district_tenant_id"))
    __invalidates__ = Invalidates(("principals", "modules"), columns=("operator_tenant_id", "district_tenant_id"))

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    community_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("regions.id"))
    district_tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id"))
    operator_tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id"))
    total_area: Mapped[Decimal | None] = mapped_column(ExactDecimal(14, 2))


class OperatorTerm(CompoundScoped, Base):
    """One enterprise's term as a compound's operator (物业更换 keeps the history)."""

    __tablename__ = "operator_terms"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(300), default="")


class Building(CompoundScoped, Base):
    """A building (楼栋)."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("compound_id", "name"),)

    name: Mapped[str] = mapped_column(String(50))
    floors: Mapped[int | None] = mapped_column(Integer)


class Unit(CompoundScoped, Base):
    """A unit (单元) of a building."""

    __tablename__ = "units"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "building_id"], ["buildings.compound_id", "buildings.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "building_id", "name"),
    )

    building_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(50))


class Room(CompoundScoped, Base):
    """A room (房屋) with its registered exclusive area in m² (专有部分面积, the vote weight) and its building area
    (建筑面积, what most property fees are charged on)."""

    __tablename__ = "rooms"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "unit_id"], ["units.compound_id", "units.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "unit_id", "number"),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[str] = mapped_column(String(30))
    floor: Mapped[int | None] = mapped_column(Integer)
    exclusive_area: Mapped[Decimal] = mapped_column(ExactDecimal(10, 2))
    developer_held: Mapped[bool] = mapped_column(Boolean, default=False)
    """Unsold, or sold but not yet delivered: the developer's rooms count together as one head in votes (SPC
    interpretation on building ownership, art. 9). Recording the delivery (``delivered_on``) clears it."""
    building_area: Mapped[Decimal | None] = mapped_column(ExactDecimal(10, 2))
    """建筑面积 in m² (the exclusive area plus its share of the common parts), from the housing ledger."""
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    """The day the room was delivered (交付) to its buyer."""


class Household(CompoundScoped, Base):
    """The household living in a room."""

    __tablename__ = "households"
    __table_args__ = (ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),)

    room_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    moved_in_on: Mapped[dt.date | None] = mapped_column(Date)


class Resident(SealedPhone, CompoundScoped, Base):
    """A person of a household: owner (业主), tenant (租户) or family member; ID card and phone encrypted at rest."""

    __tablename__ = "residents"
    __invalidates__ = Invalidates(("principals",), columns=("user_id", "compound_id"))
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "household_id"], ["households.compound_id", "households.id"], ondelete="CASCADE"),
        Index("ix_residents_user", "user_id"),
        Index("ix_residents_id_card_index", "compound_id", "id_card_index"),
        Index("ix_residents_phone_index", "compound_id", "phone_index"),
    )

    household_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    id_card_cipher: Mapped[bytes | None] = mapped_column()
    id_card_index: Mapped[str | None] = mapped_column(String(40))
    """Blind index of the ID-card number: one owner of several rooms is recognised without decrypting."""


class OwnersCommittee(CompoundScoped, Base):
    """An owners' committee (业主委员会) term."""

    __tablename__ = "owners_committees"

    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date)
    elected_on: Mapped[dt.date | None] = mapped_column(Date)
    filing_number: Mapped[str | None] = mapped_column(String(60))
    source_vote_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The closed ``elect_committee`` vote (co_building) that elected this term, when it was filled from one."""
    expiry_flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """When the community and the district were told the term ends within 90 days (once per term)."""


class CommitteeMember(CompoundScoped, Base):
    """A member of an owners' committee with their post (主任, 副主任, 委员)."""

    __tablename__ = "committee_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "committee_id"], ["owners_committees.compound_id", "owners_committees.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),  # no SET NULL: Citus
    )

    committee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    post: Mapped[str] = mapped_column(String(20))  # chair, vice_chair, member
    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date)


class Plan(Base, Timestamped):
    """A subscription plan: a set of modules and a price per compound per month (in fen)."""

    __tablename__ = "plans"
    __invalidates__ = Invalidates(("modules",), on=frozenset({"changed", "deleted"}), columns=("modules",))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    price_fen_per_compound_month: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Subscription(CompoundScoped, Base):
    """An enterprise's subscription of one compound to a plan."""

    __tablename__ = "subscriptions"
    __invalidates__ = Invalidates(("modules",))

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plans.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, cancelled


class ModuleEnablement(CompoundScoped, Base):
    """A district's decision to enable (or withdraw) a module for a compound in its jurisdiction."""

    __tablename__ = "module_enablements"
    __invalidates__ = Invalidates(("modules",))
    __table_args__ = (UniqueConstraint("compound_id", "module"),)

    module: Mapped[str] = mapped_column(String(60))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    by_tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id"))
    by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
