"""Rules of quality (服务质量评价与改进), without HTTP, one module per part of the standard's §7:
``surveys`` (满意度测评), ``evaluation`` (catalogue, schemes, periods, scores), ``scoring`` (the arithmetic),
``field`` (inspections, rectification) and ``improvement`` (complaint analytics, plans, the closed loop)."""

from __future__ import annotations

import uuid
from typing import Any

from plugins.quality.schemas import ModuleOverview
from plugins.quality.services import field, improvement, surveys

LABEL_ZH = "服务质量评价与改进"
LABEL_EN = "Service quality evaluation and improvement"
RECORD_TYPES: list[dict[str, Any]] = list(field.RECORD_TYPES)
PROJECTED = ("co_building.request.filed", "co_building.request.completed", "co_building.request.rated")


def overview(compound_id: uuid.UUID) -> ModuleOverview:
    return ModuleOverview(module="quality", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))


def react(event: dict[str, Any]) -> Any:
    """co_building's requests feed the projection; a completed one also sends the follow-up survey."""
    if event["type"] not in PROJECTED or not event.get("compound_id"):
        return None
    compound_id = uuid.UUID(event["compound_id"])

    async def reaction(session) -> None:
        await improvement.project(session, compound_id, event)
        if event["type"] == "co_building.request.completed":
            await surveys.follow_up_completed(session, compound_id, event["payload"])

    return reaction
