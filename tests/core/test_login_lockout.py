"""Failed logins count per account and per source address, with growing delays, and spraying is reported
(issue 16, point 3). The clock is moved, never slept."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.identity import services as identity
from core.notifications.models import Notification
from tenants.demo import DEMO_PASSWORD

LOGIN = "/api/v1/auth/login"


async def _try(client, username: str, password: str = "wrong-password"):
    return await client.post(LOGIN, json={"username": username, "password": password})


def test_delays_grow_from_one_minute_and_are_capped():
    assert [identity.delay_after(n) for n in (3, 4)] == [None, None]
    minutes = [identity.delay_after(n).total_seconds() / 60 for n in (5, 6, 7, 8, 9, 10, 40)]
    assert minutes == [1, 2, 4, 8, 16, 30, 30]


async def test_failures_by_phone_and_by_username_count_on_the_same_account(client):
    """Logging in by phone used to bypass the lockout counted on the username."""
    for _ in range(3):
        assert (await _try(client, "resident-a1")).status_code == 401
    for _ in range(2):
        assert (await _try(client, "13800000001")).status_code == 401
    refused = await _try(client, "13800000001", DEMO_PASSWORD)
    assert refused.status_code == 429, refused.text
    assert (await _try(client, "resident-a1", DEMO_PASSWORD)).status_code == 429


async def test_nobody_can_lock_an_account_for_good_the_delay_grows_and_passes(client):
    for _ in range(5):
        assert (await _try(client, "platform")).status_code == 401
    assert (await _try(client, "platform", DEMO_PASSWORD)).status_code == 429
    clock.advance(dt.timedelta(seconds=61))
    assert (await _try(client, "platform")).status_code == 401  # one more failure: two minutes now
    clock.advance(dt.timedelta(seconds=61))
    locked = await _try(client, "platform", DEMO_PASSWORD)
    assert locked.status_code == 429 and locked.json()["type"].endswith("/login-locked")
    clock.advance(dt.timedelta(seconds=60))
    assert (await _try(client, "platform", DEMO_PASSWORD)).status_code == 200
    # a success forgets the account's failures
    assert (await _try(client, "platform")).status_code == 401
    assert (await _try(client, "platform", DEMO_PASSWORD)).status_code == 200


async def test_an_unknown_account_is_answered_like_a_known_one(client):
    strip = lambda r: (r.status_code, {k: v for k, v in r.json().items() if k not in ("instance", "detail", "retry_after")})  # noqa: E731
    for _ in range(5):
        known, unknown = await _try(client, "ent-a-admin"), await _try(client, "nobody-at-all")
        assert strip(known) == strip(unknown) and known.json()["detail"] == unknown.json()["detail"]
    known, unknown = await _try(client, "ent-a-admin"), await _try(client, "nobody-at-all")
    assert known.status_code == unknown.status_code == 429
    assert strip(known) == strip(unknown)
    assert known.json()["detail"].split(" after ")[0] == unknown.json()["detail"].split(" after ")[0]


async def test_an_unknown_account_still_spends_a_password_hash(db, monkeypatch):
    seen: list[str | None] = []
    real = identity.verify_password
    monkeypatch.setattr(identity, "verify_password", lambda h, p: seen.append(h) or real(h, p))
    async with db.transaction(Scope.nothing()) as session:
        try:
            await identity.authenticate_password(session, "nobody-at-all", "x", "10.0.0.9")
        except Exception as exc:  # the 401 problem
            assert getattr(exc, "status", None) == 401
    assert seen == [None]  # verify_password hashes a dummy when there is no hash


async def test_one_address_failing_on_many_accounts_is_delayed_and_reported(db, city, caplog):
    caplog.set_level(logging.WARNING, logger="redprop.security")
    names = [f"sprayed-{n}" for n in range(identity.SOURCE_FAILURES)]
    for n, name in enumerate(names):
        async with db.transaction(Scope.nothing()) as session:
            try:
                await identity.authenticate_password(session, name, "Spring2026!", "203.0.113.7")
            except Exception as exc:
                assert exc.status == 401, n
    warnings = [r for r in caplog.records if "spraying" in r.getMessage()]
    assert len(warnings) == 1 and "203.0.113.7" in warnings[0].getMessage()
    async with db.session(Scope.nothing()) as session:
        alerts = (await session.scalars(select(Notification).where(Notification.kind == "core.login.spraying_detected"))).all()
    assert city.users["platform"] in {a.user_id for a in alerts}
    assert city.users["ent-a-admin"] not in {a.user_id for a in alerts}
    # the address is now delayed, even for a real account's right password; another address is not
    async with db.transaction(Scope.nothing()) as session:
        try:
            await identity.authenticate_password(session, "ent-b-admin", DEMO_PASSWORD, "203.0.113.7")
            raise AssertionError("the spraying address was not delayed")
        except Exception as exc:
            assert getattr(exc, "status", None) == 429
    async with db.transaction(Scope.nothing()) as session:
        assert (await identity.authenticate_password(session, "ent-b-admin", DEMO_PASSWORD, "198.51.100.1")).username == "ent-b-admin"
