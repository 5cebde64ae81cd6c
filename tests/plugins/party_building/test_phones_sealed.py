"""A party member's phone number is sealed at rest (issue 16, point 7): encrypted in the database, shown in full to
who keeps the register and masked to the district that reads it."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from core.db import Scope
from core.testing.sealed import migration_round_trip, sealed_numbers
from plugins.party_building.models import PartyOrganisation

from .conftest import api

PHONE = "13912340201"


async def test_a_members_number_is_sealed_in_the_row_and_masked_for_the_district(client, as_user, city, db):
    a1 = city.compounds["A1"]
    keeper, district = await as_user("party-secretary-1"), await as_user("district-1-admin")
    async with db.session(Scope.everything("test")) as session:
        branch = await session.scalar(select(PartyOrganisation.id).where(PartyOrganisation.name == "幸福家园小区党支部"))
    made = await client.post(
        api(a1, "/members"), json={"name": "钱封存", "organisation_ids": [str(branch)], "phone": PHONE}, headers=keeper
    )
    assert made.status_code == 201, made.text

    numbers = await sealed_numbers(db, "party_members", "phone")
    assert PHONE in numbers and len(numbers) >= 9  # the demo's eight and this one, none of them plain

    kept = {m["id"]: m for m in (await client.get(api(a1, "/members"), headers=keeper)).json()["items"]}
    read = {m["id"]: m for m in (await client.get(api(a1, "/members"), headers=district)).json()["items"]}
    assert kept[made.json()["id"]]["phone"] == PHONE
    assert read[made.json()["id"]]["phone"] == "139****0201"
    changed = await client.patch(api(a1, f"/members/{made.json()['id']}"), json={"phone": "13912340299"}, headers=keeper)
    assert changed.status_code == 200, changed.text
    assert "13912340299" in await sealed_numbers(db, "party_members", "phone")


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_seals_existing_numbers_and_the_downgrade_opens_them(tmp_path, plugin_host):
    migration_round_trip(
        tmp_path,
        plugin_host,
        "party_building_0003",
        "party_building_0004",
        {"party_members": "phone"},
        rows={"party_members": {"status": "full"}},
    )
