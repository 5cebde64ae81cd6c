"""Telemetry ingestion (遥测接入), the same for HTTP and MQTT: verify, refuse and count, store in batches, evaluate rules.

A device signs ``<timestamp>.<body>`` with HMAC-SHA256 under its secret
(HTTP: headers ``X-Redprop-Timestamp`` and ``X-Redprop-Signature``; MQTT: the
payload ``<timestamp>.<hex signature>.<body>``). A message from an unknown or
retired device, with a bad signature, a timestamp more than
:data:`CLOCK_SKEW` away, or a body that is not a valid batch is refused and
counted per compound, hour, reason and transport; nothing of it is stored.
Accepted readings of a whole batch of messages go into one ``executemany``.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import logging
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import NO_COMPOUND, module_state
from core.clock import now
from core.ids import uuid7
from core.problems import Problem
from plugins.smart_property.models import Device, Reading, Refusal
from plugins.smart_property.schemas.devices import GatewayBatchIn, GatewayOut, GatewayResultOut, TelemetryBatch
from plugins.smart_property.services import hot
from plugins.smart_property.services.alarms import Firing, apply_firings, threshold_fires
from plugins.smart_property.services.devices import device_secret

log = logging.getLogger("redprop.smart_property.ingest")

MODULE = "smart_property"
CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far a message's timestamp may be from the server's clock (replays older than this are refused)."""
BACKFILL = dt.timedelta(days=1)
"""How old a reading a device may still send (buffered while its network was down)."""
TIMESTAMP_HEADER = "x-redprop-timestamp"
SIGNATURE_HEADER = "x-redprop-signature"

REFUSED: collections.Counter[tuple[str, str]] = collections.Counter()
"""This process's refusals by (transport, reason), including those no compound can be charged with."""

_DECODER = msgspec.json.Decoder(TelemetryBatch)
GATEWAY_DECODER = msgspec.json.Decoder(GatewayBatchIn)


@dataclass
class Message:
    """One signed message as it arrived: the device named by the path or topic, the exact body, timestamp and signature."""

    device_id: str
    body: bytes
    timestamp: str | None
    signature: str | None


@dataclass
class Outcome:
    refused: str | None = None
    accepted: int = 0
    events: int = 0


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    alarms_opened: int = 0


REFUSAL_PROBLEMS = {
    "unknown_device": (404, "unknown-device", "Unknown device", "no such device in this compound"),
    "retired_device": (403, "retired-device", "Retired device", "the device is retired and sends nothing any more"),
    "bad_signature": (
        401,
        "bad-signature",
        "Bad signature",
        "the HMAC-SHA256 of '<timestamp>.<body>' under the device secret does not match",
    ),
    "stale_timestamp": (401, "stale-timestamp", "Timestamp out of range", "the timestamp is more than 5 minutes from the server's clock"),
    "malformed": (422, "malformed-telemetry", "Malformed telemetry", "the body is not a valid telemetry batch"),
    "module_off": (403, "module-disabled", "Module not enabled", "smart_property is not enabled for this compound"),
}


def gateway_messages(batch: GatewayBatchIn) -> list[Message]:
    """A gateway's messages as the devices would have sent them (the body is the exact text each device signed)."""
    return [Message(device_id=m.device_id, body=m.body.encode(), timestamp=str(m.timestamp), signature=m.signature) for m in batch.messages]


def gateway_out(batch: GatewayBatchIn, result: BatchResult) -> GatewayOut:
    """Each message's status in order — what the device route would have answered — and the totals."""
    results = [
        GatewayResultOut(
            device_id=m.device_id,
            status=REFUSAL_PROBLEMS[o.refused][0] if o.refused else 202,
            accepted=o.accepted,
            events=o.events,
            refused=o.refused,
        )
        for m, o in zip(batch.messages, result.outcomes, strict=True)
    ]
    refused = sum(1 for o in result.outcomes if o.refused)
    return GatewayOut(
        results=results,
        accepted_messages=len(results) - refused,
        refused_messages=refused,
        readings=sum(o.accepted for o in result.outcomes),
        alarms_opened=result.alarms_opened,
    )


async def gateway_refusal(session: AsyncSession, compound_id: uuid.UUID) -> str | None:
    """Whether a gateway's whole request is refused before its body is read: ``module_off`` where smart_property is
    not enabled for the compound (counted as one refusal), as every gated route answers; else None."""
    active, reason = await hot.module_on(session, compound_id)
    if active:
        return None
    REFUSED[("http", "module_off")] += 1
    if reason != NO_COMPOUND:
        await count_refusals(session, compound_id, collections.Counter({"module_off": 1}), "http")
    return "module_off"


async def count_gateway_malformed(session: AsyncSession, compound_id: uuid.UUID) -> None:
    """A gateway body that is no list of messages: one malformed refusal (its devices cannot be told apart)."""
    REFUSED[("http", "malformed")] += 1
    _, reason = await module_state(session, compound_id, MODULE)
    if reason != NO_COMPOUND:
        await count_refusals(session, compound_id, collections.Counter({"malformed": 1}), "http")


def refusal_problem(reason: str) -> Problem:
    status, kind, title, detail = REFUSAL_PROBLEMS[reason]
    return Problem(status, kind, title, detail, reason=reason)


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The signature a device sends: hex HMAC-SHA256 of ``<timestamp>.<body>``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def mqtt_payload(secret: str | bytes, timestamp: int, body: bytes) -> bytes:
    """An MQTT payload: ``<timestamp>.<signature>.<body>``."""
    return f"{timestamp}.{sign(secret, timestamp, body)}.".encode() + body


def split_mqtt_payload(payload: bytes) -> tuple[str | None, str | None, bytes]:
    parts = payload.split(b".", 2)
    if len(parts) != 3:
        return None, None, payload
    try:
        return parts[0].decode("ascii"), parts[1].decode("ascii"), parts[2]
    except UnicodeDecodeError:
        return None, None, payload


def _moment(raw: int | None, default: dt.datetime) -> dt.datetime | None:
    if raw is None:
        return default
    try:
        return dt.datetime.fromtimestamp(raw, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _secret_of(device: Device | hot.DeviceSnap) -> bytes:
    return device.secret if isinstance(device, hot.DeviceSnap) else device_secret(device)


def check_signature(message: Message, device: Device | hot.DeviceSnap | None, moment: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """(refusal reason, the message's moment): the device, its signature, then the clock."""
    if device is None:
        return "unknown_device", None
    if not device.active:
        return "retired_device", None
    if not message.timestamp or not message.signature or not message.timestamp.isdigit() or len(message.timestamp) > 12:
        return "malformed", None
    expected = sign(_secret_of(device), message.timestamp, message.body)
    if not hmac.compare_digest(expected, message.signature.strip().lower()):
        return "bad_signature", None
    sent = _moment(int(message.timestamp), moment)
    if sent is None or abs(sent - moment) > CLOCK_SKEW:
        return "stale_timestamp", None
    return None, sent


def _verify(
    message: Message, device: Device | hot.DeviceSnap | None, moment: dt.datetime
) -> tuple[str | None, TelemetryBatch | None, dt.datetime | None]:
    """(refusal reason, batch, the message's moment): signature first, then the clock, then the body."""
    refused, sent = check_signature(message, device, moment)
    if refused or sent is None:
        return refused, None, None
    try:
        batch = _DECODER.decode(message.body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return "malformed", None, None
    earliest, latest = moment - BACKFILL, moment + CLOCK_SKEW
    for item in (*batch.readings, *batch.events):
        at = _moment(item.at, sent)
        if at is None or not earliest <= at <= latest:
            return "malformed", None, None
    if any(not math.isfinite(r.value) for r in batch.readings):
        return "malformed", None, None
    return None, batch, sent


async def signed_device(
    session: AsyncSession, compound_id: uuid.UUID, message: Message, transport: str
) -> tuple[str | None, Device | None]:
    """The device that signed ``message`` (a gate reporting an entry), or the refusal reason, counted."""
    device = None
    active, reason = await module_state(session, compound_id, MODULE)
    refused: str | None = "module_off" if not active else None
    if active:
        try:
            device = await session.scalar(
                select(Device).where(Device.compound_id == compound_id, Device.id == uuid.UUID(message.device_id))
            )
        except ValueError:
            device = None
        refused, _ = check_signature(message, device, now())
    if refused:
        REFUSED[(transport, refused)] += 1
        if reason != NO_COMPOUND:
            await count_refusals(session, compound_id, collections.Counter({refused: 1}), transport)
        return refused, None
    return None, device


async def count_refusals(session: AsyncSession, compound_id: uuid.UUID, reasons: collections.Counter[str], transport: str) -> None:
    """Add refusals to the compound's hourly counters (one upsert per reason)."""
    if not reasons:
        return
    hour = now().replace(minute=0, second=0, microsecond=0)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    table = Refusal.__table__
    for reason, count in reasons.items():
        stmt = upsert(table).values(
            compound_id=compound_id,
            id=uuid7(),
            hour=hour,
            reason=reason,
            transport=transport,
            count=count,
            created_at=now(),
            updated_at=now(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["compound_id", "hour", "reason", "transport"],
            set_={"count": table.c.count + stmt.excluded.count, "updated_at": now()},
        )
        await session.execute(stmt)


_UNNEST_INSERT = text(
    "INSERT INTO smart_property_readings (compound_id, id, device_id, metric, at, value, created_at, updated_at) "
    "SELECT CAST(:compound_id AS uuid), r.id, r.device_id, r.metric, r.at, r.value, CAST(:moment AS timestamptz), "
    "CAST(:moment AS timestamptz) "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:device_ids AS uuid[]), CAST(:metrics AS varchar[]), "
    "CAST(:ats AS timestamptz[]), CAST(:vals AS float8[])) AS r(id, device_id, metric, at, value)"
)


async def store_readings(session: AsyncSession, rows: list[dict]) -> None:
    """Insert readings in one statement: on PostgreSQL one ``INSERT … SELECT FROM unnest(arrays)`` (one round trip,
    one plan, no per-row parameter processing; ``COPY`` is not allowed on a table under row-level security),
    elsewhere one ``executemany``."""
    if session.get_bind().dialect.name != "postgresql":
        await session.execute(insert(Reading.__table__), rows)
        return
    first = rows[0]
    await session.execute(
        _UNNEST_INSERT,
        {
            "compound_id": first["compound_id"],
            "moment": first["created_at"],
            "ids": [r["id"] for r in rows],
            "device_ids": [r["device_id"] for r in rows],
            "metrics": [r["metric"] for r in rows],
            "ats": [r["at"] for r in rows],
            "vals": [r["value"] for r in rows],
        },
    )


def _rows(compound_id: uuid.UUID, device_id: uuid.UUID, batch: TelemetryBatch, sent: dt.datetime, moment: dt.datetime) -> list[dict]:
    return [
        {
            "compound_id": compound_id,
            "id": uuid7(),
            "device_id": device_id,
            "metric": r.metric,
            "at": _moment(r.at, sent),
            "value": r.value,
            "created_at": moment,
            "updated_at": moment,
        }
        for r in batch.readings
    ]


async def ingest(session: AsyncSession, compound_id: uuid.UUID, messages: list[Message], transport: str) -> BatchResult:
    """Verify and store a batch of messages for one compound (one transaction: the caller's), evaluate the rules.

    A few statements whatever the number of messages. Devices known to this process (:mod:`services.hot`) cost one
    statement that records them heard and checks them (secret version, active, online), returning their open alarms
    and the rules' version, and their readings one insert — on PostgreSQL both in one statement; alarms are read only
    when a rule fires or the device has one open. Devices not cached, or whose cached row no longer holds, are read afresh (one query) and judged as the
    first time; refusals are one upsert per reason.
    """
    result = BatchResult(outcomes=[Outcome() for _ in messages])
    moment = now()
    cache = hot.cache_of(session)
    active, reason = await hot.module_on(session, compound_id)
    if not active:
        result.outcomes = [Outcome(refused="module_off") for _ in messages]
        REFUSED[(transport, "module_off")] += len(messages)
        if reason != NO_COMPOUND:
            await count_refusals(session, compound_id, collections.Counter({"module_off": len(messages)}), transport)
        return result
    ids: list[uuid.UUID | None] = []
    for m in messages:
        try:
            ids.append(uuid.UUID(m.device_id))
        except ValueError:
            ids.append(None)
    # known devices: verified against the cache, then checked by the statement that records them heard
    fast: list[tuple[int, hot.DeviceSnap, TelemetryBatch, dt.datetime]] = []
    slow: list[int] = []
    for i, m in enumerate(messages):
        snap = hot.cached_device(cache, ids[i]) if ids[i] is not None else None
        refused, batch, sent = _verify(m, snap, moment) if snap is not None else ("unknown_device", None, None)
        if refused:
            slow.append(i)  # judged again against the row read afresh (and refused there if it still fails)
            continue
        assert snap is not None and batch is not None and sent is not None
        fast.append((i, snap, batch, sent))
    accepted: list[tuple[int, Any, TelemetryBatch, dt.datetime]] = []
    stored: set[int] = set()  # messages whose readings went in with the statement that checked their device
    open_alarms: dict[uuid.UUID, int] = {}
    rules_version: hot.RulesVersion | None = None
    if fast:
        stamps: dict[uuid.UUID, tuple[int, dt.datetime]] = {}
        for _, snap, _, sent in fast:
            seen = stamps.get(snap.id)
            stamps[snap.id] = (snap.secret_version, sent if seen is None else max(seen[1], sent))
        if session.get_bind().dialect.name == "postgresql":  # checked, recorded heard and stored in one round trip
            early = [row for _, snap, batch, sent in fast for row in _rows(compound_id, snap.id, batch, sent, moment)]
            open_alarms, rules_version = await hot.heard_and_stored(session, compound_id, stamps, early, moment)
            stored = {i for i, snap, _, _ in fast if snap.id in open_alarms}
        else:
            open_alarms, rules_version = await hot.heard(session, compound_id, stamps)
        for entry in fast:
            if entry[1].id in open_alarms:
                accepted.append(entry)
            else:
                cache.devices.pop(entry[1].id, None)
                slow.append(entry[0])
    firings: list[Firing] = []
    fresh: list[tuple[Any, TelemetryBatch, dt.datetime]] = []
    if slow:
        slow.sort()
        wanted = {ids[i] for i in slow if ids[i] is not None}
        devices: dict[uuid.UUID, Device] = {}
        if wanted:
            for d in await session.scalars(select(Device).where(Device.compound_id == compound_id, Device.id.in_(wanted))):
                devices[d.id] = d
        refusals: collections.Counter[str] = collections.Counter()
        for i in slow:
            device = devices.get(ids[i]) if ids[i] is not None else None
            refused, batch, sent = _verify(messages[i], device, moment)
            if refused:
                refusals[refused] += 1
                REFUSED[(transport, refused)] += 1
                result.outcomes[i] = Outcome(refused=refused)
                continue
            assert device is not None and batch is not None and sent is not None
            accepted.append((i, device, batch, sent))
            fresh.append((device, batch, sent))
        await count_refusals(session, compound_id, refusals, transport)
    if not accepted:
        return result
    rules = await hot.rules_of(session, cache, compound_id, rules_version)
    for device, _, sent in fresh:  # read afresh: mark online (clearing offline alarms), move last seen, cache it
        if device.status != "online":
            device.status, device.status_changed_at = "online", moment
            firings += [Firing(rule=r, device=device, at=sent, fired=False) for r in rules.get(device.kind, []) if r.kind == "offline"]
        if device.last_seen_at is None or device.last_seen_at < sent:
            device.last_seen_at = sent
        hot.keep_device(cache, device, device_secret(device))
    rows: list[dict] = []
    for i, device, batch, sent in accepted:
        result.outcomes[i] = Outcome(accepted=len(batch.readings), events=len(batch.events))
        kind_rules = rules.get(device.kind, [])
        # a cached device with no open alarm: a normal reading has nothing to clear
        quiet = open_alarms.get(device.id) == 0
        if i not in stored:
            rows += _rows(compound_id, device.id, batch, sent, moment)
        for reading in batch.readings:
            at = _moment(reading.at, sent)
            for rule in kind_rules:
                if rule.kind == "threshold" and rule.metric == reading.metric:
                    fired = threshold_fires(rule, reading.value)
                    if fired or not quiet:
                        firings.append(
                            Firing(rule=rule, device=device, at=at or sent, value=reading.value, metric=reading.metric, fired=fired)
                        )
        for event in batch.events:
            for rule in kind_rules:
                if rule.kind == "event" and rule.event_code == event.code:
                    firings.append(Firing(rule=rule, device=device, at=_moment(event.at, sent) or sent, metric=event.code))
    if rows:
        await store_readings(session, rows)
    result.alarms_opened = await apply_firings(session, compound_id, firings)
    return result
