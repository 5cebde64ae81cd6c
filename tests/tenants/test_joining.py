"""Residents joining through the API (issue 15, point 2): one-time codes (expired, reused, wrong and rate-limited
codes refused with a 4xx naming the field), registration with an invitation, binding by staff approval (who,
when), several rooms in several compounds, roles by relation, move-out keeping history, password reset."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from core import clock
from core.db import Scope
from core.identity import otp
from core.testing.statements import least
from tenants.joining_models import RoomBinding
from tenants.models import Building, Resident, Room, Unit


class Captured:
    """A code provider that keeps the last code per phone (what the SMS would say)."""

    name = "test"

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    async def send(self, phone: str, code: str, purpose: str) -> None:
        self.codes[phone] = code


@pytest.fixture
def sms():
    captured = Captured()
    previous = otp.install_provider(captured)
    yield captured
    otp.install_provider(previous)


async def room_of(db, compound_id, index: int = 0):
    """(room id, building, unit, number) of a room of the compound."""
    async with db.session(Scope.everything("test")) as session:
        row = (
            await session.execute(
                select(Room.id, Building.name, Unit.name, Room.number)
                .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
                .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
                .where(Room.compound_id == compound_id)
                .order_by(Building.name, Unit.name, Room.number)
                .offset(index)
                .limit(1)
            )
        ).one()
    return row


def field_of(answer) -> str:
    return answer.json()["errors"][0]["field"]


async def register(client, sms, phone: str, **extra):
    sent = await client.post("/api/v1/join/codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    return await client.post(
        "/api/v1/join/register", json={"phone": phone, "code": sms.codes[phone], "name": "王秀兰", "password": "a-long-password", **extra}
    )


async def invite(client, headers, compound_id, room_id, relation="owner"):
    made = await client.post(
        f"/api/v1/compounds/{compound_id}/invitations", json={"room_id": str(room_id), "relation": relation}, headers=headers
    )
    assert made.status_code == 201, made.text
    return made.json()


async def test_an_invitation_binds_a_registration_to_its_room_once(client, as_user, city, db, sms):
    a1 = city.compounds["A1"]
    staff = await as_user("ent-a-admin")
    room = await room_of(db, a1)
    invitation = await invite(client, staff, a1, room[0], "family")
    assert invitation["qr_svg"].startswith("<svg") and "/portal/join?invitation=" in invitation["link"]
    token = invitation["link"].split("invitation=")[1]

    joined = await register(client, sms, "13900000011", invitation=token)
    assert joined.status_code == 201, joined.text
    binding = joined.json()["binding"]
    assert binding["status"] == "active" and binding["via"] == "invitation" and binding["relation"] == "family"
    resident_auth = {"Authorization": f"Bearer {joined.json()['token']['access_token']}"}
    compounds = await client.get("/api/v1/compounds", headers=resident_auth)
    assert [c["id"] for c in compounds.json()["items"]] == [str(a1)]
    async with db.session(Scope.everything("test")) as session:
        row = await session.get(RoomBinding, (a1, uuid.UUID(binding["id"])))
        resident = await session.get(Resident, (a1, row.resident_id))
    assert resident.role == "family"  # a family member, not an owner: co_building's roll counts owners only

    again = await register(client, sms, "13900000012", invitation=token)
    assert again.status_code == 409 and field_of(again) == "invitation"  # one household, one use

    listed = await client.get(f"/api/v1/compounds/{a1}/invitations", headers=staff)
    assert listed.json()["items"][0]["state"] == "used"

    late = await invite(client, staff, a1, room[0])
    clock.advance(dt.timedelta(days=8))
    expired = await register(client, sms, "13900000013", invitation=late["link"].split("invitation=")[1])
    assert expired.status_code == 410 and field_of(expired) == "invitation"
    forged = await register(client, sms, "13900000014", invitation=f"{a1}.forged-token-value")
    assert forged.status_code == 422 and field_of(forged) == "invitation"


async def test_codes_refused_when_wrong_expired_reused_or_too_frequent(client, sms):
    phone = "13900000021"
    assert (await client.post("/api/v1/join/codes", json={"phone": phone})).status_code == 202
    too_soon = await client.post("/api/v1/join/codes", json={"phone": phone})
    assert too_soon.status_code == 429 and field_of(too_soon) == "phone"
    code = sms.codes[phone]
    wrong_code = "000000" if code != "000000" else "111111"
    body = {"phone": phone, "name": "赵大爷", "password": "a-long-password"}
    wrong = await client.post("/api/v1/join/register", json={**body, "code": wrong_code})
    assert wrong.status_code == 422 and field_of(wrong) == "code" and "wrong" in wrong.text
    clock.advance(otp.CODE_TTL + dt.timedelta(seconds=1))
    expired = await client.post("/api/v1/join/register", json={**body, "code": code})
    assert expired.status_code == 422 and field_of(expired) == "code" and "expired" in expired.text

    assert (await client.post("/api/v1/join/codes", json={"phone": phone})).status_code == 202
    ok = await client.post("/api/v1/join/register", json={**body, "code": sms.codes[phone]})
    assert ok.status_code == 201 and ok.json()["binding"] is None
    taken = await client.post("/api/v1/join/register", json={**body, "code": sms.codes[phone]})
    assert taken.status_code == 409 and field_of(taken) == "phone"

    # password reset by the same kind of code; a code serves once
    clock.advance(otp.RESEND_AFTER)
    assert (await client.post("/api/v1/join/codes", json={"phone": phone, "purpose": "reset"})).status_code == 202
    reset = {"phone": phone, "code": sms.codes[phone], "password": "another-password"}
    assert (await client.post("/api/v1/join/password-reset", json=reset)).status_code == 204
    reused = await client.post("/api/v1/join/password-reset", json=reset)
    assert reused.status_code == 422 and field_of(reused) == "code" and "already used" in reused.text
    login = await client.post("/api/v1/auth/login", json={"username": phone, "password": "another-password"})
    assert login.status_code == 200

    # five wrong guesses spend a code
    clock.advance(otp.RESEND_AFTER)
    assert (await client.post("/api/v1/join/codes", json={"phone": phone, "purpose": "reset"})).status_code == 202
    right = sms.codes[phone]
    for _ in range(otp.MAX_ATTEMPTS):
        await client.post("/api/v1/join/password-reset", json={**reset, "code": "999999" if right != "999999" else "888888"})
    spent = await client.post("/api/v1/join/password-reset", json={**reset, "code": right})
    assert spent.status_code == 422 and "expired" in spent.text

    bad_phone = await client.post("/api/v1/join/codes", json={"phone": "12345"})
    assert bad_phone.status_code in (400, 422) and "phone" in bad_phone.text


async def test_codes_are_limited_per_address(client, sms):
    for i in range(otp.SOURCE_HOURLY):
        assert (await client.post("/api/v1/join/codes", json={"phone": f"139000010{i:02d}"})).status_code == 202
    limited = await client.post("/api/v1/join/codes", json={"phone": "13900001099"})
    assert limited.status_code == 429 and field_of(limited) == "source"


async def test_a_reset_code_for_an_unknown_phone_is_answered_alike_and_not_sent(client, sms):
    answer = await client.post("/api/v1/join/codes", json={"phone": "13900000031", "purpose": "reset"})
    assert answer.status_code == 202 and "13900000031" not in sms.codes


async def test_staff_approval_binds_records_who_and_when_and_move_out_keeps_history(client, as_user, city, db, sms):
    a1 = city.compounds["A1"]
    joined = await register(client, sms, "13900000041")
    resident = {"Authorization": f"Bearer {joined.json()['token']['access_token']}"}
    _, building, unit, number = await room_of(db, a1, 3)
    ask = {"compound_id": str(a1), "building": building, "unit": unit, "number": number, "relation": "owner", "name": "王秀兰"}
    nowhere = await client.post("/api/v1/join/requests", json={**ask, "number": "9999"}, headers=resident)
    assert nowhere.status_code == 422 and field_of(nowhere) == "number"
    asked = await client.post("/api/v1/join/requests", json=ask, headers=resident)
    assert asked.status_code == 201 and asked.json()["status"] == "pending", asked.text
    twice = await client.post("/api/v1/join/requests", json=ask, headers=resident)
    assert twice.status_code == 409
    assert (await client.get("/api/v1/compounds", headers=resident)).status_code == 403  # no compound before approval

    staff = await as_user("ent-a-manager")
    pending = await client.get(f"/api/v1/compounds/{a1}/bindings?status=pending", headers=staff)
    assert [b["id"] for b in pending.json()["items"]] == [asked.json()["id"]]
    assert (await client.post(f"/api/v1/compounds/{a1}/bindings/{asked.json()['id']}/approve", headers=resident)).status_code in (403, 404)
    approved = await client.post(f"/api/v1/compounds/{a1}/bindings/{asked.json()['id']}/approve", headers=staff)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "active" and body["decided_by"] == str(city.users["ent-a-manager"]) and body["decided_at"]
    twice = await client.post(f"/api/v1/compounds/{a1}/bindings/{asked.json()['id']}/approve", headers=staff)
    assert twice.status_code == 409 and "end" in twice.text  # the allowed moves are named

    await _wait_for_policy(client, resident)
    assert [c["id"] for c in (await client.get("/api/v1/compounds", headers=resident)).json()["items"]] == [str(a1)]

    # a second room in another compound of the same person, by invitation
    a2 = city.compounds["A2"]
    admin = await as_user("ent-a-admin")
    other = await invite(client, admin, a2, (await room_of(db, a2))[0], "tenant")
    took = await client.post(
        "/api/v1/join/invitations/accept", json={"invitation": other["link"].split("invitation=")[1], "name": "王秀兰"}, headers=resident
    )
    assert took.status_code == 201 and took.json()["relation"] == "tenant", took.text
    await _wait_for_policy(client, resident, 2)
    assert {c["id"] for c in (await client.get("/api/v1/compounds", headers=resident)).json()["items"]} == {str(a1), str(a2)}

    # move-out from A1: the binding ends, stays listed; the account keeps A2 only
    ended = await client.post(f"/api/v1/compounds/{a1}/bindings/{asked.json()['id']}/end", headers=staff)
    assert ended.status_code == 200 and ended.json()["status"] == "ended" and ended.json()["ended_at"]
    history = await client.get(f"/api/v1/compounds/{a1}/bindings?status=ended", headers=staff)
    assert [b["id"] for b in history.json()["items"]] == [asked.json()["id"]]
    await _wait_for_policy(client, resident, 1)
    assert [c["id"] for c in (await client.get("/api/v1/compounds", headers=resident)).json()["items"]] == [str(a2)]


async def test_refusing_needs_a_reason(client, as_user, city, db, sms):
    a1 = city.compounds["A1"]
    joined = await register(client, sms, "13900000051")
    resident = {"Authorization": f"Bearer {joined.json()['token']['access_token']}"}
    _, building, unit, number = await room_of(db, a1, 5)
    ask = {"compound_id": str(a1), "building": building, "unit": unit, "number": number, "relation": "tenant", "name": "李四"}
    asked = (await client.post("/api/v1/join/requests", json=ask, headers=resident)).json()
    staff = await as_user("ent-a-admin")
    blank = await client.post(f"/api/v1/compounds/{a1}/bindings/{asked['id']}/refuse", json={"note": "  "}, headers=staff)
    assert blank.status_code == 422 and field_of(blank) == "note"
    refused = await client.post(f"/api/v1/compounds/{a1}/bindings/{asked['id']}/refuse", json={"note": "查无此租约"}, headers=staff)
    assert refused.status_code == 200 and refused.json()["status"] == "refused"


async def test_the_lists_cost_the_same_statements_whatever_the_page_size(client, as_user, city, db, sms, app):
    a1 = city.compounds["A1"]
    staff = await as_user("ent-a-admin")
    for i in range(3):
        await invite(client, staff, a1, (await room_of(db, a1, i))[0])
        joined = await register(client, sms, f"1390000006{i}")
        _, building, unit, number = await room_of(db, a1, 10 + i)
        ask = {"compound_id": str(a1), "building": building, "unit": unit, "number": number, "relation": "owner", "name": f"业主{i}"}
        await client.post("/api/v1/join/requests", json=ask, headers={"Authorization": f"Bearer {joined.json()['token']['access_token']}"})

    async def count(path: str) -> int:
        statements, answer = await least(app, lambda: client.get(path, headers=staff), tries=1)
        assert answer.status_code == 200
        return statements

    for path in (f"/api/v1/compounds/{a1}/invitations", f"/api/v1/compounds/{a1}/bindings"):
        assert min([await count(path + "?limit=1") for _ in range(3)]) == min([await count(path + "?limit=200") for _ in range(3)])


async def _wait_for_policy(client, headers, expected: int = 1) -> None:
    """The running app learns role grants of other transactions from its policy poller (every 0.2 s)."""
    import asyncio

    for _ in range(30):
        answer = await client.get("/api/v1/compounds", headers=headers)
        if answer.status_code == 200 and len(answer.json()["items"]) == expected:
            return
        await asyncio.sleep(0.1)
