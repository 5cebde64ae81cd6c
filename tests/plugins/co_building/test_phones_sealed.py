"""co_building keeps phone numbers sealed at rest (issue 16, point 7): a request's contact phone, a volunteer's and a
person's on the care list are encrypted in the database, shown in full to roles that need them and masked to others."""

from __future__ import annotations

import os

import pytest

from core.testing.sealed import migration_round_trip, sealed_numbers
from tests.plugins.co_building.support_featured_volunteers import staff_user
from tests.plugins.co_building.test_featured_volunteers_pages import HTML, sign_in

C = "/api/v1/compounds/{}/co_building"
CALLER, VOLUNTEER, CARED = "13912340101", "13912340102", "13912340103"


async def test_the_numbers_are_sealed_in_the_rows_and_masked_for_roles_without_the_right(client, as_user, city, app, db):
    a1 = C.format(city.compounds["A1"])
    admin, manager, district = await as_user("ent-a-admin"), await as_user("ent-a-manager"), await as_user("district-1-admin")
    staff = await as_user("ent-a-staff")
    filed = await client.post(
        a1 + "/requests/",
        json={
            "kind": "complaint",
            "category": "greening",
            "title": "绿地被占",
            "location": "public",
            "channel": "phone",
            "contact_name": "来电人",
            "contact_phone": CALLER,
        },
        headers=staff,
    )
    assert filed.status_code == 201, filed.text
    volunteer = await client.post(a1 + "/volunteers", json={"name": "钱志愿", "phone": VOLUNTEER}, headers=admin)
    assert volunteer.status_code == 201, volunteer.text
    cared = await client.post(
        a1 + "/care/subjects", json={"name": "孙关爱", "category": "elderly_alone", "visit_every_days": 7, "phone": CARED}, headers=admin
    )
    assert cared.status_code == 201, cared.text

    # at rest: no plain number in any column of any row; the cipher opens to the number; no blind index kept
    assert CALLER in await sealed_numbers(db, "co_building_requests", "contact_phone")
    assert VOLUNTEER in await sealed_numbers(db, "co_building_volunteers", "phone")
    assert CARED in await sealed_numbers(db, "co_building_care_subjects", "phone")

    # a request's caller: the operator's staff (co_building.requester_pii) in full, the district masked
    request = a1 + f"/requests/{filed.json()['id']}"
    assert (await client.get(request, headers=manager)).json()["contact_phone"] == CALLER
    assert (await client.get(request, headers=district)).json()["contact_phone"] == "139****0101"
    # a volunteer: co_building.volunteer_pii in full, property staff without it masked
    await staff_user(app, db, city, "staff-phones", "enterprise_staff")
    mine = (await client.get(a1 + "/volunteers", headers=admin)).json()["items"]
    assert VOLUNTEER in {v["phone"] for v in mine}
    theirs = (await client.get(a1 + "/volunteers", headers=await as_user("staff-phones"))).json()["items"]
    assert "139****0102" in {v["phone"] for v in theirs} and VOLUNTEER not in {v["phone"] for v in theirs}
    # the care list: tenants.resident_pii in full, the district masked
    subject = a1 + f"/care/subjects/{cared.json()['id']}"
    assert (await client.get(subject, headers=manager)).json()["phone"] == CARED
    assert (await client.get(subject, headers=district)).json()["phone"] == "139****0103"


async def test_the_volunteers_page_shows_the_number_to_who_needs_it_and_masked_to_others(client, city, app, db):
    page = f"/console/compounds/{city.compounds['A1']}/co_building/volunteers"
    client.follow_redirects = False
    await sign_in(client, "ent-a-admin")  # holds co_building.volunteer_pii
    whole = await client.get(page, headers=HTML)
    assert whole.status_code == 200 and "13700000000" in whole.text
    await staff_user(app, db, city, "staff-page", "enterprise_staff")
    await sign_in(client, "staff-page")
    masked = await client.get(page, headers=HTML)
    assert masked.status_code == 200 and "137****0000" in masked.text and "13700000000" not in masked.text


async def test_a_changed_number_is_sealed_too(client, as_user, city, db):
    a1 = C.format(city.compounds["A1"])
    admin = await as_user("ent-a-admin")
    made = (await client.post(a1 + "/volunteers", json={"name": "李改号", "phone": VOLUNTEER}, headers=admin)).json()
    changed = await client.patch(a1 + f"/volunteers/{made['id']}", json={"phone": "13912340199"}, headers=admin)
    assert changed.status_code == 200, changed.text
    numbers = await sealed_numbers(db, "co_building_volunteers", "phone")
    assert "13912340199" in numbers and VOLUNTEER not in numbers


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the migration's data step is the same SQL on both"
)
def test_the_migration_seals_existing_numbers_and_the_downgrade_opens_them(tmp_path, plugin_host):
    migration_round_trip(
        tmp_path,
        plugin_host,
        "co_building_0007",
        "co_building_0008",
        {"co_building_requests": "contact_phone", "co_building_volunteers": "phone", "co_building_care_subjects": "phone"},
        rows={
            "co_building_requests": {"kind": "repair", "category": "other", "state": "submitted"},
            "co_building_care_subjects": {"category": "elderly_alone", "visit_every_days": 7},
        },
    )
