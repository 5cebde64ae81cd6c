"""Notification addresses are sealed at rest (issue 16, point 7): a user's SMS number and email address, in their
preferences and in each delivery's copy, are encrypted in the database; the user reads their own, the sender opens
them to send."""

from __future__ import annotations

import os

import pytest

from core.db import Scope
from core.notifications.services import notify
from core.testing.sealed import migration_round_trip, sealed_numbers

PHONE, EMAIL = "13800000001", "zhang.sealed@example.com"


async def test_a_users_addresses_are_sealed_in_preferences_and_deliveries(client, as_user, db, city):
    headers = await as_user("resident-a1")
    both = {"items": [{"channel": "email", "address": EMAIL}, {"channel": "sms", "address": PHONE}]}
    saved = await client.put("/api/v1/notification-preferences", headers=headers, json=both)
    assert saved.status_code == 200, saved.text
    assert {p["channel"]: p["address"] for p in saved.json()["items"]} == {"email": EMAIL, "sms": PHONE}  # their own, in full
    async with db.transaction(Scope.nothing()) as session:
        await notify(
            session, [city.users["resident-a1"]], "co_building.work_order.accepted", "已受理", "师傅下午上门。", channels=("email", "sms")
        )
    assert {PHONE, EMAIL} <= set(await sealed_numbers(db, "notification_preferences", "address"))
    assert {PHONE, EMAIL} <= set(await sealed_numbers(db, "notification_deliveries", "address"))
    again = (await client.get("/api/v1/notification-preferences", headers=headers)).json()["items"]
    assert {p["channel"]: p["address"] for p in again} == {"email": EMAIL, "sms": PHONE}


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_seals_existing_addresses_and_the_downgrade_opens_them(tmp_path, plugin_host):
    migration_round_trip(
        tmp_path,
        plugin_host,
        "core_0017",
        "core_0018",
        {"notification_preferences": "address", "notification_deliveries": "address"},
        rows={"notification_deliveries": {"status": "pending"}},
    )
