"""Visitor passes: verified offline with the compound's public key; refused when expired, revoked, tampered with or
used up, both by the gate on its own and when the gate reports the entry."""

from __future__ import annotations

import base64
import datetime as dt
import json

from core import clock
from core.clock import now
from plugins.smart_property.services.passes import verify_offline
from tests.plugins.smart_property.support import base, register, signed_headers


def _key(b64: str) -> bytes:
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))


async def _report(client, compound_id, gate, token):
    body = json.dumps({"token": token}).encode()
    return await client.post(
        f"{base(compound_id)}/devices/{gate['device']['id']}/pass-entries", content=body, headers=signed_headers(gate["secret"], body)
    )


async def test_a_pass_is_verified_offline_and_refused_when_it_should_be(client, as_user, city):
    a1 = city.compounds["A1"]
    resident = await as_user("resident-a1")
    issued = await client.post(f"{base(a1)}/passes", json={"visitor_name": "王师傅", "valid_hours": 2, "max_entries": 2}, headers=resident)
    assert issued.status_code == 201, issued.text
    token, pass_id = issued.json()["token"], issued.json()["id"]
    staff = await as_user("ent-a-admin")
    key = (await client.get(f"{base(a1)}/pass-key", headers=staff)).json()
    public = _key(key["public_key"])

    # the gate, offline: signature, window, its revocation list and its own count
    assert verify_offline(token, public, now()).ok
    assert verify_offline(token, public, now() + dt.timedelta(hours=3)).reason == "expired"
    head, body, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["n"] = 99
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert verify_offline(f"{head}.{forged_body}.{sig}", public, now()).reason == "tampered"
    assert verify_offline(token[:-4] + "AAAA", public, now()).reason == "tampered"
    import uuid

    assert verify_offline(token, public, now(), used={uuid.UUID(pass_id): 2}).reason == "used_up"

    # the gate reports entries: counted once each, used up after two
    gate = await register(client, staff, a1, kind="access_gate")
    assert (await _report(client, a1, gate, token)).json()["result"] == "admitted"
    second = (await _report(client, a1, gate, token)).json()
    assert second["result"] == "admitted" and second["entries_left"] == 0
    assert (await _report(client, a1, gate, token)).json()["result"] == "used_up"

    # revoked: on the list the gate downloads, and refused when reported
    other = (await client.post(f"{base(a1)}/passes", json={"visitor_name": "快递员"}, headers=resident)).json()
    assert (await client.post(f"{base(a1)}/passes/{other['id']}/revoke", headers=resident)).status_code == 200
    key = (await client.get(f"{base(a1)}/pass-key", headers=staff)).json()
    assert other["id"] in key["revoked"]
    revoked = frozenset(uuid.UUID(x) for x in key["revoked"])
    assert verify_offline(other["token"], public, now(), revoked=revoked).reason == "revoked"
    assert (await _report(client, a1, gate, other["token"])).json()["result"] == "revoked"

    # expired when reported
    third = (await client.post(f"{base(a1)}/passes", json={"visitor_name": "亲戚", "valid_hours": 1}, headers=resident)).json()
    clock.advance(dt.timedelta(hours=2))
    late = await _report(client, a1, gate, third["token"])
    assert late.json()["result"] == "expired" and not late.json()["admitted"]

    # a tampered token reported, and a gate that does not sign, are refused
    assert (await _report(client, a1, gate, f"{head}.{forged_body}.{sig}")).json()["result"] == "tampered"
    bad = await client.post(
        f"{base(a1)}/devices/{gate['device']['id']}/pass-entries", content=b'{"token":"x"}', headers={"X-Redprop-Timestamp": "1"}
    )
    assert bad.status_code in (401, 422)


async def test_passes_are_the_issuers_and_phones_are_masked_for_others(client, as_user, city):
    a1 = city.compounds["A1"]
    mine = await as_user("resident-a1")
    neighbour = await as_user("resident-a1b")
    made = (await client.post(f"{base(a1)}/passes", json={"visitor_name": "张三", "visitor_phone": "13912345678"}, headers=mine)).json()
    theirs = (await client.get(f"{base(a1)}/passes", headers=neighbour)).json()
    assert made["id"] not in [p["id"] for p in theirs["items"]]
    assert (await client.post(f"{base(a1)}/passes/{made['id']}/revoke", headers=neighbour)).status_code == 404
    staff = await as_user("ent-a-staff")
    seen = (await client.get(f"{base(a1)}/passes", headers=staff)).json()
    assert any(p["id"] == made["id"] for p in seen["items"])
    r = await client.post(f"{base(a1)}/passes", json={"visitor_name": "", "valid_hours": 1}, headers=mine)
    assert r.status_code in (400, 422) and "visitor_name" in r.text
