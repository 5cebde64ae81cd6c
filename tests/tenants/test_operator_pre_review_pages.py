"""The console's change of operator passes the community party organisation's pre-review first (前置把关, issue 15,
point 4): the compound page requests it, shows where it stands for each enterprise, and the change answers 409 until
the review approves it."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import Scope
from tenants.models import Compound
from tests.conftest import login
from tests.core.test_web import HTML, csrf_of, sign_in


async def test_the_console_requests_the_review_and_changes_the_operator_only_once_approved(client, city, db):
    client.follow_redirects = False
    a1, b = city.compounds["A1"], city.tenants["B"]
    await sign_in(client, "district-1-admin")
    profile = await client.get(f"/console/compounds/{a1}", headers=HTML)
    assert profile.status_code == 200 and 'id="request-operator-review"' in profile.text and "须经社区党组织前置把关" in profile.text
    assert re.search(rf'<option value="{b}" disabled>[^<]*未提请前置把关', profile.text)  # not offered for the change yet

    early = await client.post(
        f"/console/compounds/{a1}/operator", data={"tenant_id": str(b), "_csrf": csrf_of(profile.text), "_confirmed": "yes"}, headers=HTML
    )
    assert early.status_code == 409 and "前置把关" in early.text
    asked = await client.post(
        f"/console/compounds/{a1}/operator/pre-review",
        data={"tenant_id": str(b), "note": "业主大会决定更换", "_csrf": csrf_of(profile.text)},
        headers=HTML,
    )
    assert asked.status_code == 303
    profile = await client.get(f"/console/compounds/{a1}", headers=HTML)
    assert re.search(rf'<option value="{b}" disabled>[^<]*待社区党组织把关', profile.text)

    secretary = await login(client, "party-secretary-1")
    base = f"/api/v1/compounds/{a1}/party_building/pre-reviews"
    waiting = (await client.get(base + "?state=requested&limit=200", headers=secretary)).json()["items"]
    review = next(w for w in waiting if w["matter"] == "hire_property_company" and "安居" in w["subject_title"])
    assert "业主大会决定更换" in review["subject_title"]
    assert (await client.post(f"{base}/{review['id']}/record", json={"opinion": "approve"}, headers=secretary)).status_code == 200

    await sign_in(client, "district-1-admin")
    profile = await client.get(f"/console/compounds/{a1}", headers=HTML)
    assert re.search(rf'<option value="{b}" >[^<]*前置把关已同意', profile.text)
    done = await client.post(
        f"/console/compounds/{a1}/operator", data={"tenant_id": str(b), "_csrf": csrf_of(profile.text), "_confirmed": "yes"}, headers=HTML
    )
    assert done.status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == a1)) == b
