"""Social forces, publicity and model selections through the API: nominations reviewed, a public vote with one vote
per resident per selection, news for a compound's residents, personal data masked, bad input refused."""

from __future__ import annotations

from tests.plugins.coordination.conftest import DESK

C = "/api/v1/compounds/{}/coordination"


async def test_a_selection_runs_from_nominations_to_a_public_vote_with_one_vote_per_resident(client, as_user, city):
    admin, resident, neighbour = await as_user("district-1-admin"), await as_user("resident-a1"), await as_user("resident-a1b")
    a1 = C.format(city.compounds["A1"])
    r = await client.post(f"{DESK}/selections", json={"kind": "civilised_family", "title": "2026年度文明家庭评选"}, headers=admin)
    assert r.status_code == 201, r.text
    selection = r.json()
    assert selection["state"] == "nominating" and selection["allowed"] == ["review"]
    sid = selection["id"]
    # residents nominate
    ids = []
    for headers, nominee in ((resident, "张建国家庭"), (neighbour, "李秀英家庭"), (resident, "王伟家庭")):
        r = await client.post(f"{a1}/selections/{sid}/nominations", json={"nominee": nominee, "reason": "孝老爱亲"}, headers=headers)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    # the vote cannot open before the review; illegal moves name the allowed ones
    r = await client.post(f"{DESK}/selections/{sid}/moves", json={"action": "open_vote"}, headers=admin)
    assert r.status_code == 409 and r.json()["allowed"] == ["review"]
    assert (await client.post(f"{DESK}/selections/{sid}/moves", json={"action": "review"}, headers=admin)).status_code == 200
    assert (await client.post(f"{a1}/selections/{sid}/nominations", json={"nominee": "迟到的提名"}, headers=resident)).status_code == 409
    for nid, approve in zip(ids, (True, True, False), strict=True):
        body = {"approve": approve, "note": "" if approve else "不符合条件"}
        assert (await client.post(f"{DESK}/selections/{sid}/nominations/{nid}/review", json=body, headers=admin)).status_code == 200
    r = await client.post(f"{DESK}/selections/{sid}/nominations/{ids[2]}/review", json={"approve": False}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    # voting before it opens is refused
    assert (await client.post(f"{a1}/selections/{sid}/votes", json={"nomination_id": ids[0]}, headers=resident)).status_code == 409
    assert (await client.post(f"{DESK}/selections/{sid}/moves", json={"action": "open_vote"}, headers=admin)).status_code == 200
    # residents see the approved nominees only, and vote once
    seen = next(x for x in (await client.get(f"{a1}/selections", headers=resident)).json()["items"] if x["id"] == sid)
    assert [n["nominee"] for n in seen["nominations"]] == ["张建国家庭", "李秀英家庭"] and seen["my_vote"] is None
    r = await client.post(f"{a1}/selections/{sid}/votes", json={"nomination_id": ids[2]}, headers=resident)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "nomination_id"  # rejected nominee
    r = await client.post(f"{a1}/selections/{sid}/votes", json={"nomination_id": ids[1]}, headers=resident)
    assert r.status_code == 200 and r.json()["my_vote"] == ids[1]
    again = await client.post(f"{a1}/selections/{sid}/votes", json={"nomination_id": ids[0]}, headers=resident)
    assert again.status_code == 409
    assert (await client.post(f"{a1}/selections/{sid}/votes", json={"nomination_id": ids[1]}, headers=neighbour)).status_code == 200
    # staff do not vote
    assert (
        await client.post(f"{a1}/selections/{sid}/votes", json={"nomination_id": ids[0]}, headers=await as_user("ent-a-manager"))
    ).status_code == 403
    assert (await client.post(f"{DESK}/selections/{sid}/moves", json={"action": "close"}, headers=admin)).status_code == 200
    result = next(x for x in (await client.get(f"{DESK}/selections", headers=admin)).json()["items"] if x["id"] == sid)
    assert result["state"] == "closed" and result["total_votes"] == 2
    assert {n["nominee"]: n["votes"] for n in result["nominations"]} == {"张建国家庭": 0, "李秀英家庭": 2, "王伟家庭": 0}
    # district 2 does not see district 1's selection
    assert (await client.get(f"{DESK}/selections", headers=await as_user("district-2-admin"))).json()["total"] == 0


async def test_news_social_forces_and_projects_reach_the_compound_s_residents(client, as_user, city):
    admin, resident = await as_user("district-1-admin"), await as_user("resident-a1")
    a1, a2 = city.compounds["A1"], city.compounds["A2"]
    for body in (
        {"kind": "campaign", "theme": "family_virtue", "title": "弘扬家庭美德，共建文明小区"},
        {"kind": "news", "title": "书香苑开展消防演练", "compound_id": str(a2)},
    ):
        assert (await client.post(f"{DESK}/articles", json=body, headers=admin)).status_code == 201
    titles = [a["title"] for a in (await client.get(f"{C.format(a1)}/articles", headers=resident)).json()["items"]]
    assert "弘扬家庭美德，共建文明小区" in titles and "书香苑开展消防演练" not in titles
    r = await client.post(
        f"{DESK}/social-forces",
        json={"kind": "volunteer_team", "name": "文峰青年志愿服务队", "contact_name": "赵队长", "contact_phone": "13912345678"},
        headers=admin,
    )
    assert r.status_code == 201 and r.json()["contact_phone"] == "13912345678"
    force = r.json()
    r = await client.post(
        f"{DESK}/social-forces/{force['id']}/projects",
        json={"title": "银龄关爱助餐", "starts_on": "2026-12-01", "compound_ids": [str(a1)]},
        headers=admin,
    )
    assert r.status_code == 201 and r.json()["compound_ids"] == [str(a1)]
    projects = (await client.get(f"{C.format(a1)}/social-projects", headers=resident)).json()["items"]
    assert "文峰青年志愿服务队" in [p["force_name"] for p in projects]
    # an officer reads the registry with the contact's phone masked
    listed = (await client.get(f"{DESK}/social-forces", headers=await as_user("officer-1"))).json()["items"]
    phone = next(f for f in listed if f["id"] == force["id"])["contact_phone"]
    assert phone != "13912345678" and "*" in phone
    # bad input
    for body, field in (
        ({"kind": "gossip", "title": "x"}, "kind"),
        ({"kind": "news", "title": "x", "theme": "luck"}, "theme"),
        ({"kind": "news", "title": "x", "compound_id": str(city.compounds["C1"])}, "compound_id"),
    ):
        r = await client.post(f"{DESK}/articles", json=body, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    r = await client.post(
        f"{DESK}/social-forces/{force['id']}/projects",
        json={"title": "x", "starts_on": "2026-12-01", "ends_on": "2026-11-01"},
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"
    assert (await client.post(f"{DESK}/articles", json={"kind": "news", "title": "x"}, headers=resident)).status_code == 403
