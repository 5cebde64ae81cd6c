"""Every list of party_building costs the same few statements whatever the page size (no query inside a loop),
and a compound route's unit of work sees that compound alone."""

from __future__ import annotations

import pytest

from core.testing.statements import least

from .conftest import api

DISTRICT_LISTS = ["/api/v1/party_building/organisations", "/api/v1/party_building/responsibilities"]
COMPOUND_LISTS = [
    "/members",
    "/central-households",
    "/organisations",
    "/meetings",
    "/meeting-gaps",
    "/action-items",
    "/action-items/tallies",
    "/study-sessions",
    "/study-hours",
    "/disclosures",
    "/pre-reviews",
]


async def _statements(client, app, url: str, headers: dict) -> tuple[int, dict]:
    count, response = await least(app, lambda: client.get(url, headers=headers), tries=2)
    assert response.status_code == 200, (url, response.text)
    return count, response.json()


@pytest.mark.parametrize("path", DISTRICT_LISTS + COMPOUND_LISTS)
async def test_a_list_costs_the_same_statements_for_one_row_or_a_full_page(client, app, as_user, city, path):
    h = await as_user("party-secretary-1")
    url = path if path.startswith("/api/") else api(city.compounds["A1"], path)
    await _statements(client, app, url + "?limit=1", h)  # warm up: a fresh pooled connection asks PostgreSQL a few things once
    one, page_of_one = await _statements(client, app, url + "?limit=1", h)
    many, page = await _statements(client, app, url + "?limit=200", h)
    assert set(page) == {"items", "total", "limit", "offset"} and page_of_one["limit"] == 1
    assert len(page_of_one["items"]) <= 1 and len(page["items"]) == min(page["total"], 200)
    assert one == many, (url, one, many)


async def test_a_compound_list_shows_its_compound_alone_without_a_filter_of_its_own(client, as_user, city):
    """ent-a-admin reaches A1 and A2; the meeting list and the action-item board of one name nothing of the other."""
    h, secretary = await as_user("ent-a-admin"), await as_user("party-secretary-1")
    a1, a2 = city.compounds["A1"], city.compounds["A2"]
    body = {"kind": "joint", "title": "A2 联席会议", "scheduled_at": "2031-05-01T09:00:00+08:00", "invite_property": False}
    made = await client.post(api(a2, "/meetings"), json=body, headers=secretary)
    assert made.status_code == 201, made.text
    for path in ("/meetings", "/action-items", "/meeting-gaps"):
        for compound in (a1, a2):
            items = (await client.get(api(compound, path), params={"limit": 500}, headers=h)).json()["items"]
            assert {i["compound_id"] for i in items} <= {str(compound)}, path
    assert made.json()["id"] in {m["id"] for m in (await client.get(api(a2, "/meetings"), headers=h)).json()["items"]}
    assert made.json()["id"] not in {m["id"] for m in (await client.get(api(a1, "/meetings"), headers=h)).json()["items"]}
