"""Every list of featured services, the care list and red volunteers costs the same statements for one row as for a
full page (no query inside a loop), counted on the app's engine; PostgreSQL's SET LOCAL scope line and the background
pollers sharing the engine are left out."""

from __future__ import annotations

import pytest

from core.testing.statements import least

C = "/api/v1/compounds/{}/co_building"
DISTRICT_RANKINGS = "/api/v1/co_building/volunteers/rankings"
LISTS = [
    "/services",
    "/services?include_inactive=true",
    "/services/{service}/slots",
    "/bookings",
    "/care/subjects",
    "/care/visits",
    "/care/visits?status=missed",
    "/volunteers",
    "/volunteer-teams",
    "/volunteer-rankings?by=hours",
    "/volunteer-rankings?by=points",
    "/activities",
    "/activities/{activity}/signups",
    "/points/ledger",
    "/rewards",
    "/redemptions",
]


async def _statements(client, app, url: str, headers: dict) -> tuple[int, dict]:
    count, response = await least(app, lambda: client.get(url, headers=headers), tries=2)
    assert response.status_code == 200, (url, response.text)
    return count, response.json()


def _with(url: str, **params) -> str:
    return url + ("&" if "?" in url else "?") + "&".join(f"{k}={v}" for k, v in params.items())


async def _same_for_one_and_many(client, app, url: str, headers: dict) -> tuple[int, int, dict]:
    await _statements(client, app, _with(url, limit=1), headers)  # warm up: pools, policy, a fresh connection's questions
    one, page_of_one = await _statements(client, app, _with(url, limit=1), headers)
    many, page = await _statements(client, app, _with(url, limit=200), headers)
    assert set(page) == {"items", "total", "limit", "offset"} and page_of_one["limit"] == 1
    assert len(page_of_one["items"]) <= 1 and len(page["items"]) == min(page["total"], 200)
    return one, many, page


@pytest.mark.parametrize("path", LISTS)
async def test_a_list_costs_the_same_statements_for_one_row_or_a_full_page(client, app, as_user, city, path):
    h = await as_user("ent-a-admin")
    base = C.format(city.compounds["A1"])
    if "{service}" in path:
        service = (await client.get(base + "/services", headers=h)).json()["items"][0]["id"]
        path = path.format(service=service)
    if "{activity}" in path:
        activities = (await client.get(base + "/activities", params={"limit": 500}, headers=h)).json()["items"]
        path = path.format(activity=max(activities, key=lambda a: a["signed_up"] + a["waiting"])["id"])
    one, many, page = await _same_for_one_and_many(client, app, base + path, h)
    assert one == many, (path, one, many)
    print(f"\n{path}: {one} statements for 1 row and for {len(page['items'])}")


async def test_the_sign_ups_of_a_full_activity_with_a_waiting_list_cost_the_same(client, app, as_user, city):
    """The demo's upcoming activity is full with one volunteer waiting: positions come from one statement."""
    h = await as_user("ent-a-admin")
    base = C.format(city.compounds["A1"])
    activities = (await client.get(base + "/activities", params={"upcoming": "true"}, headers=h)).json()["items"]
    full = next(a for a in activities if a["waiting"])
    one, many, page = await _same_for_one_and_many(client, app, base + f"/activities/{full['id']}/signups", h)
    assert one == many and page["total"] >= 4
    assert [s["waiting_position"] for s in page["items"] if s["status"] == "waiting"] == [1]


async def test_the_district_ranking_costs_the_same_for_one_row_or_a_full_page(client, app, as_user):
    for user in ("district-1-admin", "ent-a-admin"):
        h = await as_user(user)
        for by in ("hours", "points"):
            one, many, page = await _same_for_one_and_many(client, app, f"{DISTRICT_RANKINGS}?by={by}", h)
            assert one == many, (user, by, one, many)
            assert page["total"] >= 1


async def test_a_compound_list_shows_its_compound_alone_without_a_filter_of_its_own(client, as_user, city):
    """ent-a-admin reaches A1 and A2; the services write no compound_id filter, the route's unit of work does."""
    h = await as_user("ent-a-admin")
    a1, a2 = C.format(city.compounds["A1"]), C.format(city.compounds["A2"])
    made = {
        "/services": (
            await client.post(a2 + "/services", json={"name": "书香苑代收快递", "category": "parcel", "price_fen": 0}, headers=h)
        ).json(),
        "/volunteer-teams": (await client.post(a2 + "/volunteer-teams", json={"name": "书香苑服务队"}, headers=h)).json(),
        "/rewards": (await client.post(a2 + "/rewards", json={"name": "书香苑纪念品", "points_cost": 5, "stock": 3}, headers=h)).json(),
    }
    for path, row in made.items():
        assert "id" in row, (path, row)
        in_a2 = {x["id"] for x in (await client.get(a2 + path, params={"limit": 500}, headers=h)).json()["items"]}
        in_a1 = {x["id"] for x in (await client.get(a1 + path, params={"limit": 500}, headers=h)).json()["items"]}
        assert row["id"] in in_a2 and row["id"] not in in_a1, path
