"""Evaluation indicators and dashboard widgets smart_property contributes: device availability, alarms per 100 devices,
mean time to acknowledge and to resolve; devices online and open alarms by severity on the 数据大屏."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_zone
from core.plugins.figures import zone_windows
from plugins.smart_property.models import Alarm, Device

TWO = Decimal("0.01")


async def _window(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(await compound_zone(session, compound_id))
    return (
        dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC),
        dt.datetime.combine(end, dt.time(), zone).astimezone(dt.UTC),
    )


async def device_availability(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Share of active devices online now (percent); None without devices."""
    rows = dict(
        (
            await session.execute(
                select(Device.status, func.count())
                .where(Device.compound_id == compound_id, Device.active.is_(True))
                .group_by(Device.status)
            )
        ).all()
    )
    total = sum(rows.values())
    if not total:
        return None
    return (Decimal(rows.get("online", 0)) * 100 / total).quantize(TWO, ROUND_HALF_UP)


async def alarms_per_100_devices(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Alarms opened in the period per 100 active devices."""
    devices = await session.scalar(
        select(func.count()).select_from(Device).where(Device.compound_id == compound_id, Device.active.is_(True))
    )
    if not devices:
        return None
    low, high = await _window(session, compound_id, start, end)
    alarms = await session.scalar(
        select(func.count()).select_from(Alarm).where(Alarm.compound_id == compound_id, Alarm.first_at >= low, Alarm.first_at < high)
    )
    return (Decimal(alarms or 0) * 100 / devices).quantize(TWO, ROUND_HALF_UP)


async def _mean_hours(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date, column) -> Decimal | None:
    low, high = await _window(session, compound_id, start, end)
    rows = (
        await session.execute(
            select(Alarm.first_at, column).where(
                Alarm.compound_id == compound_id, Alarm.first_at >= low, Alarm.first_at < high, column.is_not(None)
            )
        )
    ).all()
    if not rows:
        return None
    seconds = sum(Decimal(int((done - opened).total_seconds())) for opened, done in rows)
    return (seconds / 3600 / len(rows)).quantize(TWO, ROUND_HALF_UP)


async def mean_time_to_acknowledge(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    return await _mean_hours(session, compound_id, start, end, Alarm.acknowledged_at)


async def mean_time_to_resolve(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    return await _mean_hours(session, compound_id, start, end, Alarm.resolved_at)


async def _devices_many(session: AsyncSession, compound_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    rows = (
        await session.execute(
            select(Device.compound_id, Device.status, func.count())
            .where(Device.active.is_(True))
            .execution_options(within=compound_ids)
            .group_by(Device.compound_id, Device.status)
        )
    ).all()
    found: dict[uuid.UUID, dict[str, int]] = {}
    for compound_id, status, n in rows:
        found.setdefault(compound_id, {})[status] = n
    return found


async def device_availability_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    """``device_availability`` of each compound in one GROUP BY."""
    out = {}
    for c, rows in (await _devices_many(session, compound_ids)).items():
        total = sum(rows.values())
        if total:
            out[c] = (Decimal(rows.get("online", 0)) * 100 / total).quantize(TWO, ROUND_HALF_UP)
    return out


async def alarms_per_100_devices_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    """``alarms_per_100_devices`` of each compound: one GROUP BY for devices, one per time zone for alarms."""
    devices = {c: sum(rows.values()) for c, rows in (await _devices_many(session, compound_ids)).items()}
    devices = {c: n for c, n in devices.items() if n}
    alarms: dict[uuid.UUID, int] = {}
    for low, high, ids in await zone_windows(session, list(devices), start, end):
        alarms.update(
            (
                await session.execute(
                    select(Alarm.compound_id, func.count())
                    .where(Alarm.compound_id.in_(ids), Alarm.first_at >= low, Alarm.first_at < high)
                    .group_by(Alarm.compound_id)
                )
            ).all()
        )
    return {c: (Decimal(alarms.get(c) or 0) * 100 / n).quantize(TWO, ROUND_HALF_UP) for c, n in devices.items()}


def _mean_hours_many(column):
    async def compute_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
        found: dict[uuid.UUID, list] = {}
        for low, high, ids in await zone_windows(session, compound_ids, start, end):
            stmt = select(Alarm.compound_id, Alarm.first_at, column).where(
                Alarm.compound_id.in_(ids), Alarm.first_at >= low, Alarm.first_at < high, column.is_not(None)
            )
            for compound_id, opened, done in (await session.execute(stmt)).all():
                found.setdefault(compound_id, []).append((opened, done))
        return {
            c: (sum(Decimal(int((done - opened).total_seconds())) for opened, done in rows) / 3600 / len(rows)).quantize(TWO, ROUND_HALF_UP)
            for c, rows in found.items()
        }

    return compute_many


INDICATORS: list[dict] = [
    {
        "code": "smart_property.device_availability",
        "label_zh": "设备在线率",
        "label_en": "Device availability",
        "unit": "%",
        "target": Decimal("95"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "compute": device_availability,
        "compute_many": device_availability_many,
    },
    {
        "code": "smart_property.alarms_per_100_devices",
        "label_zh": "每百台设备告警数",
        "label_en": "Alarms per 100 devices",
        "unit": "count",
        "target": Decimal("10"),
        "weight": Decimal("3"),
        "higher_is_better": False,
        "compute": alarms_per_100_devices,
        "compute_many": alarms_per_100_devices_many,
    },
    {
        "code": "smart_property.mean_time_to_acknowledge",
        "label_zh": "告警平均确认时长",
        "label_en": "Mean time to acknowledge",
        "unit": "h",
        "target": Decimal("0.25"),
        "weight": Decimal("3"),
        "higher_is_better": False,
        "compute": mean_time_to_acknowledge,
        "compute_many": _mean_hours_many(Alarm.acknowledged_at),
    },
    {
        "code": "smart_property.mean_time_to_resolve",
        "label_zh": "告警平均处置时长",
        "label_en": "Mean time to resolve",
        "unit": "h",
        "target": Decimal("4"),
        "weight": Decimal("4"),
        "higher_is_better": False,
        "compute": mean_time_to_resolve,
        "compute_many": _mean_hours_many(Alarm.resolved_at),
    },
]


async def devices_online(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    rows = dict(
        (
            await session.execute(
                select(Device.status, func.count())
                .where(Device.active.is_(True))
                .execution_options(within=compound_ids)
                .group_by(Device.status)
            )
        ).all()
    )
    return {"series": [["在线", rows.get("online", 0)], ["离线", rows.get("offline", 0)], ["未知", rows.get("unknown", 0)]], "unit": "台"}


async def open_alarms(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    rows = dict(
        (
            await session.execute(
                select(Alarm.severity, func.count())
                .where(Alarm.state.in_(("open", "acknowledged")))
                .execution_options(within=compound_ids)
                .group_by(Alarm.severity)
            )
        ).all()
    )
    return {"series": [["紧急", rows.get("critical", 0)], ["警告", rows.get("warning", 0)], ["提示", rows.get("info", 0)]], "unit": "条"}


WIDGETS: list[dict] = [
    {
        "code": f"smart_property.{fn.__name__}" + ("" if scope == "compound" else "_district"),
        "label_zh": zh,
        "label_en": en,
        "scope": scope,
        "kind": "bars",
        "compute": fn,
    }
    for fn, zh, en in ((devices_online, "设备在线", "Devices online"), (open_alarms, "未处置告警", "Open alarms by severity"))
    for scope in ("compound", "district")
]
