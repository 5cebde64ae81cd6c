"""Cases the fuzzing (``tests/core/test_fuzz.py``) found, each kept as a regression test next to its fix."""

from __future__ import annotations

import uuid


async def test_a_missing_required_query_parameter_is_a_400_naming_it_not_a_500(client, as_user, city):
    """Found by schemathesis (negative mode): litestar reports a missing required query parameter without a source,
    and core.problems.handle_validation read ``errors[0]["source"]`` — a KeyError, so a 500. Now a 400 problem."""
    headers = await as_user("ent-a-manager")
    path = f"/api/v1/compounds/{city.compounds['A1']}/smart_property/devices/{uuid.uuid4()}/series"
    response = await client.get(path, headers=headers)  # no ?metric=
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "metric" in response.json()["detail"]
