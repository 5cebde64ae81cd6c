"""Party members, their memberships and posts, and central households."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped
from core.identity.phones import sealed_phone

# --------------------------------------------------------------------------- members


class PartyMember(sealed_phone("phone", indexed=False), CompoundScoped, Base):
    """A party member (党员) registered in a compound: the register only party roles and the district read."""

    __audit_private__ = True  # party membership is sensitive personal data (PIPL art. 28): the audit log keeps no values
    __tablename__ = "party_members"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),
        Index("ix_party_members_user", "user_id"),
    )

    name: Mapped[str] = mapped_column(String(100))
    # phone: sealed at rest (phone_cipher), core.identity.phones
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
