"""Structs of the device registry, telemetry batches and the tenant's telemetry settings."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, Name, Output

DeviceKind = Literal[
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
]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Short = Annotated[str, msgspec.Meta(max_length=100)]
Metric = Annotated[str, msgspec.Meta(min_length=1, max_length=24, pattern=r"^[a-z][a-z0-9_]*$")]
EventCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class DeviceIn(Input):
    code: Code
    name: Name
    kind: DeviceKind
    building_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    point: Short = ""
    vendor: Annotated[str, msgspec.Meta(max_length=60)] = ""
    model: Annotated[str, msgspec.Meta(max_length=60)] = ""


class DevicePatch(Input):
    name: Name | None = None
    point: Short | None = None
    vendor: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    model: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    active: bool | None = None


class DeviceOut(Output):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    building_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    location: str
    point: str
    vendor: str
    model: str
    status: str
    last_seen_at: dt.datetime | None
    active: bool
    secret_version: int


class DeviceSecret(Output):
    """The device's ingestion secret, shown this once (after creation or rotation); only a sealed copy is kept."""

    device: DeviceOut
    secret: str
    topic: str
    """The MQTT topic the device publishes to."""
    http_path: str


# ------------------------------------------------------------------ telemetry batch (what a device sends)


class ReadingIn(msgspec.Struct, forbid_unknown_fields=True):
    metric: Metric
    value: float
    at: int | None = None
    """Unix seconds; the batch's moment when omitted."""


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    code: EventCode
    at: int | None = None


class TelemetryBatch(msgspec.Struct, forbid_unknown_fields=True):
    """The body a device signs: readings and event codes (an empty batch is a heartbeat)."""

    readings: Annotated[list[ReadingIn], msgspec.Meta(max_length=5000)] = []
    events: Annotated[list[EventIn], msgspec.Meta(max_length=100)] = []


class IngestOut(Output):
    accepted: int
    events: int
    alarms_opened: int


class RefusalOut(Output):
    reason: str
    transport: str
    count: int


class SettingsIn(Input):
    raw_retention_days: Annotated[int, msgspec.Meta(ge=8, le=3650)]
    """Raw readings are kept this many days (at least 8: hourly roll-ups are made after 7)."""


class SettingsOut(Output):
    raw_retention_days: int
    rollup_after_days: int


class SeriesPoint(Output):
    at: dt.datetime
    value: float


class SeriesOut(Output):
    device_id: uuid.UUID
    metric: str
    points: list[SeriesPoint]
    hourly: bool
