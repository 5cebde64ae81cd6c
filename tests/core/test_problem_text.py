"""Problem bodies say their title, detail and each field's error in Chinese beside the stable English (issue 15,
point 7): ``title_zh``, ``detail_zh`` and ``message_zh``, so a UI (or an API client) shows a person words, not codes."""

from __future__ import annotations

import uuid

from tenants.demo import credit_code


def _chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


async def test_a_refused_field_is_said_in_chinese_beside_the_english(client, as_user):
    h = await as_user("platform")
    r = await client.post("/api/v1/tenants", json={"kind": "enterprise", "name": "   ", "credit_code": credit_code(778)}, headers=h)
    assert r.status_code in (400, 422), r.text
    problem = r.json()
    assert problem["title"] == "Invalid input" and problem["title_zh"] == "输入有误" or _chinese(problem["title_zh"])
    error = next(e for e in problem["errors"] if e["field"] == "name")
    assert error["message"] and _chinese(error["message_zh"]), error  # the English stays for programs
    assert _chinese(problem["detail_zh"]) and "name" not in problem["detail_zh"]


async def test_a_missing_field_and_a_wrong_type_each_say_what_to_do(client, as_user):
    h = await as_user("platform")
    r = await client.post("/api/v1/tenants", json={"kind": "enterprise", "name": 42}, headers=h)
    assert r.status_code == 400
    messages = {e["field"]: e["message_zh"] for e in r.json()["errors"]}
    assert all(_chinese(m) for m in messages.values()), messages
    assert _chinese(r.json()["detail_zh"])


async def test_not_found_forbidden_and_a_conflict_carry_chinese_titles_and_details(client, as_user):
    h = await as_user("platform")
    missing = await client.get(f"/api/v1/compounds/{uuid.uuid4()}", headers=h)
    assert missing.status_code == 404
    body = missing.json()
    assert body["title"] == "Not found" and _chinese(body["title_zh"]) and _chinese(body["detail_zh"])

    good = {"kind": "enterprise", "name": "重复物业公司", "credit_code": credit_code(779)}
    assert (await client.post("/api/v1/tenants", json=good, headers=h)).status_code == 201
    again = (await client.post("/api/v1/tenants", json=good, headers=h)).json()
    assert again["status"] == 409 and _chinese(again["title_zh"]) and _chinese(again["detail_zh"])

    staff = await as_user("ent-a-staff")
    refused = await client.post("/api/v1/tenants", json=good, headers=staff)
    assert refused.status_code == 403 and _chinese(refused.json()["title_zh"]) and _chinese(refused.json()["detail_zh"])


async def test_a_plugin_s_own_chinese_is_kept(client, as_user, city):
    """A matter blocked by pre-review writes its own Chinese; the body keeps it rather than a generic sentence."""
    h = await as_user("district-1-admin")
    base = f"/api/v1/compounds/{city.compounds['A1']}/co_building/votes"
    draft = await client.post(
        base, json={"title": "选聘新物业服务企业", "matter": "hire_property_company", "closes_at": "2099-01-01T00:00:00Z"}, headers=h
    )
    assert draft.status_code == 201, draft.text
    opened = await client.post(f"{base}/{draft.json()['id']}/open", headers=h)
    assert opened.status_code == 409 and opened.json()["type"].endswith("pre-review-required"), opened.text
    body = opened.json()
    assert body["title_zh"] == "需要前置把关" and "前置把关" in body["detail_zh"] and body["title"] != body["title_zh"]


async def test_the_openapi_problem_schema_names_the_chinese_members(client):
    schema = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    assert {"title_zh", "detail_zh"} <= set(schema["Problem"]["properties"])
    assert "message_zh" in schema["FieldError"]["properties"]
