"""Cases of "property + law enforcement + service" (物业+执法+服务), their timeline, the district's routing table and
time limits, and whistles (吹哨) with each summoned department's report-in (报到)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped, UTCDateTime, utcnow

CATEGORIES = (
    "illegal_building",
    "green_space_enclosure",
    "fire_lane_blocked",
    "group_renting",
    "noise",
    "dangerous_pets",
    "safety_hazard",
    "neighbour_dispute",
    "other",
)
"""私搭乱建, 圈占绿地, 占用消防通道, 群租, 噪音, 危险犬只, 安全隐患, 邻里纠纷, 其他."""
PRIORITIES = ("normal", "urgent")
LOCATIONS = ("compound", "building", "room", "point")
SOURCES = ("staff", "grid", "community", "co_building.request", "smart_property.alarm")
LEVELS = ("none", "community", "street", "district")
"""Escalation levels by index: a breach reaches the community first, then the street, then the district."""


class Case(CompoundScoped, Base):
    """A case (案件) about a compound: reported, routed to a department, worked, verified by the community, closed."""

    __tablename__ = "coordination_cases"
    __table_args__ = (
        # no ON DELETE SET NULL between compound tables: Citus refuses it (core.citus.rule_violations)
        ForeignKeyConstraint(["compound_id", "building_id"], ["buildings.compound_id", "buildings.id"]),
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"]),
        UniqueConstraint("compound_id", "number", name="uq_coordination_cases_number"),
        UniqueConstraint("compound_id", "source", "source_id", name="uq_coordination_cases_source"),
        Index("ix_coordination_cases_state", "compound_id", "state", "created_at"),
        Index("ix_coordination_cases_department", "department_id", "state"),
    )

    number: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(40), default="staff")
    source_id: Mapped[str | None] = mapped_column(String(60))
    """The id of the record elsewhere the case came from (a request, an alarm); None for cases reported here."""
    category: Mapped[str] = mapped_column(String(30))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(10), default="compound")
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    room_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    point: Mapped[str] = mapped_column(String(200), default="")
    """A free place description (东门外绿化带) where the case is at no building."""
    district_tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id"))
    community_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("regions.id", ondelete="SET NULL"))
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id", ondelete="SET NULL"))
    """The department the case is dispatched to; None while the community holds it."""
    grid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The grid of the case's building, if any (its worker hears of the case first); no foreign key: a grid may go."""
    reporter_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    reporter_label: Mapped[str] = mapped_column(String(100), default="")
    resident_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    """The resident whose request became this case (they follow it on their request)."""
    state: Mapped[str] = mapped_column(String(20), default="reported")
    reason: Mapped[str] = mapped_column(String(500), default="")
    """Why it was last returned or rejected."""
    response_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    """Index into ``LEVELS``: 0 none, 1 community, 2 street, 3 district."""
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CaseEvent(CompoundScoped, Base):
    """One step of a case's timeline: a move, a note, a breach, an escalation, a whistle or a report-in."""

    __tablename__ = "coordination_case_events"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "case_id"], ["coordination_cases.compound_id", "coordination_cases.id"], ondelete="CASCADE"),
        Index("ix_coordination_case_events_case", "compound_id", "case_id", "at"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Route(TenantScoped, Base):
    """A line of a district's routing table: which department takes a category of case."""

    __tablename__ = "coordination_routes"
    __table_args__ = (UniqueConstraint("tenant_id", "category"),)

    category: Mapped[str] = mapped_column(String(30))
    department_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("departments.id", ondelete="CASCADE"))


class TimeLimit(TenantScoped, Base):
    """A district's limits for a category (``*`` for the rest) and priority: respond in working hours, resolve in working days."""

    __tablename__ = "coordination_time_limits"
    __table_args__ = (UniqueConstraint("tenant_id", "category", "priority"),)

    category: Mapped[str] = mapped_column(String(30))
    priority: Mapped[str] = mapped_column(String(10))
    response_hours: Mapped[int] = mapped_column(Integer)
    resolution_days: Mapped[int] = mapped_column(Integer)


class WhistleCall(CompoundScoped, Base):
    """A department summoned by a whistle (吹哨) on a case, and its report-in (报到) — late ones count against it."""

    __tablename__ = "coordination_whistle_calls"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "case_id"], ["coordination_cases.compound_id", "coordination_cases.id"], ondelete="CASCADE"),
        Index("ix_coordination_whistle_calls_department", "department_id", "reported_at"),
        Index("ix_coordination_whistle_calls_case", "compound_id", "case_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    whistle_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """Calls of one whistle share this id."""
    department_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("departments.id", ondelete="CASCADE"))
    called_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    called_by_label: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    called_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reported_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    report_note: Mapped[str] = mapped_column(Text, default="")
    missed: Mapped[bool] = mapped_column(Boolean, default=False)
    """The report-in limit passed before the department reported in (flagged once, counted against it)."""


MODELS: list[type] = [Case, CaseEvent, Route, TimeLimit, WhistleCall]
