"""OpenAPI 3.1 with an offline viewer, health probes."""

from __future__ import annotations


async def test_openapi_schema_is_3_1_and_lists_the_api(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/compounds" in schema["paths"] and "/api/v1/auth/login" in schema["paths"]
    assert schema["paths"]["/api/v1/compounds"]["get"]["operationId"] == "listCompounds"


async def test_interactive_viewer_uses_only_local_assets(client):
    page = await client.get("/schema/swagger")
    assert page.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    asset = await client.get("/static/swagger/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "database": "ok", "broker": "ok"}


async def test_readiness_fails_when_the_broker_is_down(client, app):
    from dataclasses import replace

    app.state.settings = replace(app.state.settings, broker_url="redis://127.0.0.1:1/0")
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["broker"].startswith("unreachable")


async def test_every_list_endpoint_is_paginated(client):
    """No GET under /api/v1 answers a bare JSON array: lists are pages (items, total, limit, offset)."""
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema.get("components", {}).get("schemas", {})

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    bare = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        get = operations.get("get")
        if not get:
            continue
        for status, response in get.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            for media in response.get("content", {}).values():
                if resolve(media.get("schema", {})).get("type") == "array":
                    bare.append(path)
    assert sorted(set(bare)) == []
