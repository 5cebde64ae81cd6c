"""Inputs that reached a 500 get a 4xx problem naming the field (issue 16, point 4).

The general tests walk the served OpenAPI document: every list route with an ``offset`` gets a huge one, every
route with a ``status`` filter an unknown value, every route with a ``q`` search the LIKE wildcards.
"""

from __future__ import annotations

import uuid

import pytest

from core.inputs import MAX_JSON_DEPTH, contains, json_depth, like_pattern, nul_field, one_of
from core.pagination import MAX_OFFSET
from core.problems import Problem

USERS = ("ent-a-admin", "platform", "district-1-admin", "resident-a1")


def _fill(path: str, city) -> str:
    ids = {"compound_id": city.compounds["A1"], "tenant_id": city.tenants["A"]}
    out = path
    for name in [p.split("}")[0].split(":")[0] for p in path.split("{")[1:]]:
        out = out.replace("{" + name + "}", str(ids.get(name, uuid.uuid4())))
    return out


async def _list_routes(client, parameter: str):
    schema = (await client.get("/schema/openapi.json")).json()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get and any(p.get("name") == parameter and p.get("in") == "query" for p in get.get("parameters", [])):
            yield path, get["operationId"]


async def _reader(client, as_user, url: str):
    """The first demo user who gets a 200 for ``url`` (headers), or None."""
    for user in USERS:
        headers = await as_user(user)
        if (await client.get(url, headers=headers)).status_code == 200:
            return headers
    return None


def _names(response, field: str) -> bool:
    body = response.json()
    return response.headers["content-type"].startswith("application/problem+json") and any(
        e.get("field") == field for e in body.get("errors", [])
    )


# --------------------------------------------------------------------------- units


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert json_depth(b'"x"') == 0
    assert json_depth(b'{"a": "\\"[["}') == 1


def test_nul_field_names_the_path():
    assert nul_field({"a": [{"b": "ok"}, {"c": "x\x00"}]}) == "a[1].c"
    assert nul_field({"k\x00": 1}) == "k\x00"
    assert nul_field({"a": "fine"}) is None


def test_like_pattern_escapes_wildcards():
    assert like_pattern("50%_off") == "%50\\%\\_off%"
    assert like_pattern("a\\b", prefix=True) == "a\\\\b%"


def test_one_of_lists_the_allowed_values():
    assert one_of("status", None, ("a",)) is None and one_of("status", "a", ("a", "b")) == "a"
    with pytest.raises(Problem) as refused:
        one_of("status", "zzz", ("a", "b"))
    assert refused.value.status == 422 and "allowed: a, b" in refused.value.detail and refused.value.extra["errors"][0]["field"] == "status"


async def test_contains_matches_percent_and_underscore_literally(db):
    from sqlalchemy import literal, select

    from core.db import Scope

    async with db.session(Scope.nothing()) as session:
        assert await session.scalar(select(contains(literal("a 50% share"), "50%"))) is True
        assert await session.scalar(select(contains(literal("abc"), "%"))) is False
        assert await session.scalar(select(contains(literal("abc"), "_"))) is False
        assert await session.scalar(select(contains(literal("a_c"), "_"))) is True


# --------------------------------------------------------------------------- through HTTP, every route


async def test_a_huge_offset_is_refused_naming_offset_on_every_list_route(client, as_user, city):
    headers = await as_user("ent-a-admin")
    refused, failures = 0, []
    async for path, operation in _list_routes(client, "offset"):
        response = await client.get(_fill(path, city), params={"offset": str(10**19)}, headers=headers)
        if response.status_code in (400, 422) and _names(response, "offset"):
            refused += 1
        elif response.status_code not in (401, 403, 404):
            failures.append(f"{operation}: {response.status_code}")
    assert failures == []
    assert refused > 20
    just_over = await client.get("/api/v1/users", params={"offset": str(MAX_OFFSET + 1)}, headers=headers)
    assert just_over.status_code == 400 and _names(just_over, "offset")
    assert (await client.get("/api/v1/users", params={"offset": str(MAX_OFFSET)}, headers=headers)).status_code == 200


async def test_pages_refuse_a_huge_offset_too(client, as_user):
    headers = await as_user("ent-a-admin")
    response = await client.get("/console/inbox", params={"offset": str(10**19)}, headers=headers)
    assert 400 <= response.status_code < 500


async def test_unknown_status_filters_are_refused_naming_the_filter_and_the_allowed_values(client, as_user, city):
    checked, failures = [], []
    async for path, operation in _list_routes(client, "status"):
        url = _fill(path, city)
        headers = await _reader(client, as_user, url)
        if headers is None:
            continue
        response = await client.get(url, params={"status": "no-such-status"}, headers=headers)
        checked.append(operation)
        if not (response.status_code == 422 and _names(response, "status") and "allowed:" in response.json()["detail"]):
            failures.append(f"{operation}: {response.status_code} {response.text[120:260]}")
    assert failures == []
    assert len(checked) >= 5, checked


async def test_search_terms_match_percent_and_underscore_literally(client, as_user, city):
    checked = []
    async for path, operation in _list_routes(client, "q"):
        url = _fill(path, city)
        headers = await _reader(client, as_user, url)
        if headers is None:
            continue
        for wildcard in ("%", "_", "%%"):
            response = await client.get(url, params={"q": wildcard}, headers=headers)
            assert response.status_code == 200, (operation, response.text)
            assert response.json()["total"] == 0, (operation, wildcard)  # no demo title or name holds a % or _
        checked.append(operation)
    assert checked, "no list route with a q search was reachable"


async def test_a_nul_character_is_refused_naming_the_field(client, as_user):
    headers = await as_user("ent-a-admin")
    body = {"username": "nul-user", "display_name": "张\x00三", "password": "long-enough-pw"}
    response = await client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 400 and _names(response, "display_name"), response.text
    response = await client.get("/api/v1/users", params={"offset": "0", "q": "a\x00"}, headers=headers)
    assert response.status_code == 400 and _names(response, "q")
    from tests.core.test_web import HTML, csrf_of

    token = csrf_of((await client.get("/console/login", headers=HTML)).text)
    form = await client.post("/console/login", data={"username": "a\x00b", "password": "x", "_csrf": token}, headers=HTML)
    assert form.status_code == 400, form.text[:300]


async def test_deeply_nested_json_is_refused(client):
    deep = "[" * 100_000 + "]" * 100_000
    body = '{"username": ' + deep + ', "password": "x"}'
    response = await client.post("/api/v1/auth/login", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and _names(response, "body"), response.text[:200]
    ok = '{"username": "ent-a-admin", "password": "redprop-demo"}'
    assert json_depth(ok.encode()) < MAX_JSON_DEPTH


@pytest.mark.parametrize("blank", ["   ", "\u3000", "\t\n"])
async def test_whitespace_only_names_are_refused(client, as_user, blank):
    headers = await as_user("ent-a-admin")
    body = {"username": "blank-user", "display_name": blank, "password": "long-enough-pw"}
    response = await client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 400 and _names(response, "display_name"), response.text


async def test_bills_for_a_far_future_period_are_refused_naming_the_period(client, as_user, city):
    """Issuing bills for 9999-12 overflowed the due date (a 500); a period more than a year ahead is refused."""
    schema = (await client.get("/schema/openapi.json")).json()
    path = next(p for p, ops in schema["paths"].items() if ops.get("post", {}).get("operationId") == "generateBills")
    url = _fill(path, city)
    headers = await as_user("ent-a-admin")
    for period in ("9999-12", "1970-01"):
        response = await client.post(url, json={"period": period}, headers=headers)
        assert response.status_code == 422 and _names(response, "period"), response.text
