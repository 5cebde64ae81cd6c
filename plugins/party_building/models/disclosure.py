"""Disclosures and their versions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime

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
