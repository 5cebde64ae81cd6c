"""smart_property tables of telemetry: raw readings (kept for the tenant's retention), hourly roll-ups, refusals counted."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Float, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime

REFUSAL_REASONS = ("unknown_device", "bad_signature", "stale_timestamp", "malformed", "retired_device", "module_off")


class Reading(CompoundScoped, Base):
    """One measurement: a device, a metric, a moment and a value (inserted in batches, never one by one)."""

    __tablename__ = "smart_property_readings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "device_id"], ["smart_property_devices.compound_id", "smart_property_devices.id"], ondelete="CASCADE"
        ),
        Index("ix_smart_property_readings_series", "compound_id", "device_id", "metric", "at"),
        Index("ix_smart_property_readings_at", "compound_id", "at"),
    )

    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    metric: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)


class HourlyReading(CompoundScoped, Base):
    """An hour of one series rolled up (count, min, max, sum): what is kept once raw readings are older than 7 days."""

    __tablename__ = "smart_property_hourly"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "device_id"], ["smart_property_devices.compound_id", "smart_property_devices.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("compound_id", "device_id", "metric", "hour"),
    )

    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    metric: Mapped[str] = mapped_column(String(24))
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)


class Refusal(CompoundScoped, Base):
    """Refused messages counted per compound, hour and reason (the messages themselves are never stored)."""

    __tablename__ = "smart_property_refusals"
    __table_args__ = (UniqueConstraint("compound_id", "hour", "reason", "transport"),)

    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(20))
    transport: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer, default=0)
