"""A tenant's contact phone is sealed at rest (issue 16, point 7): encrypted in the database, never answered by the API."""

from __future__ import annotations

import os

import pytest

from core.testing.sealed import migration_round_trip, sealed_numbers

PHONE = "13912340501"


async def test_a_tenants_contact_phone_is_sealed_in_the_row(client, as_user, db):
    made = await client.post(
        "/api/v1/tenants/", json={"kind": "district", "name": "封存测试区", "contact_phone": PHONE}, headers=await as_user("platform")
    )
    assert made.status_code == 201, made.text
    assert "contact_phone" not in made.json()  # the list of tenants does not carry it either
    assert PHONE in await sealed_numbers(db, "tenants", "contact_phone")


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_seals_existing_numbers_and_the_downgrade_opens_them(tmp_path, plugin_host):
    migration_round_trip(
        tmp_path,
        plugin_host,
        "core_0016",
        "core_0017",
        {"tenants": "contact_phone"},
        rows={"tenants": {"kind": "district", "status": "active"}},
    )
