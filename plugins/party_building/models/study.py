"""Study sessions and attendance."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal

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
