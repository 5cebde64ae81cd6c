"""Tables of core.files: one row per stored attachment; the bytes live in the storage under ``storage_key``."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped


class Attachment(CompoundScoped, Base):
    """A photo or document attached to a record of a compound (a room, a work order …)."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_record", "compound_id", "record_type", "record_id"),)

    record_type: Mapped[str] = mapped_column(String(80))
    """A registered record type, e.g. ``tenants.room`` or ``co_building.work_order``."""
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    filename: Mapped[str] = mapped_column(String(255))
    """The client's name, sanitised, with an extension that matches the content; never used as a path."""
    content_type: Mapped[str] = mapped_column(String(100))
    """Sniffed from the bytes, not taken from the client."""
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


MODELS: list[type] = [Attachment]
