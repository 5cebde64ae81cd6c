"""smart_property tables of the device registry (设备台账) and the tenant's telemetry settings."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKeyConstraint, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped, UTCDateTime

DEVICE_KINDS = (
    "access_gate",
    "camera",
    "elevator",
    "fire_panel",
    "smoke_detector",
    "water_meter",
    "power_meter",
    "tank_level",
    "parking_barrier",
    "ev_charger",
    "other",
)
STATUSES = ("unknown", "online", "offline")


class Device(CompoundScoped, Base):
    """A device of the compound: where it is, who made it, its ingestion secret (encrypted at rest) and whether it is heard from."""

    __tablename__ = "smart_property_devices"
    __table_args__ = (
        # no ON DELETE SET NULL between compound tables: Citus refuses it (core.citus.rule_violations)
        ForeignKeyConstraint(["compound_id", "building_id"], ["buildings.compound_id", "buildings.id"]),
        ForeignKeyConstraint(["compound_id", "unit_id"], ["units.compound_id", "units.id"]),
        UniqueConstraint("compound_id", "code"),
        Index("ix_smart_property_devices_kind", "compound_id", "kind", "status"),
    )

    code: Mapped[str] = mapped_column(String(40))
    """The compound's own label for the device (printed on it): ``EL-1-1``."""
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    point: Mapped[str] = mapped_column(String(100), default="")
    """Where exactly (east gate, basement B1, roof tank)."""
    vendor: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(60), default="")
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """The HMAC secret, AES-GCM sealed with the platform's data key: shown once, kept only for verification."""
    secret_version: Mapped[int] = mapped_column(Integer, default=1)
    secret_rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default="unknown")
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    """Retired devices stay for history and are refused at ingestion."""


class TelemetrySettings(TenantScoped, Base):
    """How long an enterprise keeps raw readings (hourly roll-ups are kept)."""

    __tablename__ = "smart_property_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    raw_retention_days: Mapped[int] = mapped_column(Integer, default=30)


class PassKey(CompoundScoped, Base):
    """The compound's Ed25519 key for visitor passes: the public half goes to every gate, the private half is sealed."""

    __tablename__ = "smart_property_pass_keys"
    __table_args__ = (UniqueConstraint("compound_id"),)

    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
