"""The ingestion hot path's per-process caches (热路径缓存) and the one statement that checks them.

A device that posts every few seconds should cost the database little more than its readings. The **module state**
per compound is the process's shared one (:func:`core.context.compound_module_states`, the request context's rule):
a switch written in this process clears it at commit, one written elsewhere at the next policy poll, and telemetry
trusts it at most :data:`MODULE_TTL` (5 s by the core clock) even in a process that runs no poller (the MQTT consumer
of ``redprop worker --mqtt``): a module switched on or off — by the district or by a subscription — takes effect for
telemetry within 5 s. Each process also keeps, per database (engine — a test's or a bench's next database starts empty):

- **devices**: kind, name, code, building, secret version and the unsealed secret. A cached device is trusted only
  through :func:`heard`, the statement that records the devices heard (``last_seen_at``) where the row still has the
  cached secret version, is active and online, and returns the rows it matched. A device rotated, retired or marked
  offline anywhere (another process, another server) fails that check and its messages are judged again against the
  row read afresh, in the same transaction, before anything is stored: a rotation takes effect at the next message.
  Name, code and building (only used to describe an alarm) are kept at most :data:`DEVICE_TTL`.
- **rules** per compound with their version (how many rules, the latest ``updated_at``), which the same statement
  returns: a rule added, changed or switched off anywhere takes effect at the next message.
"""

from __future__ import annotations

import datetime as dt
import uuid
import weakref
from dataclasses import dataclass, field

from sqlalchemy import Integer, Uuid, bindparam, case, func, literal_column, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import NO_COMPOUND
from core.clock import now
from core.context import compound_module_states
from core.db import UTCDateTime
from plugins.smart_property.models import Alarm, Device, Rule

MODULE = "smart_property"
MODULE_TTL = dt.timedelta(seconds=5)
"""How long telemetry trusts a compound's kept module state: switching the module takes effect within this, in every
process (those running the policy poller see it sooner)."""
DEVICE_TTL = dt.timedelta(seconds=60)
"""How long a cached device's descriptive fields (name, code, building) are used; secret, retirement and status are
checked at every message."""
MAX_DEVICES = 50_000
"""More cached devices than this and the device cache starts afresh (it refills at one read per device)."""
UNRESOLVED = ("open", "acknowledged")


@dataclass(frozen=True, slots=True)
class DeviceSnap:
    """What ingestion needs of a device, detached from any session (what alarms name and announce, the secret)."""

    id: uuid.UUID
    compound_id: uuid.UUID
    code: str
    name: str
    kind: str
    building_id: uuid.UUID | None
    secret_version: int
    secret: bytes
    loaded_at: dt.datetime
    active: bool = True
    status: str = "online"


@dataclass(frozen=True, slots=True)
class RuleSnap:
    """An active rule as ingestion evaluates it (the fields :mod:`services.alarms` reads)."""

    id: uuid.UUID
    compound_id: uuid.UUID
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


RulesVersion = tuple[int, dt.datetime | None]


@dataclass
class Cache:
    devices: dict[uuid.UUID, DeviceSnap] = field(default_factory=dict)
    rules: dict[uuid.UUID, tuple[RulesVersion, dict[str, list[RuleSnap]]]] = field(default_factory=dict)


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cache_of(session: AsyncSession) -> Cache:
    """This process's cache for the session's database."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES[engine] = Cache()
    return cache


def clear() -> None:
    """Forget everything (tests)."""
    _CACHES.clear()


async def module_on(session: AsyncSession, compound_id: uuid.UUID) -> tuple[bool, str]:
    """The module's state for the compound (on, and why), from the process's module cache kept at most :data:`MODULE_TTL`."""
    states = await compound_module_states(session, compound_id, (MODULE,), max_age=MODULE_TTL)
    return states.get(MODULE, (False, NO_COMPOUND))


def cached_device(cache: Cache, device_id: uuid.UUID) -> DeviceSnap | None:
    snap = cache.devices.get(device_id)
    if snap is None:
        return None
    if not snap.loaded_at <= now() < snap.loaded_at + DEVICE_TTL:
        del cache.devices[device_id]
        return None
    return snap


def keep_device(cache: Cache, device: Device, secret: bytes) -> None:
    """Cache a device that was just read afresh, accepted and marked online in this transaction."""
    if len(cache.devices) >= MAX_DEVICES:
        cache.devices.clear()
    cache.devices[device.id] = DeviceSnap(
        id=device.id,
        compound_id=device.compound_id,
        code=device.code,
        name=device.name,
        kind=device.kind,
        building_id=device.building_id,
        secret_version=device.secret_version,
        secret=secret,
        loaded_at=now(),
    )


def forget_device(device_id: uuid.UUID) -> None:
    """Drop a device from every cache of this process (its secret rotated, it was changed or retired here)."""
    for cache in list(_CACHES.values()):
        cache.devices.pop(device_id, None)


_DEVICES, _ALARMS, _RULES = Device.__table__, Alarm.__table__, Rule.__table__


async def heard(
    session: AsyncSession, compound_id: uuid.UUID, stamps: dict[uuid.UUID, tuple[int, dt.datetime]]
) -> tuple[dict[uuid.UUID, int], RulesVersion]:
    """Record cached devices as heard (``last_seen_at`` moves forward only) where the row still has the cached secret
    version and is active and online — one statement for all of them — and return the devices it matched with their
    unresolved alarms, and the compound's rules version.

    ``stamps``: per device, the cached secret version and the latest moment of its accepted messages."""
    t = _DEVICES
    if len(stamps) == 1:
        ((device_id, (version, sent)),) = stamps.items()
        sent_at = bindparam("sent", sent, type_=t.c.last_seen_at.type)
        which = [t.c.id == device_id, t.c.secret_version == version]
    else:
        sent_at = case({k: bindparam(None, v[1], type_=t.c.last_seen_at.type) for k, v in stamps.items()}, value=t.c.id)
        versions = case({k: v[0] for k, v in stamps.items()}, value=t.c.id)
        which = [t.c.id.in_(list(stamps)), t.c.secret_version == versions]
    # RETURNING names the updated table's columns unqualified, which inside the subquery would be the alarm's own
    open_alarms = (
        select(func.count())
        .select_from(_ALARMS)
        .where(
            _ALARMS.c.compound_id == compound_id,
            _ALARMS.c.device_id == literal_column(f"{t.name}.id"),
            _ALARMS.c.state.in_(UNRESOLVED),
        )
        .scalar_subquery()
    )
    rules_count = select(func.count()).select_from(_RULES).where(_RULES.c.compound_id == compound_id).scalar_subquery()
    rules_at = select(func.max(_RULES.c.updated_at)).where(_RULES.c.compound_id == compound_id).scalar_subquery()
    stmt = (
        update(t)
        .where(t.c.compound_id == compound_id, *which, t.c.active.is_(True), t.c.status == "online")
        .values(
            last_seen_at=case((t.c.last_seen_at.is_(None) | (t.c.last_seen_at < sent_at), sent_at), else_=t.c.last_seen_at),
            updated_at=t.c.updated_at,  # a heartbeat is not a change of the device
        )
        .returning(t.c.id, open_alarms, rules_count, rules_at)
    )
    matched: dict[uuid.UUID, int] = {}
    version: RulesVersion = (-1, None)
    for device_id, alarms, count, latest in (await session.execute(stmt)).all():
        matched[device_id] = alarms
        version = (count, latest)
    return matched, version


async def rules_of(session: AsyncSession, cache: Cache, compound_id: uuid.UUID, version: RulesVersion | None) -> dict[str, list[RuleSnap]]:
    """The compound's active rules by device kind: from the cache when ``version`` (returned by :func:`heard`) is the
    cached one, else read afresh (one query) and cached with the version they make."""
    kept = cache.rules.get(compound_id)
    if kept is not None and version is not None and kept[0] == version:
        return kept[1]
    rows = (await session.execute(select(Rule.__table__).where(Rule.__table__.c.compound_id == compound_id))).all()
    by_kind: dict[str, list[RuleSnap]] = {}
    for r in rows:
        if r.active:
            by_kind.setdefault(r.device_kind, []).append(
                RuleSnap(
                    id=r.id,
                    compound_id=r.compound_id,
                    name=r.name,
                    device_kind=r.device_kind,
                    kind=r.kind,
                    metric=r.metric,
                    operator=r.operator,
                    threshold=r.threshold,
                    offline_minutes=r.offline_minutes,
                    event_code=r.event_code,
                    severity=r.severity,
                    action=r.action,
                    category=r.category,
                )
            )
    cache.rules[compound_id] = ((len(rows), max((r.updated_at for r in rows), default=None)), by_kind)
    return by_kind


_HEARD_AND_STORED = text(
    """
WITH heard AS (
    UPDATE smart_property_devices d
    SET last_seen_at = CASE WHEN d.last_seen_at IS NULL OR d.last_seen_at < s.sent THEN s.sent ELSE d.last_seen_at END
    FROM unnest(CAST(:d_ids AS uuid[]), CAST(:d_versions AS integer[]), CAST(:d_sent AS timestamptz[])) AS s(id, version, sent)
    WHERE d.compound_id = CAST(:compound_id AS uuid) AND d.id = s.id AND d.secret_version = s.version
      AND d.active AND d.status = 'online'
    RETURNING d.id
), stored AS (
    INSERT INTO smart_property_readings (compound_id, id, device_id, metric, at, value, created_at, updated_at)
    SELECT CAST(:compound_id AS uuid), r.id, r.device_id, r.metric, r.at, r.value,
           CAST(:moment AS timestamptz), CAST(:moment AS timestamptz)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:device_ids AS uuid[]), CAST(:metrics AS varchar[]),
                CAST(:ats AS timestamptz[]), CAST(:vals AS float8[])) AS r(id, device_id, metric, at, value)
    WHERE r.device_id IN (SELECT id FROM heard)
)
SELECT h.id,
       (SELECT count(*) FROM smart_property_alarms a
        WHERE a.compound_id = CAST(:compound_id AS uuid) AND a.device_id = h.id AND a.state IN ('open', 'acknowledged')),
       (SELECT count(*) FROM smart_property_rules WHERE compound_id = CAST(:compound_id AS uuid)),
       (SELECT max(updated_at) FROM smart_property_rules WHERE compound_id = CAST(:compound_id AS uuid))
FROM heard h
"""
).columns(id=Uuid(), open_alarms=Integer(), rules=Integer(), rules_at=UTCDateTime())


async def heard_and_stored(
    session: AsyncSession,
    compound_id: uuid.UUID,
    stamps: dict[uuid.UUID, tuple[int, dt.datetime]],
    rows: list[dict],
    moment: dt.datetime,
) -> tuple[dict[uuid.UUID, int], RulesVersion]:
    """PostgreSQL: :func:`heard` and the readings of the devices it matched, in one statement (one round trip): the
    readings of a device that fails the check are not inserted (its messages are judged again, read afresh)."""
    params = {
        "compound_id": compound_id,
        "moment": moment,
        "d_ids": list(stamps),
        "d_versions": [v[0] for v in stamps.values()],
        "d_sent": [v[1] for v in stamps.values()],
        "ids": [r["id"] for r in rows],
        "device_ids": [r["device_id"] for r in rows],
        "metrics": [r["metric"] for r in rows],
        "ats": [r["at"] for r in rows],
        "vals": [r["value"] for r in rows],
    }
    matched: dict[uuid.UUID, int] = {}
    version: RulesVersion = (-1, None)
    for device_id, alarms, count, latest in (await session.execute(_HEARD_AND_STORED, params)).all():
        matched[device_id] = alarms
        version = (count, latest)
    return matched, version
