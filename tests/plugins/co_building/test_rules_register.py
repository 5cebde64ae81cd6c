"""The rules register (制度, standard §4) through the API: versions take effect on their dates and end when the next
one does, overlapping dates are refused, and residents see only published versions — the one in force today first."""

from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.testing.statements import recording

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


def rules(city) -> str:
    return f"/api/v1/compounds/{city.compounds['A1']}/co_building/rules"


async def test_versions_take_effect_on_their_dates_never_overlap_and_residents_see_only_what_is_published(client, as_user, city):
    staff, owner = await as_user("ent-a-admin"), await as_user("resident-a1")
    first = await client.post(
        rules(city) + "/",
        json={"kind": "management_statute", "title": "红城·东关花园管理规约", "body": "第一条 …", "effective_from": "2025-01-01"},
        headers=staff,
    )
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert v1["status"] == "draft" and v1["version"] == 1 and not v1["in_force"]
    assert (await client.get(rules(city) + "/in-force", headers=owner)).json()["items"] == []  # a draft is never shown
    r = await client.post(rules(city) + "/", json={"kind": "constitution", "title": "x", "effective_from": "2025-01-01"}, headers=staff)
    assert r.status_code in (400, 422)
    assert (
        await client.post(rules(city) + "/", json={"kind": "other", "title": "x", "effective_from": "2025-01-01"}, headers=owner)
    ).status_code == 403

    published = await client.post(rules(city) + f"/versions/{v1['id']}/publish", headers=staff)
    assert published.status_code == 200 and published.json()["in_force"] is True
    assert (await client.post(rules(city) + f"/versions/{v1['id']}/publish", headers=staff)).status_code == 409

    # the next version: one draft at a time; a date at or before the version in force is refused, writing nothing
    series = rules(city) + f"/{v1['series_id']}/versions"
    early = await client.post(series, json={"body": "第一条（修订）…", "effective_from": "2024-06-01"}, headers=staff)
    assert early.status_code == 201
    assert (await client.post(series, json={"body": "again", "effective_from": "2027-01-01"}, headers=staff)).status_code == 409
    refused = await client.post(rules(city) + f"/versions/{early.json()['id']}/publish", headers=staff)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "effective_from"
    register = (await client.get(rules(city) + "/in-force", headers=owner)).json()["items"]
    assert [r["in_force"]["version"] for r in register] == [1]

    # a later one: published now, in force from its day; version 1 ends the day before and stays in the history
    later = await client.post(
        series.replace("/versions", "") + "/versions", json={"body": "第一条（2027年修订）…", "effective_from": "2026-12-10"}, headers=staff
    )
    assert later.status_code == 409  # the refused early draft is still the draft
    staff_list = (await client.get(rules(city) + "/?limit=50", headers=staff)).json()["items"]
    assert any(v["status"] == "draft" for v in staff_list)
    resident_list = (await client.get(rules(city) + "/?limit=50", headers=owner)).json()["items"]
    assert all(v["status"] != "draft" for v in resident_list) and len(resident_list) == 1


async def test_the_next_version_ends_the_previous_one_on_its_date(client, as_user, city):
    staff, owner = await as_user("ent-a-admin"), await as_user("resident-a1")
    v1 = (
        await client.post(
            rules(city) + "/",
            json={"kind": "service_standards", "title": "物业服务标准", "body": "二级服务", "effective_from": "2026-01-01"},
            headers=staff,
        )
    ).json()
    await client.post(rules(city) + f"/versions/{v1['id']}/publish", headers=staff)
    v2 = (
        await client.post(
            rules(city) + f"/{v1['series_id']}/versions", json={"body": "一级服务", "effective_from": "2026-12-10"}, headers=staff
        )
    ).json()
    r = await client.post(rules(city) + f"/versions/{v2['id']}/publish", headers=staff)
    assert r.status_code == 200 and r.json()["in_force"] is False  # from 10 December
    [rule] = [x for x in (await client.get(rules(city) + "/in-force", headers=owner)).json()["items"] if x["series_id"] == v1["series_id"]]
    assert rule["in_force"]["version"] == 1 and rule["in_force"]["effective_until"] == "2026-12-09"
    assert [h["status"] for h in rule["history"]] == ["published", "superseded"]
    clock.advance(dt.timedelta(days=10))  # 10 December in Shanghai
    owner = await as_user("resident-a1")
    [rule] = [x for x in (await client.get(rules(city) + "/in-force", headers=owner)).json()["items"] if x["series_id"] == v1["series_id"]]
    assert rule["in_force"]["version"] == 2 and rule["in_force"]["body"] == "一级服务"


async def test_the_register_list_costs_the_same_statements_for_one_row_or_a_page(client, app, as_user, city):
    staff = await as_user("ent-a-admin")
    for n in range(3):
        v = (
            await client.post(
                rules(city) + "/", json={"kind": "other", "title": f"制度{n}", "body": "…", "effective_from": "2026-01-01"}, headers=staff
            )
        ).json()
        await client.post(rules(city) + f"/versions/{v['id']}/publish", headers=staff)
    counts = []
    for url in (rules(city) + "/?limit=1", rules(city) + "/?limit=1", rules(city) + "/?limit=50", rules(city) + "/in-force"):
        with recording(app) as counted:
            assert (await client.get(url, headers=staff)).status_code == 200
        counts.append(len(counted))
    assert counts[1] == counts[2], counts
    assert counts[3] <= counts[2] + 1, counts


async def test_the_register_pages_keep_it_and_show_residents_what_is_in_force(client, as_user, city):
    from tests.core.test_web import HTML, sign_in

    staff = await as_user("ent-a-admin")
    v1 = (
        await client.post(
            rules(city) + "/",
            json={
                "kind": "committee_rules",
                "title": "业主委员会议事规则",
                "body": "第一条 业委会每季度召开例会。",
                "effective_from": "2026-01-01",
            },
            headers=staff,
        )
    ).json()
    await client.post(rules(city) + f"/versions/{v1['id']}/publish", headers=staff)
    await client.post(
        rules(city) + f"/{v1['series_id']}/versions", json={"body": "草稿：每月召开例会。", "effective_from": "2027-01-01"}, headers=staff
    )
    client.follow_redirects = False
    a1 = city.compounds["A1"]
    await sign_in(client, "ent-a-admin")
    console = await client.get(f"/console/compounds/{a1}/co_building/rules/", headers=HTML)
    assert console.status_code == 200 and "议事规则" in console.text and "现行有效" in console.text and "草稿（居民不可见）" in console.text
    await sign_in(client, "resident-a1")
    portal = await client.get(f"/portal/compounds/{a1}/co_building/rules/", headers=HTML)
    assert portal.status_code == 200 and "每季度召开例会" in portal.text and "每月召开例会" not in portal.text


async def test_a_community_rule_is_written_once_for_each_compound_of_the_community_under_its_own_scope(client, as_user, city):
    district, other = await as_user("district-1-admin"), await as_user("district-2-admin")
    community = city.regions["community-1-1"]  # A1 and B1
    body = {
        "community_id": str(community),
        "kind": "other",
        "title": "东关社区居民公约",
        "body": "邻里互助。",
        "effective_from": "2026-01-01",
    }
    assert (await client.post("/api/v1/co_building/community-rules/", json=body, headers=other)).status_code == 422  # not its community
    made = await client.post("/api/v1/co_building/community-rules/", json=body, headers=district)
    assert made.status_code == 201, made.text
    assert set(made.json()["compounds"]) == {str(city.compounds["A1"]), str(city.compounds["B1"])}
    series = made.json()["series_id"]
    owner = await as_user("resident-a1")
    assert not [r for r in (await client.get(rules(city) + "/in-force", headers=owner)).json()["items"] if r["series_id"] == series]
    assert (await client.post(f"/api/v1/co_building/community-rules/{series}/publish", headers=district)).status_code == 200
    [rule] = [r for r in (await client.get(rules(city) + "/in-force", headers=owner)).json()["items"] if r["series_id"] == series]
    assert rule["in_force"]["level"] == "community" and rule["in_force"]["body"] == "邻里互助。"
    b1 = f"/api/v1/compounds/{city.compounds['B1']}/co_building/rules/in-force"
    assert any(r["series_id"] == series for r in (await client.get(b1, headers=await as_user("ent-b-admin"))).json()["items"])
    # the next version is published everywhere at once; an earlier date is refused
    r = await client.post(
        f"/api/v1/co_building/community-rules/{series}/versions", json={"body": "新公约", "effective_from": "2025-06-01"}, headers=district
    )
    assert r.status_code == 201
    refused = await client.post(f"/api/v1/co_building/community-rules/{series}/publish", headers=district)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "effective_from"
