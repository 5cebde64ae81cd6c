"""smart_property tables of visitor passes (访客通行码) and the entries gates report."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime
from core.identity.phones import sealed_phone


class VisitorPass(sealed_phone("visitor_phone", indexed=False), CompoundScoped, Base):
    """A pass a resident issues: who, from when until when, how many entries; the QR carries an Ed25519-signed token."""

    __tablename__ = "smart_property_passes"
    __table_args__ = (Index("ix_smart_property_passes_issuer", "compound_id", "issued_by_user_id", "valid_until"),)

    issued_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    visitor_name: Mapped[str] = mapped_column(String(50))
    # visitor_phone: sealed at rest (visitor_phone_cipher), core.identity.phones
    purpose: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    max_entries: Mapped[int] = mapped_column(Integer, default=1)
    entries_used: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PassEntry(CompoundScoped, Base):
    """A gate's report of a pass shown: admitted, or refused with the reason."""

    __tablename__ = "smart_property_pass_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "pass_id"], ["smart_property_passes.compound_id", "smart_property_passes.id"], ondelete="CASCADE"
        ),
        Index("ix_smart_property_pass_entries_pass", "compound_id", "pass_id", "at"),
    )

    pass_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    gate_device_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    result: Mapped[str] = mapped_column(String(20))
