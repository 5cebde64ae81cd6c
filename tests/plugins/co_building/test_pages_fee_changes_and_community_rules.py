"""Console forms for the standard's pre-review and rules register (issue 15, point 4): a manager proposes a fee change,
which goes to the community party organisation's pre-review and applies only once approved; the district writes a
community rule once for its compounds and publishes it to their residents. HTML pages through the test client."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import clock
from core.db import Scope
from plugins.co_building.models.fee_changes import FeeChange
from plugins.co_building.models.fees import FeeItem
from plugins.co_building.models.rules import RuleVersion
from tests.core.test_web import HTML, csrf_of, sign_in

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def _item(db, compound_id) -> FeeItem:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(
            select(FeeItem).where(FeeItem.compound_id == compound_id, FeeItem.active.is_(True)).order_by(FeeItem.name)
        )


async def test_a_manager_proposes_a_fee_change_that_applies_only_after_pre_review(web, client, as_user, city, db):
    a1 = city.compounds["A1"]
    base = f"/console/compounds/{a1}/co_building/fees/changes"
    item = await _item(db, a1)
    await sign_in(web, "ent-a-manager")
    desk = await web.get(f"/console/compounds/{a1}/co_building/fees", headers=HTML)
    assert 'id="fee-changes-link"' in desk.text and "须先经前置把关" in desk.text
    listing = await web.get(base, headers=HTML)
    assert listing.status_code == 200 and "提出调价申请" in listing.text and 'name="fee_item_id"' in listing.text

    # bad input comes back with what was typed and the error beside the field, in Chinese; nothing is written
    same = await web.post(
        base,
        data={
            "fee_item_id": str(item.id),
            "unit_price": str(item.unit_price),
            "effective_on": "2026-12-01",
            "reason": "  物价上涨  ",
            "_csrf": csrf_of(listing.text),
        },
        headers=HTML,
    )
    assert same.status_code == 422 and 'id="error-unit_price"' in same.text and 'aria-invalid="true"' in same.text
    assert f'value="{item.unit_price}"' in same.text and "物价上涨" in same.text and "error.html" not in same.text
    boxed = await web.post(
        base,
        data={"fee_item_id": str(item.id), "unit_price": "abc", "effective_on": "2026-12-01", "_csrf": csrf_of(listing.text)},
        headers={**HTML, "HX-Request": "true"},
    )
    assert boxed.status_code == 400 and 'data-field="unit_price"' in boxed.text and "<html" not in boxed.text  # htmx: the form's slot
    blank = await web.post(
        base,
        data={"fee_item_id": str(item.id), "unit_price": "   ", "effective_on": "2026-12-01", "_csrf": csrf_of(listing.text)},
        headers=HTML,
    )
    assert blank.status_code == 400 and re.search(r'id="error-unit_price"[^>]*>必填', blank.text)  # spaces count as empty
    async with db.session(Scope.everything("test")) as session:
        assert (await session.scalars(select(FeeChange).where(FeeChange.compound_id == a1))).all() == []

    new_price = item.unit_price + Decimal("0.30")
    made = await web.post(
        base,
        data={
            "fee_item_id": str(item.id),
            "unit_price": str(new_price),
            "effective_on": "2026-12-01",
            "reason": "物价上涨",
            "_csrf": csrf_of(listing.text),
        },
        headers=HTML,
    )
    assert made.status_code == 303
    page = await web.get(base, headers=HTML)
    change = re.search(r'action="(' + re.escape(base) + r'/([0-9a-f-]{36}))/pre-review"', page.text)
    assert change, page.text
    url, change_id = change.group(1), change.group(2)
    assert f'action="{url}/apply"' not in page.text  # no apply button before the review approves it

    asked = await web.post(url + "/pre-review", data={"_csrf": csrf_of(page.text)}, headers=HTML)
    assert asked.status_code == 303
    page = await web.get(base, headers=HTML)
    assert f'action="{url}/pre-review"' not in page.text and f'action="{url}/apply"' not in page.text

    early = await web.post(url + "/apply", data={"_csrf": csrf_of(page.text), "_confirmed": "yes"}, headers=HTML)
    assert early.status_code == 409 and "前置把关" in early.text  # the gate holds on the page route as on the API

    secretary = await as_user("party-secretary-1")
    api = f"/api/v1/compounds/{a1}/party_building/pre-reviews"
    waiting = (await client.get(api + "?state=requested", headers=secretary)).json()["items"]
    review = next(w for w in waiting if w["subject_id"] == change_id)
    assert (await client.post(f"{api}/{review['id']}/record", json={"opinion": "approve"}, headers=secretary)).status_code == 200

    clock.advance(dt.timedelta(days=2))
    await sign_in(web, "ent-a-manager")
    page = await web.get(base, headers=HTML)
    assert f'action="{url}/apply"' in page.text and "data-confirm=" in page.text
    step = await web.post(url + "/apply", data={"_csrf": csrf_of(page.text)}, headers=HTML)
    assert step.status_code == 200 and "请确认" in step.text  # asked first, nothing applied
    applied = await web.post(url + "/apply", data={"_csrf": csrf_of(page.text), "_confirmed": "yes"}, headers=HTML)
    assert applied.status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert (await session.scalar(select(FeeChange.state).where(FeeChange.compound_id == a1))) == "applied"
        assert (await session.scalar(select(FeeItem.unit_price).where(FeeItem.compound_id == a1, FeeItem.id == item.id))) == new_price


async def test_the_district_writes_a_community_rule_once_and_publishes_it_to_the_residents(web, city, db):
    base = "/console/co_building/community-rules"
    await sign_in(web, "district-1-admin")
    home = await web.get(base, headers=HTML)
    assert home.status_code == 200 and "新建社区制度" in home.text and 'name="community_id"' in home.text
    community = city.regions["community-1-1"]  # A1 and B1
    assert f'value="{community}"' in home.text
    made = await web.post(
        base,
        data={
            "community_id": str(community),
            "kind": "other",
            "title": "社区居民公约",
            "effective_from": "2026-12-01",
            "body": "邻里互助。",
            "_csrf": csrf_of(home.text),
        },
        headers=HTML,
    )
    assert made.status_code == 303
    page = await web.get(base, headers=HTML)
    assert "社区居民公约" in page.text and "覆盖 2 个小区" in page.text
    publish = re.search(r'action="(' + re.escape(base) + r'/[0-9a-f-]{36}/publish)"', page.text).group(1)
    step = await web.post(publish, data={"_csrf": csrf_of(page.text)}, headers=HTML)
    assert step.status_code == 200 and "请确认" in step.text
    assert (await web.post(publish, data={"_csrf": csrf_of(page.text), "_confirmed": "yes"}, headers=HTML)).status_code == 303
    async with db.session(Scope.everything("test")) as session:
        rows = (
            await session.scalars(select(RuleVersion).where(RuleVersion.level == "community", RuleVersion.title == "社区居民公约"))
        ).all()
    assert {r.compound_id for r in rows} == {city.compounds["A1"], city.compounds["B1"]} and {r.status for r in rows} == {"published"}

    clock.advance(dt.timedelta(days=2))
    await sign_in(web, "13800000001", portal=True)
    residents = await web.get(f"/portal/compounds/{city.compounds['A1']}/co_building/rules", headers=HTML)
    assert residents.status_code == 200 and "社区居民公约" in residents.text


async def test_staff_without_the_right_are_not_offered_the_community_rules(web):
    await sign_in(web, "ent-a-manager")
    assert (await web.get("/console/co_building/community-rules", headers=HTML)).status_code == 403
    assert "/console/co_building/community-rules" not in (await web.get("/console/", headers=HTML)).text


async def test_the_service_desk_s_payment_form_keeps_what_was_typed_beside_the_error(web, city, db):
    """Recording cash at the service desk: too much, or only spaces, brings the bill back with the form as typed and
    the reason beside the amount, in Chinese; nothing is written (point 7: never a separate error page)."""
    from sqlalchemy import func

    from plugins.co_building.models.fees import Bill, Payment

    a1 = city.compounds["A1"]
    async with db.session(Scope.everything("test")) as session:
        pending = select(Payment.bill_id).where(Payment.compound_id == a1, Payment.status == "pending")
        bill = await session.scalar(
            select(Bill.id).where(Bill.compound_id == a1, Bill.status == "unpaid", Bill.id.not_in(pending)).order_by(Bill.id).limit(1)
        )
        before = await session.scalar(select(func.count()).select_from(Payment))
    await sign_in(web, "ent-a-manager")
    url = f"/console/compounds/{a1}/co_building/fees/bills/{bill}"
    page = await web.get(url, headers=HTML)
    assert page.status_code == 200 and 'id="record-payment"' in page.text
    form = {"amount": "99999.00", "method": "transfer", "reference": "HX-20261130", "note": "柜台收款", "_csrf": csrf_of(page.text)}
    too_much = await web.post(url + "/payments", data=form, headers=HTML)
    assert too_much.status_code == 422 and 'id="record-payment"' in too_much.text  # the bill and its form, not an error page
    assert 'value="99999.00"' in too_much.text and 'value="HX-20261130"' in too_much.text and 'value="柜台收款"' in too_much.text
    assert re.search(r'<option value="transfer" selected>', too_much.text) and 'aria-invalid="true"' in too_much.text
    assert re.search(r'id="error-amount"[^>]*>金额不能超过应缴金额', too_much.text)
    spaces = await web.post(url + "/payments", data={**form, "amount": "   "}, headers=HTML)
    assert spaces.status_code == 400 and re.search(r'id="error-amount"[^>]*>必填', spaces.text)
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == before
