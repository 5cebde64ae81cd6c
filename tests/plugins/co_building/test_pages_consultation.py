"""Consultation pages without a browser: the committee's and district's desk, the residents' votes, the compound dashboard."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.db import Scope
from plugins.co_building.models.consultation import Ballot, OwnersVote
from tests.core.test_web import HTML, csrf_of, sign_in


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def _vote_ids(db, city) -> dict[str, str]:
    async with db.session(Scope.everything("test")) as session:
        rows = (await session.execute(select(OwnersVote.state, OwnersVote.id).where(OwnersVote.compound_id == city.compounds["A1"]))).all()
    return {state: str(vote_id) for state, vote_id in rows}


async def test_the_district_sees_the_demo_votes_with_their_four_figures(web, city, db):
    await sign_in(web, "district-1-admin")
    a1 = city.compounds["A1"]
    desk = await web.get(f"/console/compounds/{a1}/co_building/consultation", headers=HTML)
    assert desk.status_code == 200 and "续聘红城物业" in desk.text and "使用维修资金更换2号楼电梯" in desk.text
    votes = await _vote_ids(db, city)
    closed = await web.get(f"/console/compounds/{a1}/co_building/votes/{votes['closed']}", headers=HTML)
    assert closed.status_code == 200
    assert (
        "专有部分面积" in closed.text and 'id="vote-outcome"' in closed.text and 'id="ballots"' in closed.text
    )  # the district reads the ballot list
    # another district does not reach the compound
    await sign_in(web, "district-2-admin")
    assert (await web.get(f"/console/compounds/{a1}/co_building/consultation", headers=HTML)).status_code == 404


async def test_a_resident_votes_in_the_portal_and_sees_their_ballot(web, city, db):
    await sign_in(web, "resident-a1", portal=True)
    a1 = city.compounds["A1"]
    votes = await _vote_ids(db, city)
    board = await web.get(f"/portal/compounds/{a1}/co_building/consultation", headers=HTML)
    assert board.status_code == 200 and "维修资金使用方案公示" in board.text
    page = await web.get(f"/portal/compounds/{a1}/co_building/votes/{votes['open']}", headers=HTML)
    assert page.status_code == 200 and 'id="cast"' in page.text
    async with db.session(Scope.everything("test")) as session:
        before = await session.scalar(select(func.count()).select_from(Ballot))
    r = await web.post(
        f"/portal/compounds/{a1}/co_building/votes/{votes['open']}/ballot",
        data={"choice": "approve", "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 303
    after = await web.get(f"/portal/compounds/{a1}/co_building/votes/{votes['open']}", headers=HTML)
    assert re.search(r'id="my-ballot">[^<]*<strong>同意</strong>', after.text)
    # a bad choice is refused and writes nothing
    bad = await web.post(
        f"/portal/compounds/{a1}/co_building/votes/{votes['open']}/ballot",
        data={"choice": "maybe", "_csrf": csrf_of(after.text)},
        headers=HTML,
    )
    assert bad.status_code == 400
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == before + 1
    # the closed vote shows its result; the ballot list is not for residents
    closed = await web.get(f"/portal/compounds/{a1}/co_building/votes/{votes['closed']}", headers=HTML)
    assert "通过" in closed.text and 'id="cast"' not in closed.text
    await sign_in(web, "resident-a1")
    console = await web.get(f"/console/compounds/{a1}/co_building/votes/{votes['closed']}", headers=HTML)
    assert console.status_code in (200, 403) and 'id="ballots"' not in console.text


async def test_the_compound_page_shows_the_modules_widgets(web, city):
    await sign_in(web, "ent-a-admin")
    a1, a3 = city.compounds["A1"], city.compounds["A3"]
    page = await web.get(f"/console/compounds/{a1}", headers=HTML)
    assert page.status_code == 200
    assert 'data-code="co_building.open_requests"' in page.text and "未办结诉求" in page.text
    assert 'data-code="co_building.open_votes"' in page.text
    figure = re.search(r'data-code="co_building.open_requests">\s*<h3>[^<]+</h3>\s*<p class="figure-value">(\d+)', page.text)
    assert figure and int(figure.group(1)) >= 4  # the demo's open requests
    assert "<svg" in page.text  # the bar chart renders offline, as SVG
    # A3's basic plan has co_building but not party_building: no party widgets there
    other = await web.get(f"/console/compounds/{a3}", headers=HTML)
    assert 'data-code="co_building.open_requests"' in other.text and 'data-code="party_building.' not in other.text


async def test_indicators_evaluate_for_a_compound(db, city, plugin_host):
    import datetime as dt
    from decimal import Decimal

    from core.plugins.figures import indicator_values

    async with db.session(Scope.everything("test")) as session:
        values = {
            v.code: v for v in await indicator_values(session, plugin_host, city.compounds["A1"], dt.date(2026, 1, 1), dt.date(2027, 1, 1))
        }
    assert {
        "co_building.on_time_response",
        "co_building.fee_collection",
        "co_building.mean_rating",
        "co_building.proposals_handled",
    } <= set(values)
    assert not any(v.error for v in values.values())
    assert values["co_building.mean_rating"].value == Decimal("5.00")  # the demo's rated orders
    assert Decimal(0) < values["co_building.fee_collection"].value < Decimal(100)
    assert values["co_building.proposals_handled"].value == Decimal(1)
