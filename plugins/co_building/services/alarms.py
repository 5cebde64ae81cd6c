"""Device alarms that need a repair: smart_property's ``smart_property.alarm.raised`` with action ``work_order`` opens a
staff-filed public-area work order (an elevator fault, say), once per alarm whatever the deliveries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.ids import uuid7
from core.notifications.services import notify
from plugins.co_building.models.requests import CATEGORIES, RequestEvent, ServiceRequest
from plugins.co_building.services.requests import _due, _log, _number, console_link, operator_zone, told

FROM_ALARM = "from_alarm"
"""The timeline action that records which alarm opened the order (and makes the reaction idempotent)."""
LABEL = "智慧物业告警"


async def open_work_order(session: AsyncSession, compound_id: uuid.UUID, payload: dict[str, Any]) -> ServiceRequest | None:
    """The work order for an alarm: public area, urgent when critical, category from the rule (``facilities`` if unknown)."""
    alarm_id = str(payload.get("alarm_id") or "")
    if not alarm_id:
        return None
    seen = await session.scalar(
        select(RequestEvent.request_id).where(
            RequestEvent.compound_id == compound_id, RequestEvent.action == FROM_ALARM, RequestEvent.note == alarm_id
        )
    )
    if seen is not None:
        return None
    category = payload.get("category") if payload.get("category") in CATEGORIES else "facilities"
    priority = "urgent" if payload.get("severity") == "critical" else "normal"
    moment = now()
    tenant_id, zone = await operator_zone(session, compound_id)
    response_due, completion_due, basis = await _due(session, tenant_id, zone, category, priority, moment)
    description = str(payload.get("description") or "")[:2000]
    request = ServiceRequest(
        id=uuid7(),
        compound_id=compound_id,
        number=await _number(session, compound_id, moment, zone),
        kind="repair",
        category=category,
        priority=priority,
        location="public",
        channel="app",
        title=f"设备告警：{payload.get('rule') or category}"[:200],
        description=description,
        contact_name=LABEL,
        state="submitted",
        response_due_at=response_due,
        completion_due_at=completion_due,
        limit_basis=basis,
        rating_tags=[],
    )
    request.created_at = moment
    session.add(request)
    await session.flush()
    _log(session, request, "file", None, to_state="submitted", note="smart_property", label=LABEL)
    _log(session, request, FROM_ALARM, None, note=alarm_id, label=LABEL)
    managers = await told(session, "escalate", compound_id, tenant_id)
    if managers:
        await notify(
            session,
            managers,
            "co_building.request.filed",
            f"设备告警生成工单 {request.number}",
            description[:200],
            link=console_link(request),
            compound_id=compound_id,
        )
    return request


def react(event: dict[str, Any]):
    """An alarm whose rule asks for a work order (``action == "work_order"``) opens one."""
    if event.get("type") != "smart_property.alarm.raised" or not event.get("compound_id"):
        return None
    payload = event.get("payload") or {}
    if payload.get("action") != "work_order":
        return None
    compound_id = uuid.UUID(str(event["compound_id"]))

    async def open_order(session: AsyncSession) -> None:
        await open_work_order(session, compound_id, payload)

    return open_order
