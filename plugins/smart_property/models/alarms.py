"""smart_property tables of rules (阈值、离线、事件码) and alarms (告警)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Float, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime

RULE_KINDS = ("threshold", "offline", "event")
OPERATORS = (">", ">=", "<", "<=")
SEVERITIES = ("info", "warning", "critical")
ACTIONS = ("notify", "work_order", "coordination_case")
ALARM_STATES = ("open", "acknowledged", "resolved")


class Rule(CompoundScoped, Base):
    """When to raise an alarm for a kind of device: a metric past a threshold, silence for N minutes, or an event code."""

    __tablename__ = "smart_property_rules"
    __table_args__ = (Index("ix_smart_property_rules_kind", "compound_id", "device_kind", "active"),)

    name: Mapped[str] = mapped_column(String(100))
    device_kind: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    metric: Mapped[str | None] = mapped_column(String(24))
    operator: Mapped[str | None] = mapped_column(String(2))
    threshold: Mapped[float | None] = mapped_column(Float)
    offline_minutes: Mapped[int | None] = mapped_column(Integer)
    event_code: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="warning")
    action: Mapped[str] = mapped_column(String(20), default="notify")
    category: Mapped[str] = mapped_column(String(40), default="")
    """What the receiving plugin files it under: a work-order category (``elevator``) or a case category (``fire_lane_blocked``)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Alarm(CompoundScoped, Base):
    """One condition of one device under one rule: opened once, updated while it lasts, acknowledged, resolved."""

    __tablename__ = "smart_property_alarms"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "rule_id"], ["smart_property_rules.compound_id", "smart_property_rules.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["compound_id", "device_id"], ["smart_property_devices.compound_id", "smart_property_devices.id"], ondelete="CASCADE"
        ),
        # at most one unresolved alarm per rule and device: a rule that keeps firing updates it (de-duplication)
        Index(
            "ux_smart_property_alarms_open",
            "compound_id",
            "rule_id",
            "device_id",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
        Index("ix_smart_property_alarms_state", "compound_id", "state", "severity", "last_at"),
    )

    rule_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    severity: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(15), default="open")
    metric: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, default="")
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """The condition went away (a normal reading, the device heard again); staff still resolve it."""
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(Text, default="")
