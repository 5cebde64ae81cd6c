"""The ingestion hot path: a known device costs two statements; what the process caches (devices, rules, the module
state) follows changes made elsewhere — a rotation or retirement at the next message, a rule at the next message, the
module at the next message once a clearing reaches the process's shared module cache and within its 5 s bound where
none does; and the gateway route judges each device's message on its own."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import func, insert, select, update

from core.authz.models import PolicyChange
from core.caches import CHANGE_OP
from core.clock import advance, now
from core.context import module_cache
from core.db import Scope
from core.security import encrypt_pii
from core.testing.statements import recording
from plugins.smart_property.models import Alarm, Device, Reading, Refusal, Rule
from plugins.smart_property.services import hot
from plugins.smart_property.services.ingest import Message, ingest, sign
from tenants.models import ModuleEnablement
from tests.plugins.smart_property.support import base, body_of, epoch, one, post_telemetry, register
from tests.plugins.smart_property.test_query_counts import NOISE


def _readings(n: int, value: float = 2.0, metric: str = "level") -> bytes:
    t = epoch()
    return body_of([{"metric": metric, "value": value + i / 100, "at": t - n + i} for i in range(n)])


async def _stored(db, compound_id, device_id) -> int:
    return await one(db, compound_id, select(func.count()).select_from(Reading).where(Reading.device_id == uuid.UUID(device_id)))


async def _elsewhere(db, compound_id, stmt) -> None:
    """A change made by another process: straight to the database, this process's caches untouched."""
    async with db.transaction(Scope.of([compound_id])) as session:
        await session.execute(stmt)


async def test_a_known_device_costs_one_or_two_statements_and_a_rotation_elsewhere_takes_effect_at_once(app, client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    made = await register(client, headers, a1, kind="tank_level")
    device_id, secret = made["device"]["id"], made["secret"]
    assert (await post_telemetry(client, a1, device_id, secret, _readings(5))).status_code == 202  # read afresh, cached
    with recording(app, ignore=NOISE) as seen:
        r = await post_telemetry(client, a1, device_id, secret, _readings(50))
    assert r.status_code == 202 and r.json()["accepted"] == 50
    # heard (and checked), then the readings; on PostgreSQL one statement does both
    expected = ["WITH"] if app.state.db.dialect == "postgresql" else ["UPDATE", "INSERT"]
    assert [s.split()[0] for s in seen] == expected, seen

    # another process rotates the secret: the cached one no longer matches the row, the old secret is refused
    new = "rotated-elsewhere-secret"
    await _elsewhere(
        db,
        a1,
        update(Device)
        .where(Device.id == uuid.UUID(device_id))
        .values(secret_sealed=encrypt_pii(new), secret_version=Device.secret_version + 1),
    )
    r = await post_telemetry(client, a1, device_id, secret, _readings(3))
    assert r.status_code == 401 and r.json()["reason"] == "bad_signature"
    assert (await post_telemetry(client, a1, device_id, new, _readings(3))).status_code == 202
    # …and retires it: refused at the next message
    await _elsewhere(db, a1, update(Device).where(Device.id == uuid.UUID(device_id)).values(active=False))
    r = await post_telemetry(client, a1, device_id, new, _readings(3))
    assert r.status_code == 403 and r.json()["reason"] == "retired_device"
    assert await _stored(db, a1, device_id) == 5 + 50 + 3


async def test_a_rule_added_after_the_rules_were_cached_fires_at_the_next_message(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    made = await register(client, headers, a1, kind="water_meter")
    device_id, secret = made["device"]["id"], made["secret"]
    for _ in range(2):  # cached device, cached rules (none fires on flow 2.0)
        r = await post_telemetry(client, a1, device_id, secret, _readings(3, 2.0, "flow"))
        assert r.status_code == 202 and r.json()["alarms_opened"] == 0
    rule = await client.post(
        f"{base(a1)}/rules",
        json={"name": "测试流量", "device_kind": "water_meter", "kind": "threshold", "metric": "flow", "operator": ">", "threshold": 1.0},
        headers=headers,
    )
    assert rule.status_code == 201, rule.text
    r = await post_telemetry(client, a1, device_id, secret, _readings(3, 2.0, "flow"))
    assert r.status_code == 202 and r.json()["alarms_opened"] == 1
    # switched off elsewhere: a reading that would fire no longer updates the open alarm
    rule_id = uuid.UUID(rule.json()["id"])
    await _elsewhere(db, a1, update(Alarm).where(Alarm.rule_id == rule_id).values(state="resolved"))
    await _elsewhere(db, a1, update(Rule).where(Rule.id == rule_id).values(active=False, updated_at=now() + dt.timedelta(seconds=1)))
    r = await post_telemetry(client, a1, device_id, secret, _readings(3, 2.0, "flow"))
    assert r.status_code == 202 and r.json()["alarms_opened"] == 0


async def _switch_elsewhere(db, compound_id, enabled: bool) -> None:
    """The district's switch written by another process without the ``clear`` row an ORM write appends (raw SQL, a
    restore), so no poll ever clears this process's module states: only the hot path's bound makes it take effect, as
    in a process that runs no poller (the MQTT consumer of ``redprop worker --mqtt``)."""
    table = ModuleEnablement.__table__
    async with db.transaction(Scope.of([compound_id])) as session:
        done = await (await session.connection()).execute(
            update(table).where(table.c.compound_id == compound_id, table.c.module == hot.MODULE).values(enabled=enabled)
        )
        assert done.rowcount == 1


async def _consumed(db, compound_id, device_id, secret) -> str | None:
    """One message through the MQTT consumer's path (``ingest`` on its own database handle, no request, no poller):
    its refusal, if any."""
    ts, body = epoch(), _readings(2, metric="kw")
    async with db.transaction(Scope.of([compound_id])) as session:
        result = await ingest(session, compound_id, [Message(device_id, body, str(ts), sign(secret, ts, body))], "mqtt")
    return result.outcomes[0].refused


async def _meter_where_enabled(client, as_user, city):
    """A power meter of A3 (the basic plan: smart_property only where the district enables it), the district having
    enabled the module: ``(a3, district's headers, switch url, device id, secret)``."""
    a3 = city.compounds["A3"]
    district, ent = await as_user("district-2-admin"), await as_user("ent-a-admin")
    switch = f"/api/v1/compounds/{a3}/modules/smart_property"
    assert (await client.put(switch, json={"enabled": True}, headers=district)).status_code == 200
    made = await register(client, ent, a3, kind="power_meter")
    return a3, district, switch, made["device"]["id"], made["secret"]


async def test_a_module_switched_off_stops_telemetry_within_five_seconds_without_a_poll(app, client, as_user, city, db):
    a3, district, switch, device_id, secret = await _meter_where_enabled(client, as_user, city)
    assert (await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))).status_code == 202
    assert await _consumed(db, a3, device_id, secret) is None

    await _switch_elsewhere(db, a3, enabled=False)
    advance(hot.MODULE_TTL - dt.timedelta(seconds=1))  # still within the bound: the state kept is used
    assert (await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))).status_code == 202
    assert await _consumed(db, a3, device_id, secret) is None
    advance(dt.timedelta(seconds=1))  # the bound reached: read afresh, by either path
    r = await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))
    assert r.status_code == 403 and r.json()["reason"] == "module_off"
    assert await _consumed(db, a3, device_id, secret) == "module_off"
    # a gateway's whole request is refused as every gated route is, before its body is read
    r = await client.post(f"{base(a3)}/gateway/telemetry", content=b"{}")
    assert r.status_code == 403 and r.json()["type"].endswith("/module-disabled"), r.text


async def test_telemetry_reads_the_module_state_from_the_process_cache_the_core_clears(app, client, as_user, city, db):
    a3, district, switch, device_id, secret = await _meter_where_enabled(client, as_user, city)
    assert (await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))).status_code == 202
    with recording(app, ignore=NOISE) as seen:  # the module state kept by the process: no module statement
        assert (await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))).status_code == 202
    assert not [s for s in seen if any(t in s for t in ("module_enablements", "subscriptions", "plans"))], seen

    # switched off in this process: the write clears the process's module states at commit, the next message is refused
    assert (await client.put(switch, json={"enabled": False}, headers=district)).status_code == 200
    r = await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))
    assert r.status_code == 403 and r.json()["reason"] == "module_off"
    # switched on by another process: its clear row, applied at this process's poll, clears them (clock unmoved)
    await _switch_elsewhere(db, a3, enabled=True)
    async with db.transaction(Scope.everything("test")) as session:
        await (await session.connection()).execute(
            insert(PolicyChange.__table__).values(op=CHANGE_OP, ptype="", v0=module_cache.name, v1="", v2="", v3="")
        )
    async with db.session(Scope.everything("policy poll")) as session:
        await app.state.policy.poll(session)
    assert (await post_telemetry(client, a3, device_id, secret, _readings(2, metric="kw"))).status_code == 202


async def test_a_gateway_batch_refuses_the_bad_message_and_stores_the_others(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    d1, d2, d3 = [await register(client, headers, a1, kind="power_meter") for _ in range(3)]
    ts = epoch()

    def message(made, body: bytes, secret: str | None = None, device_id: str | None = None) -> dict:
        return {
            "device_id": device_id or made["device"]["id"],
            "timestamp": ts,
            "signature": sign(secret or made["secret"], ts, body),
            "body": body.decode(),
        }

    good = _readings(4, 50.0, "kw")
    batch = {
        "messages": [
            message(d1, good),
            message(d2, good, secret=d1["secret"]),  # signed with another device's secret
            message(d3, good),
            message(d1, good, device_id=str(uuid.uuid4())),  # no such device
            message(d3, b'{"readings": [{"metric": "kw"}]}'),  # signed, but not a batch
        ]
    }
    r = await client.post(f"{base(a1)}/gateway/telemetry", json=batch)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [x["status"] for x in out["results"]] == [202, 401, 202, 404, 422]
    assert [x["refused"] for x in out["results"]] == [None, "bad_signature", None, "unknown_device", "malformed"]
    assert (out["accepted_messages"], out["refused_messages"], out["readings"]) == (2, 3, 8)
    assert [await _stored(db, a1, d["device"]["id"]) for d in (d1, d2, d3)] == [4, 0, 4]
    async with db.session(Scope.of([a1])) as session:
        counted = dict((await session.execute(select(Refusal.reason, func.sum(Refusal.count)).group_by(Refusal.reason))).all())
    assert counted == {"bad_signature": 1, "unknown_device": 1, "malformed": 1}

    # a body that is no list of messages: 422 naming the field, counted, nothing stored
    r = await client.post(f"{base(a1)}/gateway/telemetry", content=json.dumps({"messages": [{"device_id": 1}]}))
    assert r.status_code == 422 and "messages" in r.text
    assert [await _stored(db, a1, d["device"]["id"]) for d in (d1, d2, d3)] == [4, 0, 4]
