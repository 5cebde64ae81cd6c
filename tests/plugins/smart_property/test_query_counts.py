"""Statements per list request do not grow with the page size (devices, alarms, rules, passes)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from tests.plugins.smart_property.support import base, body_of, post_telemetry, register

BUDGET = 25
NOISE = ("policy_changes", "outbox", "processed_events", "schedule_ticks", "dead_letters", "UPDATE auth_tokens", "pg_catalog", "SELECT 1")
"""Statements that are not the request's page: the policy poller and the embedded worker's loops sharing the engine,
a token's throttled last-use stamp, connection checks."""


@contextlib.contextmanager
def counting(app):
    db = app.state.db
    engines = {id(e): e for e in (db.engine, getattr(db, "cross_engine", db.engine))}.values()
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        # SET LOCAL is the scope, once per transaction: the request's own, and on PostgreSQL also one for each
        # transaction of the embedded worker's loops (outbox, schedules) that happens to run during the request
        if not statement.startswith("SET LOCAL") and not any(noise in statement for noise in NOISE):
            seen.append(statement)

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)


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
        with counting(app) as seen:
            r = await client.get(f"{base(a1)}/{path}", params={"limit": limit}, headers=headers)
        assert r.status_code == 200, r.text
        counts[limit] = len(seen)
    assert max(counts.values()) <= BUDGET, counts
    assert counts[5] == counts[50], counts
