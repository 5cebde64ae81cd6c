"""Computing an evaluation period (the API's compute move, counted on the app's engines) runs a number of SQL statements that does not grow with the district's compounds: the
same request over the demo district's 3 compounds and again once 3 more (every module on) have joined it."""

from __future__ import annotations

import re
import uuid
from collections import Counter

from sqlalchemy import func, select

from core.db import Scope
from core.ids import uuid7
from core.testing.statements import recording
from plugins.quality.models import CompoundScore
from tenants.models import Compound, ModuleEnablement

Q = "/api/v1/quality"
MODULES = ("co_building", "coordination", "party_building", "quality", "smart_property")


def _shape(statement: str) -> str:
    """A statement without its parameter lists (``IN ($2, $3, …)`` grows with the compounds; the statements must not)."""
    statement = re.sub(r"'\{[^}]*\}'", "'{…}'", statement)  # the scope's compounds (SET LOCAL)
    return re.sub(r"\((?:\$?\d*(?:::\w+)?|\?)(?:, (?:\$?\d*(?:::\w+)?|\?))*\)", "(…)", statement)[:300]


async def _compute(client, district, period_id: str) -> None:
    r = await client.post(f"{Q}/periods/{period_id}/moves", json={"action": "compute"}, headers=district)
    assert r.status_code == 200, r.text


async def _scores(db, period_id: str) -> int:
    async with db.session(Scope.everything("test")) as session:
        return int(
            await session.scalar(select(func.count()).select_from(CompoundScore).where(CompoundScore.period_id == uuid.UUID(period_id)))
        )


async def test_computing_a_period_runs_as_many_statements_for_6_compounds_as_for_3(client, as_user, city, db, plugin_host, app):
    district = await as_user("district-1-admin")
    # every indicator the platform's plugins declare (25 of them), 4 points each: all their bulk forms run
    declared = sorted(
        (i["code"], i.get("higher_is_better", True))
        for _, i in plugin_host.declared("redprop_indicators")
        if i["compute"].__module__.startswith("plugins.")
    )
    assert len(declared) == 25
    scheme = {
        "name": "全部指标",
        "items": [{"code": code, "weight": "4", "target": "50", "zero_at": "0" if higher else "100"} for code, higher in declared],
        "star_thresholds": ["60", "70", "80", "90"],
        "overdue_deduction": "2",
    }
    r = await client.post(f"{Q}/schemes/", json=scheme, headers=district)
    assert r.status_code == 201, r.text
    body = {"scheme_id": r.json()["id"], "name": "全年", "starts_on": "2020-01-01", "ends_on": "2030-01-01"}
    period = (await client.post(f"{Q}/periods/", json=body, headers=district)).json()["id"]
    await _compute(client, district, period)  # warm: what a process does once (policies, compiled statements)
    with recording(app) as three:
        await _compute(client, district, period)
    assert await _scores(db, period) == 3

    async with db.transaction(Scope.everything("test: three more compounds")) as session:
        a1 = await session.get(Compound, city.compounds["A1"])
        for n in range(3):
            compound = Compound(
                id=uuid7(),
                name=f"{a1.name}{n + 2}期",
                address=a1.address,
                community_id=a1.community_id,
                district_tenant_id=a1.district_tenant_id,
                operator_tenant_id=a1.operator_tenant_id,
            )
            session.add(compound)
            await session.flush()
            session.add_all(
                ModuleEnablement(compound_id=compound.id, module=m, enabled=True, by_tenant_id=a1.district_tenant_id) for m in MODULES
            )
    # the new compounds widen the district admin's reach: the next request resolves the principal afresh (core.caches)
    assert (await client.get("/api/v1/me", headers=district)).status_code == 200
    with recording(app) as six:
        await _compute(client, district, period)
    assert await _scores(db, period) == 6
    assert len(six) == len(three), "\n".join(str(x) for x in (Counter(map(_shape, six)) - Counter(map(_shape, three))).items())
    assert len(three) < 8 * len(declared)  # a few per indicator (its savepoint, a query or two per time zone), none per compound
