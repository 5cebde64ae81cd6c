"""Structs of rules and alarms."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, Name, Output, Text
from plugins.smart_property.schemas.devices import DeviceKind, EventCode, Metric

RuleKind = Literal["threshold", "offline", "event"]
Operator = Literal[">", ">=", "<", "<="]
Severity = Literal["info", "warning", "critical"]
Action = Literal["notify", "work_order", "coordination_case"]
Category = Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[a-z0-9_]*$")]


class RuleIn(Input):
    name: Name
    device_kind: DeviceKind
    kind: RuleKind
    metric: Metric | None = None
    operator: Operator | None = None
    threshold: float | None = None
    offline_minutes: Annotated[int, msgspec.Meta(ge=1, le=10080)] | None = None
    event_code: EventCode | None = None
    severity: Severity = "warning"
    action: Action = "notify"
    category: Category = ""
    active: bool = True


class RuleOut(Output):
    id: uuid.UUID
    name: str
    device_kind: str
    kind: str
    metric: str | None
    operator: str | None
    threshold: float | None
    offline_minutes: int | None
    event_code: str | None
    severity: str
    action: str
    category: str
    active: bool


class AlarmOut(Output):
    id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    device_id: uuid.UUID
    device_code: str
    device_name: str
    severity: str
    state: str
    action: str
    metric: str | None
    value: float | None
    description: str
    first_at: dt.datetime
    last_at: dt.datetime
    occurrences: int
    cleared_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution: str
    allowed: list[str]


class AlarmMoveIn(Input):
    action: Literal["acknowledge", "resolve"]
    note: Text = ""
