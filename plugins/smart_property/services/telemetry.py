"""Heartbeats, roll-ups and retention: offline detection, hourly roll-ups after 7 days, raw deletion after the tenant's retention.

Each function works on one compound in the caller's transaction (jobs run
them through ``core.jobs.compounds.for_each_active_compound``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.context import RequestContext
from core.ids import uuid7
from core.pagination import Page, paginate
from core.problems import Problem
from plugins.smart_property.models import Device, HourlyReading, Reading, Refusal, Rule, TelemetrySettings
from plugins.smart_property.schemas import devices as s
from plugins.smart_property.services.alarms import DEFAULT_OFFLINE_MINUTES, Firing, apply_firings, rules_for
from tenants.models import Compound

ROLLUP_AFTER = dt.timedelta(days=7)
"""Raw readings older than this are rolled up by the hour (and kept raw until the tenant's retention)."""
DEFAULT_RETENTION_DAYS = 30
ROLLUP_DAYS_PER_RUN = 3
"""A run rolls up at most this many days, so a compound that was off for long catches up over a few runs."""


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------- heartbeats


async def compounds_with_silent_devices(session: AsyncSession) -> list[uuid.UUID]:
    """The compounds with an online device silent for at least the shortest offline time any rule of the city names
    (or the default): a superset of those where :func:`detect_offline` finds a device to mark (the job's one look-up)."""
    shortest = await session.scalar(select(func.min(Rule.offline_minutes)).where(Rule.kind == "offline", Rule.offline_minutes.is_not(None)))
    minutes = min(DEFAULT_OFFLINE_MINUTES, shortest or DEFAULT_OFFLINE_MINUTES)
    return list(
        (
            await session.scalars(
                select(Device.compound_id)
                .where(
                    Device.active.is_(True),
                    Device.status == "online",
                    Device.last_seen_at.is_not(None),
                    Device.last_seen_at <= now() - dt.timedelta(minutes=minutes),
                )
                .distinct()
            )
        ).all()
    )


async def detect_offline(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """Mark devices not heard from for their kind's offline minutes as offline and raise the offline rules' alarms."""
    moment = now()
    devices = list(
        await session.scalars(
            select(Device).where(
                Device.compound_id == compound_id, Device.active.is_(True), Device.status == "online", Device.last_seen_at.is_not(None)
            )
        )
    )
    if not devices:
        return 0
    rules = await rules_for(session, compound_id, {d.kind for d in devices})
    firings: list[Firing] = []
    gone = 0
    for device in devices:
        offline_rules = [r for r in rules.get(device.kind, []) if r.kind == "offline"]
        minutes = min((r.offline_minutes or DEFAULT_OFFLINE_MINUTES for r in offline_rules), default=DEFAULT_OFFLINE_MINUTES)
        assert device.last_seen_at is not None
        silent = moment - device.last_seen_at
        if silent < dt.timedelta(minutes=minutes):
            continue
        device.status, device.status_changed_at = "offline", moment
        gone += 1
        firings += [
            Firing(rule=r, device=device, at=moment, value=round(silent.total_seconds() / 60, 1), metric="offline")
            for r in offline_rules
            if silent >= dt.timedelta(minutes=r.offline_minutes or DEFAULT_OFFLINE_MINUTES)
        ]
    await apply_firings(session, compound_id, firings)
    return gone


# --------------------------------------------------------------------------- roll-ups and retention


async def roll_up(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """Roll raw readings older than 7 days into hourly rows, from the last rolled hour on; returns the rows written."""
    cutoff = _hour(now() - ROLLUP_AFTER)
    last = await session.scalar(select(func.max(HourlyReading.hour)).where(HourlyReading.compound_id == compound_id))
    after = select(func.min(Reading.at)).where(Reading.compound_id == compound_id)
    if last is not None:
        after = after.where(Reading.at >= last + dt.timedelta(hours=1))
    first = await session.scalar(after)  # skips a stretch without readings at once
    if first is None:
        return 0
    start = _hour(first)
    end = min(cutoff, start + dt.timedelta(days=ROLLUP_DAYS_PER_RUN))
    if start >= end:
        return 0
    buckets: dict[tuple[uuid.UUID, str, dt.datetime], list[float]] = {}
    rows = await session.execute(
        select(Reading.device_id, Reading.metric, Reading.at, Reading.value).where(
            Reading.compound_id == compound_id, Reading.at >= start, Reading.at < end
        )
    )
    for device_id, metric, at, value in rows:
        b = buckets.setdefault((device_id, metric, _hour(at)), [0, value, value, 0.0])
        b[0] += 1
        b[1], b[2], b[3] = min(b[1], value), max(b[2], value), b[3] + value
    moment = now()
    hourly = [
        {
            "compound_id": compound_id,
            "id": uuid7(),
            "device_id": device_id,
            "metric": metric,
            "hour": hour,
            "count": int(b[0]),
            "minimum": b[1],
            "maximum": b[2],
            "total": b[3],
            "created_at": moment,
            "updated_at": moment,
        }
        for (device_id, metric, hour), b in buckets.items()
    ]
    if hourly:
        await session.execute(insert(HourlyReading.__table__), hourly)
    return len(hourly)


async def retention_days(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """The operating enterprise's retention for raw readings (its setting, else the default)."""
    days = await session.scalar(
        select(TelemetrySettings.raw_retention_days)
        .join(Compound, Compound.operator_tenant_id == TelemetrySettings.tenant_id)
        .where(Compound.id == compound_id)
    )
    return days or DEFAULT_RETENTION_DAYS


async def trim_raw(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """Delete raw readings past the tenant's retention, never those not yet rolled up; refusal counters go after 90 days."""
    cutoff = now() - dt.timedelta(days=await retention_days(session, compound_id))
    rolled = await session.scalar(select(func.max(HourlyReading.hour)).where(HourlyReading.compound_id == compound_id))
    if rolled is None:
        return 0
    cutoff = min(cutoff, rolled + dt.timedelta(hours=1))
    done = await session.execute(delete(Reading).where(Reading.compound_id == compound_id, Reading.at < cutoff))
    await session.execute(delete(Refusal).where(Refusal.compound_id == compound_id, Refusal.hour < now() - dt.timedelta(days=90)))
    return int(done.rowcount or 0)


async def get_settings(session: AsyncSession, tenant_id: uuid.UUID | None) -> s.SettingsOut:
    days = None
    if tenant_id is not None:
        days = await session.scalar(select(TelemetrySettings.raw_retention_days).where(TelemetrySettings.tenant_id == tenant_id))
    return s.SettingsOut(raw_retention_days=days or DEFAULT_RETENTION_DAYS, rollup_after_days=ROLLUP_AFTER.days)


async def set_settings(ctx: RequestContext, data: s.SettingsIn) -> s.SettingsOut:
    """The enterprise sets how long raw readings are kept (hourly roll-ups stay)."""
    if ctx.tenant_id is None:
        raise Problem(403, "tenant-only", "Only a tenant sets its retention", "switch to the enterprise tenant")
    row = await ctx.session.scalar(select(TelemetrySettings).where(TelemetrySettings.tenant_id == ctx.tenant_id))
    if row is None:
        row = TelemetrySettings(tenant_id=ctx.tenant_id)
        ctx.session.add(row)
    row.raw_retention_days = data.raw_retention_days
    await ctx.session.flush()
    return s.SettingsOut(raw_retention_days=row.raw_retention_days, rollup_after_days=ROLLUP_AFTER.days)


async def series(
    session: AsyncSession, compound_id: uuid.UUID, device_id: uuid.UUID, metric: str, start: dt.datetime, end: dt.datetime
) -> s.SeriesOut:
    """A metric of a device between two moments: raw readings where kept, hourly means before (at most 2 000 points)."""
    raw = await session.execute(
        select(Reading.at, Reading.value)
        .where(
            Reading.compound_id == compound_id,
            Reading.device_id == device_id,
            Reading.metric == metric,
            Reading.at >= start,
            Reading.at < end,
        )
        .order_by(Reading.at)
        .limit(2000)
    )
    points = [s.SeriesPoint(at=at, value=value) for at, value in raw]
    if points:
        return s.SeriesOut(device_id=device_id, metric=metric, points=points, hourly=False)
    hourly = await session.execute(
        select(HourlyReading.hour, HourlyReading.total, HourlyReading.count)
        .where(
            and_(HourlyReading.compound_id == compound_id, HourlyReading.device_id == device_id, HourlyReading.metric == metric),
            HourlyReading.hour >= start,
            HourlyReading.hour < end,
        )
        .order_by(HourlyReading.hour)
        .limit(2000)
    )
    return s.SeriesOut(
        device_id=device_id, metric=metric, points=[s.SeriesPoint(at=h, value=t / c) for h, t, c in hourly if c], hourly=True
    )


async def refusal_counts(
    session: AsyncSession, compound_id: uuid.UUID, since: dt.datetime, limit: int = 50, offset: int = 0
) -> Page[s.RefusalOut]:
    """Refused messages since ``since`` by reason and transport (two statements whatever the page size)."""
    stmt = (
        select(Refusal.reason, Refusal.transport, func.sum(Refusal.count))
        .where(Refusal.compound_id == compound_id, Refusal.hour >= _hour(since))
        .group_by(Refusal.reason, Refusal.transport)
        .order_by(Refusal.reason, Refusal.transport)
    )
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[s.RefusalOut(reason=r, transport=t, count=int(c or 0)) for r, t, c in rows], total=total, limit=limit, offset=offset)
