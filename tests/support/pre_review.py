"""Tests that open an owners' vote on a matter the party organisation reviews first (前置把关) ask for the review and
have the demo's community party secretary approve it, as the standard requires (issue 15, point 4)."""

from __future__ import annotations

from tests.conftest import login


async def approve_vote_review(client, compound_id, vote_id, headers: dict[str, str]) -> None:
    """Ask for the vote's pre-review (as ``headers``, who may open it) and record the secretary's approval."""
    r = await client.post(f"/api/v1/compounds/{compound_id}/co_building/votes/{vote_id}/pre-review", headers=headers)
    assert r.status_code == 200, r.text
    secretary = await login(client, "party-secretary-1")
    base = f"/api/v1/compounds/{compound_id}/party_building/pre-reviews"
    waiting = (await client.get(base + "?state=requested&limit=200", headers=secretary)).json()["items"]
    review = next(w for w in waiting if w["subject_id"] == str(vote_id))
    r = await client.post(f"{base}/{review['id']}/record", json={"opinion": "approve"}, headers=secretary)
    assert r.status_code == 200, r.text


async def approve_operator_change(client, compound_id, tenant_id, headers: dict[str, str]) -> None:
    """Choosing or changing the operator passes the same review: ask for it (as ``headers``) and have it approved."""
    r = await client.post(f"/api/v1/compounds/{compound_id}/operator/pre-review", json={"tenant_id": str(tenant_id)}, headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "requested", r.text
    secretary = await login(client, "party-secretary-1")
    base = f"/api/v1/compounds/{compound_id}/party_building/pre-reviews"
    r = await client.post(f"{base}/{r.json()['review_id']}/record", json={"opinion": "approve"}, headers=secretary)
    assert r.status_code == 200, r.text
