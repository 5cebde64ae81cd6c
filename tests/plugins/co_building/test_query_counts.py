"""Statements per request on a typical list and detail route (issue 9, point 1): the list's count does not grow
with the page size, and both stay small. Run against an older commit, the same test gives the "before" numbers."""

from __future__ import annotations

from core.testing.statements import recording

LIST_BUDGET = 25
DETAIL_BUDGET = 25


counting = recording  # the core helper (tests import it from here too)


def _url(city, *rest: str) -> str:
    return "/".join([f"/api/v1/compounds/{city.compounds['A1']}/co_building/requests", *rest]).rstrip("/") + ("/" if not rest else "")


async def test_the_work_order_list_costs_the_same_for_5_and_50_rows_and_the_detail_stays_small(app, client, as_user, city):
    headers = await as_user("ent-a-manager")
    await client.get(_url(city), headers=headers)  # warm: first use of the policy, templates, pools
    counts = {}
    for limit in (5, 50):
        tries = []
        for _ in range(3):  # the least of three: a background loop sharing the engine may slip a statement in
            with counting(app) as seen:
                r = await client.get(_url(city), params={"limit": limit}, headers=headers)
            assert r.status_code == 200, r.text
            tries.append(len(seen))
        counts[limit] = min(tries)
    rows = r.json()["items"]
    assert len(rows) > 5, "the demo has more orders than the small page"
    with counting(app) as seen:
        detail = await client.get(_url(city, rows[0]["id"]), headers=headers)
    assert detail.status_code == 200, detail.text
    print(f"\nstatements per request: list limit=5 {counts[5]}, limit=50 {counts[50]}, detail {len(seen)}")
    assert counts[5] == counts[50]
    assert counts[50] <= LIST_BUDGET and len(seen) <= DETAIL_BUDGET
