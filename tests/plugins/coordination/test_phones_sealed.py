"""A social force's contact phone is sealed at rest (issue 16, point 7): encrypted in the database, shown in full to
who keeps the registry (coordination.social_force write) and masked to an officer who reads it."""

from __future__ import annotations

import os

import pytest

from core.testing.sealed import migration_round_trip, sealed_numbers
from tests.plugins.coordination.conftest import DESK

PHONE = "13912340401"


async def test_a_contacts_number_is_sealed_in_the_row_and_masked_for_readers(client, as_user, city, db):
    admin, officer = await as_user("district-1-admin"), await as_user("officer-1")
    made = await client.post(
        f"{DESK}/social-forces",
        json={"kind": "organisation", "name": "封存测试协会", "contact_name": "周会长", "contact_phone": PHONE},
        headers=admin,
    )
    assert made.status_code == 201, made.text

    numbers = await sealed_numbers(db, "coordination_social_forces", "contact_phone")
    assert PHONE in numbers and "13912345678" in numbers  # the demo's volunteer team too

    def number(page) -> str | None:
        return next(f["contact_phone"] for f in page.json()["items"] if f["id"] == made.json()["id"])

    assert number(await client.get(f"{DESK}/social-forces", headers=admin)) == PHONE
    assert number(await client.get(f"{DESK}/social-forces", headers=officer)) == "139****0401"


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_seals_existing_numbers_and_the_downgrade_opens_them(tmp_path, plugin_host):
    migration_round_trip(
        tmp_path,
        plugin_host,
        "coordination_0005",
        "coordination_0006",
        {"coordination_social_forces": "contact_phone"},
        rows={"coordination_social_forces": {"kind": "organisation"}},
    )
