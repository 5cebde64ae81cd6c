"""Responsibility lists and their completions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantScoped

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
