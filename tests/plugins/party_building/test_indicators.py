"""Indicators and dashboard widgets: exact figures on the demo city, None where there is nothing to measure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core import clock
from core.db import Scope
from plugins.party_building import indicators

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _compute(code: str):
    return next(i["compute"] for i in indicators.INDICATORS if i["code"] == code)


async def test_indicators_of_the_demo_compounds(db, city):
    today = clock.now().astimezone(SHANGHAI).date()
    month_ago = today - dt.timedelta(days=40)
    year = (month_ago, today + dt.timedelta(days=1))
    a1, b1, b2 = city.compounds["A1"], city.compounds["B1"], city.compounds["B2"]
    async with db.session(Scope.everything("test")) as session:
        assert await _compute("party_building.organisation_coverage")(session, a1, *year) == Decimal("100.00")
        assert await _compute("party_building.organisation_coverage")(session, b1, *year) == Decimal(
            "0.00"
        )  # no branch, nor has enterprise B
        assert await _compute("party_building.organisation_coverage")(session, b2, *year) == Decimal("50.00")
        # the demo's joint meeting 20 days ago: the month it falls in is covered
        held = today - dt.timedelta(days=20)
        month = (held.replace(day=1), (held.replace(day=28) + dt.timedelta(days=4)).replace(day=1))
        assert await _compute("party_building.joint_meetings")(session, a1, *month) == Decimal("100.00")
        assert await _compute("party_building.joint_meetings")(session, city.compounds["A2"], *month) == Decimal("0.00")
        # items due in the window: one closed on time, one overdue and open; the one not yet due does not count
        assert await _compute("party_building.action_items_on_time")(session, a1, *year) == Decimal("50.00")
        assert await _compute("party_building.action_items_on_time")(session, b2, *year) is None
        assert await _compute("party_building.committee_party_share")(session, a1, *year) == Decimal("66.67")
        assert await _compute("party_building.committee_party_share")(session, b2, *year) is None  # no committee
        # one two-hour lesson for three of the eight members
        assert await _compute("party_building.study_hours")(session, a1, *year) == Decimal("0.8")
        assert all(isinstance(i["target"], Decimal) and isinstance(i["weight"], Decimal) for i in indicators.INDICATORS)


async def test_dashboard_widgets(db, city):
    today = clock.now().astimezone(SHANGHAI).date()
    widgets = {w["code"]: w for w in indicators.DASHBOARD_WIDGETS}
    d1 = [city.compounds[k] for k in ("A1", "A2", "B1")]
    async with db.session(Scope.everything("test")) as session:
        assert await widgets["party_building.open_action_items"]["compute"](session, [city.compounds["A1"]], today) == {
            "value": Decimal(2),
            "unit": "count",
        }
        assert await widgets["party_building.overdue_action_items"]["compute"](session, [city.compounds["A1"]], today) == {
            "value": Decimal(1),
            "unit": "count",
        }
        assert await widgets["party_building.coverage"]["compute"](session, d1, today) == {"value": Decimal("60.00"), "unit": "%"}
        bars = await widgets["party_building.open_action_items_by_compound"]["compute"](session, d1, today)
        assert bars == {"series": [["红城·幸福家园", Decimal(2)]], "unit": "count"}
    assert {w["scope"] for w in widgets.values()} == {"compound", "district"}
