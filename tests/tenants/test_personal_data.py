"""Personal data: ID-card numbers encrypted at rest, phone and ID masked for roles without the right."""

from __future__ import annotations

from sqlalchemy import text

from core.db import Scope
from core.security import mask_id_card, mask_phone


def test_masks():
    assert mask_id_card("410102199001011234") == "4101**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_card(None) is None


async def _residents(client, headers, compound):
    r = await client.get(f"/api/v1/compounds/{compound}/residents", headers=headers, params={"limit": 5})
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_enterprise_staff_with_the_right_see_full_numbers(client, as_user, city):
    items = await _residents(client, await as_user("ent-a-admin"), city.compounds["A1"])
    cards = [i["id_card"] for i in items if i["id_card"] is not None]  # the demo registers some people without one
    assert cards and all(not i["masked"] for i in items) and all(len(c) == 18 and "*" not in c for c in cards)


async def test_district_sees_masked_numbers(client, as_user, city):
    items = await _residents(client, await as_user("district-1-admin"), city.compounds["A1"])
    assert items and all(i["masked"] for i in items)
    assert any(i["id_card"] for i in items)
    assert all((i["id_card"] is None or i["id_card"][4:14] == "*" * 10) and i["phone"][3:7] == "****" for i in items)


async def test_residents_and_officers_cannot_list_residents(client, as_user, city):
    for user in ("resident-a1", "officer-1"):
        r = await client.get(f"/api/v1/compounds/{city.compounds['A1']}/residents", headers=await as_user(user))
        assert r.status_code == 403


async def test_id_card_numbers_are_encrypted_at_rest(client, as_user, city, db):
    h = await as_user("ent-a-admin")
    plain = next(i["id_card"] for i in await _residents(client, h, city.compounds["A1"]) if i["id_card"])
    async with db.session(Scope.everything("test check")) as session:
        raw = (await session.execute(text("SELECT id_card_cipher FROM residents"))).scalars().all()
    blobs = [bytes(b) for b in raw if b]
    assert blobs and not any(plain.encode() in b for b in blobs)


async def test_invalid_id_card_is_refused(client, as_user, city):
    h = await as_user("ent-a-admin")
    household = (await client.get(f"/api/v1/compounds/{city.compounds['A1']}/households", headers=h)).json()["items"][0]["id"]
    bad = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/residents",
        json={"household_id": household, "name": "李四", "role": "tenant", "id_card": "410102199001011235"},
        headers=h,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_card"
    from core.validators import id_card_check_char

    for body, why in (("41050220991231001", "future"), ("00000019800101001", "division")):
        refused = await client.post(
            f"/api/v1/compounds/{city.compounds['A1']}/residents",
            json={"household_id": household, "name": "李四", "role": "tenant", "id_card": body + id_card_check_char(body)},
            headers=h,
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "id_card", refused.text
        assert why in refused.json()["errors"][0]["message"]
    good = await client.post(
        f"/api/v1/compounds/{city.compounds['A1']}/residents",
        json={"household_id": household, "name": "李四", "role": "tenant", "id_card": "11010519491231002X", "phone": "13912345678"},
        headers=h,
    )
    assert good.status_code == 201 and good.json()["id_card"] == "11010519491231002X"
