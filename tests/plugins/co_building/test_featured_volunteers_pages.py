"""Console and portal pages of featured services, the care list and red volunteers, without a browser:
every page renders in both languages, forms go through the services, refusals land in the form's slot."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from core.db import Scope
from plugins.co_building.models.featured import ServiceBooking, ServiceSlot
from plugins.co_building.models.volunteers import ActivitySignup, Redemption, VolunteerActivity
from tenants.demo import DEMO_PASSWORD
from tests.plugins.co_building.support_featured_volunteers import count

HTML = {"Accept": "text/html"}
HTMX = {"Accept": "*/*", "HX-Request": "true"}
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
CONSOLE_PAGES = (
    "/services",
    "/bookings",
    "/care",
    "/care/visits",
    "/care/visits?status=missed",
    "/volunteers",
    "/activities",
    "/points",
    "/rewards",
    "/rankings",
)
PORTAL_PAGES = ("/services", "/bookings", "/activities", "/points")


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def sign_in(client, username: str, *, portal: bool = False) -> None:
    client.cookies.clear()
    base = "/portal" if portal else "/console"
    form = await client.get(f"{base}/login", headers=HTML)
    r = await client.post(
        f"{base}/login", data={"username": username, "password": DEMO_PASSWORD, "_csrf": CSRF.search(form.text).group(1)}, headers=HTML
    )
    assert r.status_code == 303


async def csrf(client, path: str) -> str:
    return CSRF.search((await client.get(path, headers=HTML)).text).group(1)


@pytest.mark.parametrize("lang,word", [("zh", "红色志愿者"), ("en", "Red volunteers")])
async def test_every_console_page_renders_for_the_operator(web, city, db, lang, word):
    await sign_in(web, "ent-a-admin")
    base = f"/console/compounds/{city.compounds['A1']}/co_building"
    for path in CONSOLE_PAGES:
        r = await web.get(base + path + ("&" if "?" in path else "?") + f"lang={lang}", headers=HTML)
        assert r.status_code == 200, (path, r.text[:500])
        assert word in r.text  # the navigation entry, in the page's language
    activity = await _activity_id(db, city)
    detail = await web.get(f"{base}/activities/{activity}", headers=HTML)
    assert detail.status_code == 200 and "<svg" in detail.text and 'id="checkin-qr"' in detail.text


@pytest.mark.parametrize("lang,word", [("zh", "辖区志愿排行"), ("en", "Volunteer rankings (district)")])
async def test_the_district_ranking_is_its_own_page_the_compound_page_leads_to(web, city, lang, word):
    await sign_in(web, "district-1-admin")
    base = f"/console/compounds/{city.compounds['A1']}/co_building"
    moved = await web.get(base + f"/rankings?by=points&scope=district&start=2020-01-01&lang={lang}", headers=HTML)
    assert moved.status_code == 303
    target = moved.headers["location"]
    assert target.startswith("/console/co_building/volunteer-rankings?") and f"district_id={city.tenants['D1']}" in target
    assert "by=points" in target and "start=2020-01-01" in target
    r = await web.get(target + f"&lang={lang}", headers=HTML)
    assert r.status_code == 200, r.text[:500]
    assert word in r.text and 'id="rankings-table"' in r.text and "红城·幸福家园" in r.text  # the compound column
    assert 'name="district_id"' in r.text  # the period form keeps the district


async def _activity_id(db, city) -> uuid.UUID:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(
            select(VolunteerActivity.id).where(
                VolunteerActivity.compound_id == city.compounds["A1"], VolunteerActivity.title == "敬老院义务理发"
            )
        )


async def test_the_care_pages_are_not_for_residents_and_mask_for_the_district(web, city):
    base = f"/console/compounds/{city.compounds['A1']}/co_building/care"
    await sign_in(web, "district-1-admin")
    district = await web.get(base, headers=HTML)
    assert district.status_code == 200 and "13900000011" not in district.text and "139****0011" in district.text
    await sign_in(web, "ent-a-manager")
    manager = await web.get(base, headers=HTML)
    assert "13900000011" in manager.text
    await sign_in(web, "resident-a1", portal=True)
    assert (await web.get(base, headers=HTML)).status_code == 403


async def test_every_portal_page_renders_for_a_resident(web, city):
    await sign_in(web, "resident-a1", portal=True)
    base = f"/portal/compounds/{city.compounds['A1']}/co_building"
    for path in PORTAL_PAGES:
        r = await web.get(base + path, headers=HTML)
        assert r.status_code == 200, (path, r.text[:500])
    home = await web.get("/portal/", headers=HTML)
    assert "我的积分" in home.text and "特色服务" in home.text


async def test_a_resident_books_and_cancels_in_the_portal(web, city, db):
    a1 = city.compounds["A1"]
    await sign_in(web, "resident-a1", portal=True)
    base = f"/portal/compounds/{a1}/co_building"
    async with db.session(Scope.everything("test")) as session:
        slot = await session.scalar(
            select(ServiceSlot)
            .where(ServiceSlot.compound_id == a1, ServiceSlot.booked == 0)
            .order_by(ServiceSlot.starts_at.desc())
            .limit(1)
        )
    token = await csrf(web, base + "/services")
    booked = await web.post(base + "/bookings", data={"slot_id": str(slot.id), "_csrf": token}, headers=HTML)
    assert booked.status_code == 303 and booked.headers["location"].endswith("/bookings")
    again = await web.post(base + "/bookings", data={"slot_id": str(slot.id), "_csrf": token}, headers=HTMX)
    assert again.status_code == 409 and "slot_id" in again.text
    mine = await web.get(base + "/bookings", headers=HTML)
    booking = await _my_booking(db, a1, slot.id)
    assert f"booking-{booking}" in mine.text
    cancelled = await web.post(base + f"/bookings/{booking}/cancel", data={"_csrf": token}, headers=HTML)
    assert cancelled.status_code == 303
    assert await count(db, ServiceBooking, id=booking, status="cancelled") == 1


async def _my_booking(db, compound, slot_id) -> uuid.UUID:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(
            select(ServiceBooking.id).where(
                ServiceBooking.compound_id == compound, ServiceBooking.slot_id == slot_id, ServiceBooking.status == "booked"
            )
        )


async def test_a_resident_joins_the_waiting_list_and_sees_their_position(web, city, db):
    a1 = city.compounds["A1"]
    await sign_in(web, "resident-a1", portal=True)
    base = f"/portal/compounds/{a1}/co_building"
    activity = await _activity_id(db, city)  # the demo's full activity: three places taken, one waiting
    token = await csrf(web, base + "/activities")
    r = await web.post(base + f"/activities/{activity}/signups", data={"_csrf": token}, headers=HTML)
    assert r.status_code == 303
    listed = await web.get(base + "/activities", headers=HTML)
    assert "您在候补名单第 2 位。" in listed.text
    assert await count(db, ActivitySignup, activity_id=activity, status="waiting") == 2


async def test_the_console_refuses_a_second_reward_beyond_the_balance_in_the_form_slot(web, city, db):
    a1 = city.compounds["A1"]
    await sign_in(web, "resident-a1", portal=True)
    base = f"/portal/compounds/{a1}/co_building"
    token = await csrf(web, base + "/points")
    async with db.session(Scope.everything("test")) as session:
        from plugins.co_building.models.volunteers import Reward

        reward = await session.scalar(select(Reward.id).where(Reward.compound_id == a1).order_by(Reward.points_cost).limit(1))
    before = await count(db, Redemption)
    r = await web.post(base + f"/rewards/{reward}/redeem", data={"quantity": "1", "_csrf": token, "_confirmed": "yes"}, headers=HTMX)
    assert r.status_code == 422 and "volunteer_id" in r.text  # no volunteer profile, so no points yet
    assert await count(db, Redemption) == before


async def test_the_bookings_desk_confirms_and_cancels_with_a_reason(web, city, db):
    a1 = city.compounds["A1"]
    await sign_in(web, "ent-a-manager")
    base = f"/console/compounds/{a1}/co_building/bookings"
    async with db.session(Scope.everything("test")) as session:
        booking = await session.scalar(
            select(ServiceBooking).where(ServiceBooking.compound_id == a1, ServiceBooking.status == "booked").limit(1)
        )
    token = await csrf(web, base)
    confirmed = await web.post(base + f"/{booking.id}/confirm", data={"_csrf": token}, headers=HTML)
    assert confirmed.status_code == 303 and await count(db, ServiceBooking, id=booking.id, status="confirmed") == 1
    no_reason = await web.post(base + f"/{booking.id}/cancel", data={"_csrf": token}, headers=HTMX)
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    cancelled = await web.post(
        base + f"/{booking.id}/cancel", data={"reason": "师傅请假", "_csrf": token, "_confirmed": "yes"}, headers=HTML
    )
    assert cancelled.status_code == 303 and await count(db, ServiceBooking, id=booking.id, status="cancelled") == 1
