"""Party organisations and what they cover."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped

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
