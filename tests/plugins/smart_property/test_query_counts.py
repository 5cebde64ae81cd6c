"""Statements per list request do not grow with the page size (devices, alarms, rules, passes)."""

from __future__ import annotations

import pytest

from core.testing.statements import BACKGROUND, recording
from tests.plugins.smart_property.support import base, body_of, post_telemetry, register

BUDGET = 25
NOISE = BACKGROUND + ("UPDATE auth_tokens", "SELECT 1")
"""Statements that are not the request's page: the background loops sharing the engine (core's list), a token's
throttled last-use stamp, connection checks."""


@pytest.mark.parametrize(
    ("path", "user"), [("devices", "ent-a-admin"), ("alarms", "ent-a-admin"), ("rules", "ent-a-admin"), ("passes", "ent-a-staff")]
)
async def test_a_list_costs_the_same_for_5_and_50_rows(app, client, as_user, city, path, user):
    a1 = city.compounds["A1"]
    headers = await as_user(user)
    admin = await as_user("ent-a-admin")
    resident = await as_user("resident-a1")
    for i in range(6):  # more rows than the small page: devices, a level alarm each, passes
        made = await register(client, admin, a1, kind="tank_level")
        await post_telemetry(client, a1, made["device"]["id"], made["secret"], body_of([{"metric": "level", "value": 0.1}]))
        await client.post(f"{base(a1)}/passes", json={"visitor_name": f"访客{i}"}, headers=resident)
    await client.get(f"{base(a1)}/{path}", headers=headers)  # warm
    counts = {}
    for limit in (5, 50):
        with recording(app, ignore=NOISE) as seen:
            r = await client.get(f"{base(a1)}/{path}", params={"limit": limit}, headers=headers)
        assert r.status_code == 200, r.text
        counts[limit] = len(seen)
    assert max(counts.values()) <= BUDGET, counts
    assert counts[5] == counts[50], counts
