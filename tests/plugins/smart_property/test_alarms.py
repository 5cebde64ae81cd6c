"""Rules and alarms: a threshold alarm opens once and is updated while the condition lasts; acknowledge and resolve
follow the machine; offline detection with the clock moved; an elevator fault becomes a co_building work order
through the worker (events only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import types
import uuid

from sqlalchemy import select

from core import clock
from core.db import Database, Scope
from core.events.models import OutboxEvent
from core.jobs.runtime import build_runtime
from core.settings import load_settings
from plugins.smart_property.jobs import detect_offline_job
from plugins.smart_property.models import Alarm, Device
from tests.plugins.smart_property.support import base, body_of, epoch, post_telemetry, register


async def _rule(client, headers, compound_id, **body):
    r = await client.post(f"{base(compound_id)}/rules", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _alarms(db, compound_id, device_id, rule):
    """The device's alarms under the test's own rule (the demo city has rules of its own)."""
    async with db.session(Scope.of([compound_id])) as session:
        stmt = select(Alarm).where(Alarm.device_id == uuid.UUID(device_id), Alarm.rule_id == uuid.UUID(rule["id"]))
        return list(await session.scalars(stmt))


async def test_a_threshold_alarm_opens_once_and_is_updated_while_it_lasts(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    rule = await _rule(
        client,
        headers,
        a1,
        name="测试液位",
        device_kind="tank_level",
        kind="threshold",
        metric="level",
        operator="<",
        threshold=0.5,
        severity="critical",
    )
    made = await register(client, headers, a1, kind="tank_level")
    device, secret = made["device"], made["secret"]
    t = epoch()
    for i, level in enumerate((0.4, 0.3, 0.2)):
        r = await post_telemetry(client, a1, device["id"], secret, body_of([{"metric": "level", "value": level, "at": t - 30 + i}]))
        assert r.status_code == 202
        assert r.json()["alarms_opened"] == (2 if i == 0 else 0)  # this rule's and the demo city's own level rule (< 0.5)
    alarms = await _alarms(db, a1, device["id"], rule)
    assert len(alarms) == 1
    assert alarms[0].occurrences == 3 and alarms[0].value == 0.2 and alarms[0].state == "open" and alarms[0].severity == "critical"
    await post_telemetry(client, a1, device["id"], secret, body_of([{"metric": "level", "value": 2.0}]))
    assert (await _alarms(db, a1, device["id"], rule))[0].cleared_at is not None  # normal again: cleared, still staff's to resolve
    async with db.session(Scope.of([a1])) as session:
        raised = [
            e
            for e in await session.scalars(select(OutboxEvent).where(OutboxEvent.type == "smart_property.alarm.raised"))
            if e.payload["device_id"] == device["id"] and e.payload["rule"] == "测试液位"
        ]
    assert len(raised) == 1 and raised[0].payload["action"] == "notify" and raised[0].payload["device_type"] == "tank_level"

    desk = (await client.get(f"{base(a1)}/alarms?state=unresolved", headers=headers)).json()
    alarm = next(a for a in desk["items"] if a["device_id"] == device["id"] and a["rule_id"] == rule["id"])
    assert alarm["allowed"] == ["acknowledge", "resolve"]
    url = f"{base(a1)}/alarms/{alarm['id']}/moves"
    assert (await client.post(url, json={"action": "acknowledge"}, headers=headers)).json()["state"] == "acknowledged"
    again = await client.post(url, json={"action": "acknowledge"}, headers=headers)
    assert again.status_code == 409 and "resolve" in again.text
    done = await client.post(url, json={"action": "resolve", "note": "补水完成"}, headers=headers)
    assert done.json()["state"] == "resolved"
    # after resolving, the condition firing again opens a new alarm
    r = await post_telemetry(client, a1, device["id"], secret, body_of([{"metric": "level", "value": 0.1}]))
    assert r.json()["alarms_opened"] == 1


async def test_a_rule_names_what_its_kind_needs(client, as_user, city):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    r = await client.post(
        f"{base(a1)}/rules", json={"name": "x", "device_kind": "elevator", "kind": "threshold", "metric": "speed"}, headers=headers
    )
    assert r.status_code == 422 and "operator" in r.text
    r = await client.post(
        f"{base(a1)}/rules",
        json={"name": "x", "device_kind": "elevator", "kind": "event", "event_code": "fault", "action": "work_order"},
        headers=headers,
    )
    assert r.status_code == 422 and "category" in r.text


async def test_offline_detection_with_the_clock_moved(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    rule = await _rule(
        client, headers, a1, name="门禁离线", device_kind="access_gate", kind="offline", offline_minutes=10, severity="warning"
    )
    # the every-minute job, through its one look-up of the city's silent devices (a rule's 10 minutes, shorter than the
    # default, bounds it); the demo's devices last spoke when the template was built: settle them first
    runtime = types.SimpleNamespace(database=lambda: db)
    await detect_offline_job.fn(runtime)
    made = await register(client, headers, a1, kind="access_gate")
    device, secret = made["device"], made["secret"]
    assert (await post_telemetry(client, a1, device["id"], secret, body_of())).status_code == 202  # a heartbeat

    async def status() -> str:
        async with db.session(Scope.of([a1])) as session:
            return (await session.get(Device, (a1, uuid.UUID(device["id"])))).status

    await detect_offline_job.fn(runtime)
    clock.advance(dt.timedelta(minutes=9))
    await detect_offline_job.fn(runtime)  # other compounds' demo devices may fall silent meanwhile
    assert await status() == "online"
    clock.advance(dt.timedelta(minutes=2))
    assert await detect_offline_job.fn(runtime) >= 1
    async with db.session(Scope.of([a1])) as session:
        assert (await session.get(Device, (a1, uuid.UUID(device["id"])))).status == "offline"
    alarms = await _alarms(db, a1, device["id"], rule)
    assert len(alarms) == 1 and alarms[0].metric == "offline"
    # heard again: online, the offline alarm cleared
    assert (await post_telemetry(client, a1, device["id"], secret, body_of())).status_code == 202
    alarms = await _alarms(db, a1, device["id"], rule)
    assert alarms[0].cleared_at is not None
    async with db.session(Scope.of([a1])) as session:
        assert (await session.get(Device, (a1, uuid.UUID(device["id"])))).status == "online"


async def test_an_elevator_fault_becomes_a_work_order_through_the_worker(client, as_user, city, database_urls, plugin_host, db):
    fixture_db = db
    from plugins.co_building.models.requests import RequestEvent, ServiceRequest

    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    rule = await _rule(
        client,
        headers,
        a1,
        name="电梯故障测试",
        device_kind="elevator",
        kind="event",
        event_code="fault",
        severity="critical",
        action="work_order",
        category="elevator",
    )
    made = await register(client, headers, a1, kind="elevator", point="1号楼1单元")
    device, secret = made["device"], made["secret"]
    for _ in range(2):  # the fault reported twice: one alarm, one work order
        r = await post_telemetry(client, a1, device["id"], secret, body_of(events=[{"code": "fault"}]))
        assert r.status_code == 202
    alarm_ids = [str(a.id) for a in await _alarms(fixture_db, a1, device["id"], rule)]
    assert len(alarm_ids) == 1
    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": database_urls["app"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": database_urls["cross"],
            "REDPROP_BROKER_URL": "stub://",
        }
    )
    runtime = build_runtime(settings, plugin_host)
    db = Database(settings.database_url, cross_scope_url=settings.cross_scope_database_url)
    try:
        runtime.start_worker(threads=1)
        runtime.start_loops(dispatch_interval=0.05)
        found = []
        for _ in range(200):
            async with db.session(Scope.of([a1])) as session:
                found = list(
                    await session.scalars(
                        select(ServiceRequest)
                        .join(
                            RequestEvent,
                            (RequestEvent.compound_id == ServiceRequest.compound_id) & (RequestEvent.request_id == ServiceRequest.id),
                        )
                        .where(RequestEvent.action == "from_alarm", RequestEvent.note.in_(alarm_ids))
                    )
                )
            if found:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # time for a duplicate, if there were one
        async with db.session(Scope.of([a1])) as session:
            count = len(
                list(
                    await session.scalars(select(RequestEvent).where(RequestEvent.action == "from_alarm", RequestEvent.note.in_(alarm_ids)))
                )
            )
    finally:
        await asyncio.to_thread(runtime.stop)
        await db.dispose()
    assert len(found) == 1 and count == 1
    order = found[0]
    assert order.category == "elevator" and order.priority == "urgent" and order.location == "public" and order.state == "submitted"
