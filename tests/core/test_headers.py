"""Security headers on every kind of response (issue 16, point 6): pages, API answers, problems, the router's own
404 and 405, the API viewer and its assets, static files; HSTS only when the client came through TLS."""

from __future__ import annotations

import dataclasses
import re

import pytest
from litestar.testing import AsyncTestClient

from core.app import rebind
from core.security import SECURITY_HEADERS

pytestmark = pytest.mark.asyncio

REQUIRED = {name for name, _ in SECURITY_HEADERS}


def assert_secured(response, what: str) -> None:
    missing = sorted(name for name in REQUIRED if name not in response.headers)
    assert not missing, f"{what} ({response.status_code}) lacks {missing}"
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{what}: {csp}"
    assert "frame-ancestors 'none'" in csp, f"{what}: {csp}"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert "camera=()" in response.headers["permissions-policy"]


async def test_every_kind_of_response_carries_the_headers(client, as_user):
    headers = await as_user("ent-a-admin")
    cases = {
        "API answer": await client.get("/api/v1/me", headers=headers),
        "public API answer": await client.get("/healthz"),
        "401 problem": await client.get("/api/v1/me"),
        "400 problem (NUL in a query value)": await client.get("/api/v1/users?q=%00", headers=headers),
        "router 404": await client.get("/no/such/route"),
        "router 405": await client.delete("/healthz"),
        "console page": await client.get("/console/login"),
        "portal page": await client.get("/portal/login"),
        "API viewer": await client.get("/schema"),
        "API viewer (its own path)": await client.get("/schema/swagger"),
        "OpenAPI document": await client.get("/schema/openapi.json"),
        "schema 404 page": await client.get("/schema/nothing-here"),
        "viewer asset": await client.get("/static/swagger/swagger-ui-bundle.js"),
        "viewer start script": await client.get("/static/web/api-viewer.js"),
    }
    statuses = {what: r.status_code for what, r in cases.items()}
    assert statuses["API answer"] == 200 and statuses["401 problem"] == 401 and statuses["router 404"] == 404
    assert statuses["router 405"] == 405 and statuses["400 problem (NUL in a query value)"] == 400
    assert all(
        statuses[w] == 200 for w in ("API viewer", "API viewer (its own path)", "OpenAPI document", "viewer asset", "viewer start script")
    )
    for what, response in cases.items():
        assert_secured(response, what)


async def test_the_api_viewer_runs_without_inline_script_or_a_cdn(client):
    page = (await client.get("/schema")).text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts, page
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), f"inline script in the viewer: {attributes} {body[:80]}"
    assert "<style" not in page and " style=" not in page and "onload=" not in page
    urls = re.findall(r"(?:src|href)='([^']+)'", page)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    for url in urls:  # everything the viewer loads comes from this host
        assert (await client.get(url)).status_code == 200, url
    # Swagger UI 5: version 4 (swagger-ui-bundle 1.1) answered "Unable to render this definition" to OpenAPI 3.1
    import swagger_ui_bundle

    assert "swagger-ui-5." in str(swagger_ui_bundle.swagger_ui_path)
    spec = re.search(r"data-spec-url='([^']+)'", page).group(1)
    assert (await client.get(spec)).json()["openapi"].startswith("3.")


async def test_hsts_only_over_tls(app, settings):
    async def hsts(setting_changes: dict, *, base_url: str = "http://testserver.local", **headers: str) -> str | None:
        rebind(app, dataclasses.replace(settings, **setting_changes))
        async with AsyncTestClient(app=app, base_url=base_url) as c:
            return (await c.get("/healthz", headers=headers)).headers.get("strict-transport-security")

    assert await hsts({}) is None
    assert "max-age=" in (await hsts({}, base_url="https://testserver.local"))
    # X-Forwarded-Proto counts only from a proxy we trust: anyone can send the header
    assert await hsts({}, **{"X-Forwarded-Proto": "https"}) is None
    assert "max-age=" in (await hsts({"trusted_proxies": ("testclient",)}, **{"X-Forwarded-Proto": "https"}))
    assert await hsts({"trusted_proxies": ("testclient",)}, **{"X-Forwarded-Proto": "http"}) is None
    assert "max-age=31536000" in (await hsts({"hsts": True}))
