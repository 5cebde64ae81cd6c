"""Each person's home says what is waiting for them (issue 15, point 6): every plugin declares its kinds of waiting
work (``redprop_waiting_items``) and the console's home counts them over all the person's compounds at once."""

from __future__ import annotations

import collections
import datetime as dt
import re

import pytest

from core.db import Scope
from core.ids import uuid7
from core.testing.statements import recording
from tenants.models import Compound, ModuleEnablement
from tests.core.test_web import HTML, sign_in


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


def _count(page: str, code: str) -> int | None:
    found = re.search(rf'data-code="{re.escape(code)}">.*?<span class="waiting-count">(\d+)</span>', page, re.S)
    return int(found.group(1)) if found else None


def test_hook_redprop_waiting_items(plugin_host):
    declared = {item["code"]: (rec.name, item) for rec, item in plugin_host.declared("redprop_waiting_items")}
    assert {"party_building.pre_reviews", "co_building.work_orders_due", "co_building.payments_to_confirm"} <= set(declared)
    assert {"co_building.bookings_to_approve", "co_building.proposals_to_decide", "co_building.votes_at_step"} <= set(declared)
    for plugin, item in declared.values():
        assert item["code"].startswith(plugin + ".") and ":" in item["permission"] and callable(item["compute"])
        assert item.get("audience", "console") in ("console", "portal") and item["label_zh"] and item["label_en"]


async def test_each_home_lands_on_what_is_waiting_for_that_person(web):
    await sign_in(web, "party-secretary-1")
    page = (await web.get("/console/", headers=HTML)).text
    assert "待办" in page or "Waiting" in page
    assert _count(page, "party_building.pre_reviews") == 1  # the demo's committee candidates wait for the review
    assert _count(page, "co_building.work_orders_due") is None  # not the secretary's work

    await sign_in(web, "ent-a-staff")
    page = (await web.get("/console/", headers=HTML)).text
    assert (_count(page, "co_building.work_orders_due") or 0) >= 1 and _count(page, "party_building.pre_reviews") is None
    assert 'class="figures"' not in page  # one compound: no overview of compounds

    await sign_in(web, "district-1-admin")
    page = (await web.get("/console/", headers=HTML)).text
    assert _count(page, "co_building.votes_at_step") is not None and 'id="overview-title"' in page
    assert 'data-code="co_building.' in page.split('id="overview-title"', 1)[1]  # the plugins' figures over the district
    table = page.split('id="streets-table"', 1)[1].split("</table>", 1)[0]
    assert "红城·幸福家园" in table and "告警" in page  # A1 under its street, with its alerts
    ranking = page.split('data-code="quality.ranking"', 1)[1].split("</div>", 1)[0]
    assert "暂不可用" not in ranking  # the quality ranking among the district's figures, computed


async def _home_statements(web, app) -> int:
    with recording(app) as seen:
        r = await web.get("/console/", headers=HTML)
    assert r.status_code == 200, r.text
    _home_statements.last = seen
    return len(seen)


def _differing(first: list[str], second: list[str]) -> dict:
    """Which statements (their lists of values folded) ran a different number of times."""
    a = collections.Counter(re.sub(r"\((\?, )*\?\)", "(…)", s)[:200] for s in first)
    b = collections.Counter(re.sub(r"\((\?, )*\?\)", "(…)", s)[:200] for s in second)
    return {k: (a[k], b[k]) for k in set(a) | set(b) if a[k] != b[k]}


async def test_the_district_home_costs_the_same_statements_for_more_compounds(web, app, db, city):
    """The district's home at two sizes: eight more compounds in its jurisdiction add no statement."""
    await sign_in(web, "district-1-admin")
    await _home_statements(web, app)  # warm up
    before = await _home_statements(web, app)
    first = list(_home_statements.last)
    async with db.transaction(Scope.everything("test: more compounds")) as session:
        a1 = await session.get(Compound, city.compounds["A1"])
        for n in range(8):
            new = uuid7()
            session.add(
                Compound(
                    id=new,
                    name=f"扩容小区{n}",
                    community_id=a1.community_id,
                    district_tenant_id=a1.district_tenant_id,
                    operator_tenant_id=a1.operator_tenant_id,
                    address="",
                )
            )
            await session.flush()
            for module in ("co_building", "party_building", "quality", "coordination"):
                session.add(ModuleEnablement(compound_id=new, module=module, enabled=True, by_tenant_id=a1.district_tenant_id))
    await sign_in(web, "district-1-admin")  # a fresh token reaches the new compounds
    await _home_statements(web, app)
    after = await _home_statements(web, app)
    assert after == before, (before, after, _differing(first, _home_statements.last))


async def test_an_owners_portal_home_says_which_votes_are_open(web):
    await sign_in(web, "resident-a1")
    page = (await web.get("/portal/", headers=HTML)).text
    found = re.search(r'data-code="co_building.open_votes">.*?waiting-count">(\d+)<', page, re.S)
    assert found and int(found.group(1)) >= 1 and "使用维修资金更换2号楼电梯" in page  # the demo's open vote


async def test_a_compute_declared_for_district_and_compound_runs_once_on_the_district_home(db, city, plugin_host):
    """Several plugins declare the same figure under both scopes (open cases, volunteer hours, satisfaction): the
    district's dashboard computes it once over the same compounds and shows it under both codes."""
    from core.plugins.figures import district_dashboard

    calls: list[list] = []
    declared = plugin_host.declared("redprop_dashboard_widgets")
    shared = next(w for _, w in declared if w["code"] == "coordination.district_open_cases")
    original = shared["compute"]

    async def counting(session, compound_ids, today):
        calls.append(list(compound_ids))
        return await original(session, compound_ids, today)

    twins = [w for _, w in declared if w["compute"] is original]
    assert len(twins) == 2, [w["code"] for w in twins]
    for w in twins:
        w["compute"] = counting
    try:
        async with db.session(Scope.everything("test")) as session:
            figures = await district_dashboard(session, plugin_host, list(city.compounds.values()), dt.date(2026, 6, 1))
    finally:
        for w in twins:
            w["compute"] = original
    assert len(calls) == 1
    shown = {f.code: f.value for f in figures if f.code in {w["code"] for w in twins}}
    assert len(shown) == 2 and len(set(shown.values())) == 1, shown
