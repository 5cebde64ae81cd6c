"""Pre-review (前置把关, standard §4): the community party organisation's opinion on a matter before it becomes an
owners' vote or takes effect."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime, utcnow


class PreReview(CompoundScoped, Base):
    """One request for review of one subject (a draft vote, a fee change …) and, once recorded, the opinion. A subject
    asked again after a rejection gets a new row; the latest (by ``requested_at``) is the one that counts."""

    __tablename__ = "party_pre_reviews"
    __table_args__ = (
        Index("ix_party_pre_reviews_subject", "compound_id", "matter", "subject_id", "requested_at"),
        Index("ix_party_pre_reviews_state", "compound_id", "state"),
    )

    matter: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    subject_title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300), default="")
    """Where the matter is shown in the console (given by the plugin that asked)."""
    state: Mapped[str] = mapped_column(String(30), default="requested")
    """``requested``, then the opinion: ``approve``, ``approve_with_conditions`` or ``reject``."""
    requested_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    requested_by_name: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opinion_text: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    reviewer_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_name: Mapped[str] = mapped_column(String(100), default="")
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
