"""co_building tables: service requests, their work-order timeline, "me too" and the tenant's time limits."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped, UTCDateTime, utcnow
from core.identity.phones import sealed_phone

KINDS = ("repair", "complaint", "suggestion", "enquiry", "praise")
CATEGORIES = (
    "plumbing",
    "electrical",
    "elevator",
    "doors_windows",
    "sanitation",
    "greening",
    "security",
    "parking",
    "noise",
    "facilities",
    "other",
)
PRIORITIES = ("normal", "urgent")
CHANNELS = ("portal", "phone", "visit", "app")
LOCATIONS = ("room", "public")


class ServiceRequest(sealed_phone("contact_phone", indexed=False), CompoundScoped, Base):
    """A resident's request (诉求): repair, complaint, suggestion, enquiry or praise, and its work order."""

    __tablename__ = "co_building_requests"
    __table_args__ = (
        # no ON DELETE SET NULL between compound tables: Citus refuses it (core.citus.rule_violations)
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"]),
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),
        UniqueConstraint("compound_id", "number"),
        Index("ix_co_building_requests_state", "compound_id", "state", "created_at"),
        Index("ix_co_building_requests_filer", "filed_for_user_id"),
    )

    number: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    location: Mapped[str] = mapped_column(String(10), default="room")
    channel: Mapped[str] = mapped_column(String(10), default="portal")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    room_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    filed_for_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    """The resident's account the request belongs to (they follow and rate it)."""
    filed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    """Who typed it in: the resident, or staff taking a phone call."""
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    # contact_phone: sealed at rest (contact_phone_cipher), core.identity.phones
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    assignee_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    response_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    completion_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    completion_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_basis: Mapped[str] = mapped_column(String(15), default="working_hours")
    """How the limits were counted when the request was filed: ``clock`` (24×7), ``working_hours`` or ``working_days``."""
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    """0 none; 1 the compound's manager was told of a breach; 2 the enterprise's administrators too."""
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    return_visit_due: Mapped[bool] = mapped_column(Boolean, default=False)
    """A low rating asks the manager for a return visit (回访) before the order is worked again."""
    me_too_count: Mapped[int] = mapped_column(Integer, default=0)
    beyond_powers: Mapped[bool] = mapped_column(Boolean, default=False)
    """Outside the property company's powers: handed to coordination as a case."""
    handover_reason: Mapped[str] = mapped_column(String(300), default="")
    case_status: Mapped[str | None] = mapped_column(String(30))
    case_reference: Mapped[str | None] = mapped_column(String(60))


class RequestEvent(CompoundScoped, Base):
    """One step of a request's timeline: a transition, a note, a hand-off or a case update, attributed and timestamped."""

    __tablename__ = "co_building_request_events"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "request_id"], ["co_building_requests.compound_id", "co_building_requests.id"], ondelete="CASCADE"
        ),
        Index("ix_co_building_request_events_request", "compound_id", "request_id", "at"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeToo(CompoundScoped, Base):
    """A resident joining an open public-area request ("我也遇到") instead of filing a duplicate."""

    __tablename__ = "co_building_me_too"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "request_id"], ["co_building_requests.compound_id", "co_building_requests.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("compound_id", "request_id", "user_id"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))


class TimeLimit(TenantScoped, Base):
    """A property enterprise's response and completion limits (接诉即办) for one category and priority, in working hours."""

    __tablename__ = "co_building_time_limits"
    __table_args__ = (UniqueConstraint("tenant_id", "category", "priority"),)

    category: Mapped[str] = mapped_column(String(30))
    """A request category, or ``*`` for every category without its own line."""
    priority: Mapped[str] = mapped_column(String(10))
    response_hours: Mapped[int] = mapped_column(Integer)
    completion_hours: Mapped[int] = mapped_column(Integer)
    """Both in the basis's unit: hours for ``clock`` and ``working_hours``, days for ``working_days``."""
    basis: Mapped[str] = mapped_column(String(15), default="working_hours")
    """``clock`` (hours round the clock, 24×7), ``working_hours`` (office hours of working days) or ``working_days``."""


MODELS: list[type] = [ServiceRequest, RequestEvent, MeToo, TimeLimit]
