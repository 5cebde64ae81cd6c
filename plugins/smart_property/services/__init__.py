"""Rules of smart_property (智慧物业), without HTTP, one module per part: ``devices`` (registry, secrets), ``ingest``
(signed telemetry over HTTP and MQTT), ``alarms`` (rules, de-duplicated alarms), ``telemetry`` (heartbeats, roll-ups,
retention), ``passes`` (visitor passes) and ``dashboard`` (数据大屏 figures)."""

from __future__ import annotations

import uuid

from plugins.smart_property.schemas import ModuleOverview

LABEL_ZH = "智慧物业"
LABEL_EN = "Smart property"


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="smart_property", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))
