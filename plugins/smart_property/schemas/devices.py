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


GATEWAY_MAX_MESSAGES = 500
"""Messages a gateway request may carry (each up to 5,000 readings; the request body is capped by the server too)."""


class GatewayMessageIn(msgspec.Struct, forbid_unknown_fields=True):
    """One device's signed message as a gateway buffered it: exactly what the device would have sent itself."""

    device_id: Annotated[str, msgspec.Meta(max_length=64)]
    timestamp: Annotated[str, msgspec.Meta(max_length=12)] | int
    """``X-Redprop-Timestamp`` of the device (Unix seconds)."""
    signature: Annotated[str, msgspec.Meta(max_length=128)]
    """``X-Redprop-Signature``: hex HMAC-SHA256 of ``<timestamp>.<body>`` under that device's secret."""
    body: str
    """The device's telemetry batch, the exact text it signed (a JSON document carried as a string)."""


class GatewayBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """What a gateway posts: several devices' signed messages (``messages``, 1 to 500)."""

    messages: Annotated[list[GatewayMessageIn], msgspec.Meta(min_length=1, max_length=GATEWAY_MAX_MESSAGES)]


class GatewayResultOut(Output):
    """One message's fate, in the order sent: ``status`` is what the device route would have answered."""

    device_id: str
    status: int
    accepted: int
    events: int
    refused: str | None = None


class GatewayOut(Output):
    results: list[GatewayResultOut]
    accepted_messages: int
    refused_messages: int
    readings: int
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
