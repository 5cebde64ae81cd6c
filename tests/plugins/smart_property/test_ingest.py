"""Devices and HTTP ingestion: a signed batch is stored; unknown devices, bad signatures, stale timestamps and
malformed bodies are refused and counted, never stored; secrets are shown once and rotate."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from plugins.smart_property.models import Device, Reading, Refusal
from tests.plugins.smart_property.support import base, body_of, epoch, one, post_telemetry, register


async def test_a_signed_batch_is_stored_and_the_device_is_online(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    made = await register(client, headers, a1, kind="water_meter", point="地下泵房")
    device, secret = made["device"], made["secret"]
    assert made["topic"] == f"redprop/{a1}/{device['id']}/telemetry"
    now = epoch()
    body = body_of([{"metric": "flow", "value": 1.5 + i, "at": now - 60 + i} for i in range(20)])
    r = await post_telemetry(client, a1, device["id"], secret, body)
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 20
    assert await one(db, a1, select(func.count()).select_from(Reading).where(Reading.device_id == uuid.UUID(device["id"]))) == 20
    listed = (await client.get(f"{base(a1)}/devices?kind=water_meter", headers=headers)).json()
    mine = next(d for d in listed["items"] if d["id"] == device["id"])
    assert mine["status"] == "online" and mine["last_seen_at"]
    assert "secret" not in mine and "secret_sealed" not in mine
    sealed = await one(db, a1, select(Device.secret_sealed).where(Device.id == uuid.UUID(device["id"])))
    assert secret.encode() not in sealed  # sealed at rest, not the secret itself


async def test_refusals_are_counted_and_nothing_is_stored(client, as_user, city, db):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    made = await register(client, headers, a1, kind="tank_level")
    device, secret = made["device"], made["secret"]
    good = body_of([{"metric": "level", "value": 2.0}])
    cases = [
        ("bad_signature", 401, await post_telemetry(client, a1, device["id"], secret, good, signature="0" * 64)),
        ("unknown_device", 404, await post_telemetry(client, a1, "0190c0de-0000-7000-8000-000000000000", secret, good)),
        ("unknown_device", 404, await post_telemetry(client, a1, "not-a-uuid", secret, good)),
        ("stale_timestamp", 401, await post_telemetry(client, a1, device["id"], secret, good, timestamp=epoch() - 3600)),
        ("malformed", 422, await post_telemetry(client, a1, device["id"], secret, b'{"readings": [{"metric": "level"}]}')),
        ("malformed", 422, await post_telemetry(client, a1, device["id"], secret, b"not json")),
        ("malformed", 422, await post_telemetry(client, a1, device["id"], secret, body_of([{"metric": "level", "value": 1, "at": 1}]))),
    ]
    for reason, status, response in cases:
        assert response.status_code == status, (reason, response.text)
        assert response.json()["reason"] == reason
    assert await one(db, a1, select(func.count()).select_from(Reading).where(Reading.device_id == uuid.UUID(device["id"]))) == 0
    counted = dict(await db_rows(db, a1))
    assert counted == {"bad_signature": 1, "unknown_device": 2, "stale_timestamp": 1, "malformed": 3}
    shown = (await client.get(f"{base(a1)}/refusals", headers=headers)).json()
    assert set(shown) == {"items", "total", "limit", "offset"} and shown["total"] == 4
    assert sum(x["count"] for x in shown["items"]) == 7


async def db_rows(db, compound_id):
    from core.db import Scope

    async with db.session(Scope.of([compound_id])) as session:
        return (await session.execute(select(Refusal.reason, func.sum(Refusal.count)).group_by(Refusal.reason))).all()


async def test_a_rotated_secret_replaces_the_old_one(client, as_user, city):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    made = await register(client, headers, a1, kind="power_meter")
    device_id, old = made["device"]["id"], made["secret"]
    rotated = await client.post(f"{base(a1)}/devices/{device_id}/secret", headers=headers)
    assert rotated.status_code == 201 and rotated.json()["secret"] != old
    body = body_of([{"metric": "kwh", "value": 10.0}])
    assert (await post_telemetry(client, a1, device_id, old, body)).status_code == 401
    assert (await post_telemetry(client, a1, device_id, rotated.json()["secret"], body)).status_code == 202


async def test_bad_device_input_names_the_field_and_staff_cannot_register(client, as_user, city):
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    r = await client.post(f"{base(a1)}/devices", json={"code": "X1", "name": "x", "kind": "toaster"}, headers=headers)
    assert r.status_code in (400, 422) and "kind" in r.text
    r = await client.post(
        f"{base(a1)}/devices", json={"code": "X1", "name": "x", "kind": "camera", "building_id": str(a1)}, headers=headers
    )
    assert r.status_code == 422 and "building_id" in r.text
    staff = await as_user("ent-a-staff")
    r = await client.post(f"{base(a1)}/devices", json={"code": "X2", "name": "x", "kind": "camera"}, headers=staff)
    assert r.status_code == 403


async def test_the_module_gate_refuses_ingestion_where_smart_property_is_off(client, city):
    a3 = city.compounds["A3"]  # the basic plan: no smart_property
    r = await post_telemetry(client, a3, "0190c0de-0000-7000-8000-000000000000", "x", body_of())
    assert r.status_code == 403 and r.json()["reason"] == "module_off"
