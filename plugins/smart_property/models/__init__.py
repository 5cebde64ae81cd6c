"""smart_property tables, one module per part: devices, telemetry, alarms, passes."""

from __future__ import annotations

from plugins.smart_property.models.alarms import Alarm, Rule
from plugins.smart_property.models.devices import Device, PassKey, TelemetrySettings
from plugins.smart_property.models.passes import PassEntry, VisitorPass
from plugins.smart_property.models.telemetry import HourlyReading, Reading, Refusal

MODELS = [Device, TelemetrySettings, PassKey, Reading, HourlyReading, Refusal, Rule, Alarm, VisitorPass, PassEntry]

__all__ = [m.__name__ for m in MODELS] + ["MODELS"]
