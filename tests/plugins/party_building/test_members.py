"""The member register: who reads it (per role), masking, one organisation per level, central households, cross-appointment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import Scope
from plugins.party_building.models import CentralHousehold, CentralHouseholdLink, PartyMember, PartyMembership, PartyOrganisation

from .conftest import api, count


async def _org_id(db, name: str):
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(PartyOrganisation.id).where(PartyOrganisation.name == name))


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("party-secretary-1", 200),  # keeps the register
        ("district-1-admin", 200),  # the district reads it (masked)
        ("party-worker-a", 200),  # enterprise A's party worker, in A's compounds
        ("ent-a-admin", 403),  # enterprise roles never read the register
        ("ent-a-manager", 403),
        ("officer-1", 403),
        ("resident-a1", 403),  # residents see badges only
        ("ent-b-admin", 404),  # enterprise B does not even reach A1
        ("district-2-admin", 404),
    ],
)
async def test_who_reads_the_member_register_of_a1(client, as_user, city, user, status):
    r = await client.get(api(city.compounds["A1"], "/members"), headers=await as_user(user))
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json()["total"] == 8


async def test_enterprise_b_reads_no_party_data_of_enterprise_a(client, as_user, city):
    h = await as_user("ent-b-admin")
    a1 = city.compounds["A1"]
    for path in ("/members", "/central-households", "/cross-appointment", "/public", "/organisations", "/meetings", "/action-items"):
        assert (await client.get(api(a1, path), headers=h)).status_code == 404, path
    # nor through its own compound: the register is not an enterprise's object at all
    assert (await client.get(api(city.compounds["B2"], "/members"), headers=h)).status_code == 403


async def test_phones_are_masked_for_the_district_and_whole_for_the_keeper(client, as_user, city):
    a1 = city.compounds["A1"]
    kept = (await client.get(api(a1, "/members"), headers=await as_user("party-secretary-1"))).json()["items"]
    read = (await client.get(api(a1, "/members"), headers=await as_user("district-1-admin"))).json()["items"]
    assert all(not m["masked"] and "*" not in m["phone"] for m in kept)
    assert all(m["masked"] and m["phone"][3:7] == "****" for m in read)


async def test_residents_see_identity_badges_and_never_the_register(client, as_user, city):
    r = await client.get(api(city.compounds["A1"], "/public"), headers=await as_user("resident-a1"))
    assert r.status_code == 200, r.text
    view = r.json()
    badges = view["identity"]
    assert "张建国" in {b["name"] for b in badges} and "李红梅" in {b["name"] for b in badges}
    assert "王志强" not in {b["name"] for b in badges}  # does not show identity
    assert all(set(b) == {"name", "organisation", "post"} for b in badges)  # no phone, status or dates
    assert {o["name"] for o in view["organisations"]} >= {"东关社区党委", "幸福家园小区党支部", "红城物业党支部"}
    # 张建国 lives in a room the demo's central household does not look after: it is listed only for their building
    assert all(c["building_name"] for c in view["central_households"])


async def test_a_member_in_two_organisations_of_the_same_level_is_refused_and_nothing_is_written(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    branch, enterprise_branch, community = [await _org_id(db, n) for n in ("幸福家园小区党支部", "红城物业党支部", "东关社区党委")]
    before = (await count(db, PartyMember), await count(db, PartyMembership))
    r = await client.post(
        api(a1, "/members"), json={"name": "钱多多", "organisation_ids": [str(branch), str(enterprise_branch)]}, headers=h
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/validation-error") and body["errors"][0]["field"] == "organisation_ids"
    assert "幸福家园小区党支部" in body["errors"][0]["message"] and "红城物业党支部" in body["errors"][0]["message"]
    assert (await count(db, PartyMember), await count(db, PartyMembership)) == before

    ok = await client.post(
        api(a1, "/members"),
        json={
            "name": "钱多多",
            "organisation_ids": [str(branch), str(community)],
            "phone": "13912345670",
            "serving": True,
            "registered_on": "2026-01-05",
            "workplace": "文峰区税务局",
        },
        headers=h,
    )
    assert ok.status_code == 201, ok.text
    member = ok.json()
    assert [ms["level"] for ms in member["memberships"]] == ["community", "branch"]
    again = await client.post(api(a1, f"/members/{member['id']}/memberships"), json={"organisation_id": str(enterprise_branch)}, headers=h)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "organisation_id"
    assert await count(db, PartyMembership) == before[1] + 2

    # registering at the community is for serving members only
    r = await client.post(api(a1, "/members"), json={"name": "孙一", "registered_on": "2026-01-05"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "registered_on"
    # one secretary per organisation
    r = await client.post(api(a1, "/members"), json={"name": "孙二", "organisation_ids": [str(branch)], "post": "secretary"}, headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "post"
    assert await count(db, PartyMember) == before[0] + 1


async def test_cross_appointment_against_the_districts_target(client, as_user, city):
    h = await as_user("party-secretary-1")
    cross = (await client.get(api(city.compounds["A1"], "/cross-appointment"), headers=h)).json()
    # the demo's chair and vice-chair are party members; the chair is the branch's secretary
    assert (cross["committee_members"], cross["committee_party_members"]) == (3, 2)
    assert Decimal(cross["committee_party_share"]) == Decimal("66.67") and cross["share_met"] is True
    assert cross["secretary_on_committee"] is True and cross["secretary_name"]
    chair = next(p for p in cross["people"] if p["name"] == cross["secretary_name"])
    assert {(p["body"], p["post"]) for p in chair["posts"]} >= {("party", "secretary"), ("committee", "chair")}

    d = await as_user("district-1-admin")
    assert (await client.put("/api/v1/party_building/targets", json={"committee_party_share": "70"}, headers=d)).status_code == 200
    cross = (await client.get(api(city.compounds["A1"], "/cross-appointment"), headers=h)).json()
    assert cross["share_target"] == "70.00" and cross["share_met"] is False
    assert (await client.put("/api/v1/party_building/targets", json={"committee_party_share": "170"}, headers=d)).json()["errors"][0][
        "field"
    ] == "committee_party_share"


async def test_central_households_look_after_a_building(client, as_user, city, db):
    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    members = (await client.get(api(a1, "/members"), params={"q": "王志强"}, headers=h)).json()["items"]
    buildings = (await client.get(f"/api/v1/compounds/{a1}/buildings", headers=await as_user("ent-a-admin"))).json()["items"]
    second = next(b for b in buildings if b["name"] == "2号楼")
    r = await client.post(api(a1, "/central-households"), json={"member_id": members[0]["id"], "building_id": second["id"]}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["households"] == 10  # 12 rooms, two of them the developer's and empty
    before = await count(db, CentralHouseholdLink)
    twice = await client.post(api(a1, "/central-households"), json={"member_id": members[0]["id"], "building_id": second["id"]}, headers=h)
    assert twice.status_code == 409 and await count(db, CentralHousehold) == 2 and await count(db, CentralHouseholdLink) == before


async def test_the_audit_log_keeps_no_party_member_data(client, as_user, city, db):
    """The register is written to the audit chain of the writer's tenant; its values stay out of it (special category of personal data)."""
    from core.audit.models import AuditEntry

    h = await as_user("party-secretary-1")
    a1 = city.compounds["A1"]
    branch = await _org_id(db, "幸福家园小区党支部")
    ok = await client.post(
        api(a1, "/members"), json={"name": "赵秘密", "organisation_ids": [str(branch)], "phone": "13912345679"}, headers=h
    )
    assert ok.status_code == 201, ok.text
    async with db.session(Scope.everything("test")) as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.target_type.in_(["party_members", "party_memberships"])))
        ).all()
    assert entries, "the writes are audited"
    text = " ".join(str(e.after) + str(e.before) for e in entries)
    assert "赵秘密" not in text and "13912345679" not in text and "<private>" in text
