"""Information disclosure (公开): residents see a published item only within its publication period; versions are kept."""

from __future__ import annotations

import datetime as dt

from core import clock
from plugins.party_building.models import Disclosure, DisclosureVersion

from .conftest import api, count

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _today() -> dt.date:
    return clock.now().astimezone(SHANGHAI).date()


async def _titles(client, as_user, compound_id) -> set[str]:
    """What resident-a1 sees (logging in afresh: the clock moves past a token's life)."""
    r = await client.get(api(compound_id, "/public"), headers=await as_user("resident-a1"))
    assert r.status_code == 200, r.text
    return {d["title"] for d in r.json()["disclosures"]}


async def test_a_disclosure_is_shown_only_within_its_period_and_while_published(client, as_user, city):
    a1 = city.compounds["A1"]
    staff = await as_user("ent-a-admin")
    start, until = _today() + dt.timedelta(days=1), _today() + dt.timedelta(days=3)
    r = await client.post(
        api(a1, "/disclosures"),
        json={
            "category": "income_expense",
            "title": "十一月公共收益",
            "body": "停车费 12,000.00 元",
            "publish_from": start.isoformat(),
            "publish_until": until.isoformat(),
            "publish": True,
        },
        headers=staff,
    )
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["status"] == "published" and item["visible"] is False
    draft = (
        await client.post(
            api(a1, "/disclosures"),
            json={"category": "contract", "title": "保洁合同（草稿）", "body": "…", "publish_from": _today().isoformat()},
            headers=staff,
        )
    ).json()

    titles = await _titles(client, as_user, a1)
    assert "十一月公共收益" not in titles and "保洁合同（草稿）" not in titles  # not yet; a draft never
    assert "2026年物业服务收费标准" in titles and "维修资金使用公示（2号楼屋面防水）" not in titles  # the demo's current and expired ones

    clock.advance(dt.timedelta(days=1))  # the first day of the period
    assert "十一月公共收益" in await _titles(client, as_user, a1)
    clock.advance(dt.timedelta(days=2))  # the last day (the end is inclusive)
    assert "十一月公共收益" in await _titles(client, as_user, a1)
    clock.advance(dt.timedelta(days=1))  # expired
    assert "十一月公共收益" not in await _titles(client, as_user, a1)
    assert "保洁合同（草稿）" not in await _titles(client, as_user, a1)

    # extended by a correction (a new version) it shows again; withdrawn, it does not
    staff = await as_user("ent-a-admin")
    fixed = await client.patch(
        api(a1, f"/disclosures/{item['id']}"), json={"publish_until": (_today() + dt.timedelta(days=10)).isoformat()}, headers=staff
    )
    assert fixed.status_code == 200 and fixed.json()["version"] == 2 and [v["version"] for v in fixed.json()["history"]] == [2, 1]
    assert "十一月公共收益" in await _titles(client, as_user, a1)
    withdrawn = await client.post(api(a1, f"/disclosures/{item['id']}/withdraw"), headers=staff)
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["version"] == 3
    assert "十一月公共收益" not in await _titles(client, as_user, a1)
    twice = await client.post(api(a1, f"/disclosures/{item['id']}/withdraw"), headers=staff)
    assert twice.status_code == 409 and twice.json()["allowed"] == ["publish"]
    published = await client.post(api(a1, f"/disclosures/{draft['id']}/publish"), headers=staff)
    assert published.json()["visible"] is True and "保洁合同（草稿）" in await _titles(client, as_user, a1)


async def test_a_disclosure_ending_before_it_starts_is_refused_and_nothing_is_written(client, as_user, city, db):
    staff = await as_user("ent-a-manager")
    before = (await count(db, Disclosure), await count(db, DisclosureVersion))
    r = await client.post(
        api(city.compounds["A1"], "/disclosures"),
        json={"category": "fee_standard", "title": "收费标准", "body": "…", "publish_from": "2026-12-10", "publish_until": "2026-12-01"},
        headers=staff,
    )
    assert r.status_code == 422
    body = r.json()
    assert body["type"].endswith("/validation-error") and body["errors"] == [
        {"field": "publish_until", "message": "the publication ends before it starts", "message_zh": "公开结束日期不能早于开始日期。"}
    ]
    assert (await count(db, Disclosure), await count(db, DisclosureVersion)) == before


async def test_who_manages_disclosures(client, as_user, city):
    a1 = city.compounds["A1"]
    body = {"category": "other", "title": "通知", "body": "…", "publish_from": "2026-12-01"}
    for user, status in (("ent-a-manager", 201), ("party-secretary-1", 403), ("resident-a1", 403), ("ent-b-admin", 404)):
        assert (await client.post(api(a1, "/disclosures"), json=body, headers=await as_user(user))).status_code == status, user
    assert (await client.get(api(a1, "/disclosures"), headers=await as_user("resident-a1"))).status_code == 403  # drafts are staff's
