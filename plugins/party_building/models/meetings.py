"""Meetings, attendees, resolutions, action items and missed-meeting periods."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime

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
