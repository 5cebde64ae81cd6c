"""The site's address chooses between the console and the portal; the header counts unread notifications; the
portal's inbox marks them read (issue 15, points 5 and 9)."""

from __future__ import annotations

import re

from core.db import Scope
from core.notifications.services import notify
from tests.core.test_web import HTML, csrf_of, sign_in, web  # noqa: F401 (web is a fixture)

COUNT = re.compile(r'id="unread-count">(\d+)<')


def unread_shown(html: str) -> int:
    found = COUNT.search(html)
    return int(found.group(1)) if found else 0


async def test_the_address_offers_the_console_and_the_portal_or_takes_a_signed_in_person_home(web):  # noqa: F811
    r = await web.get("/", headers=HTML)
    assert r.status_code == 200 and 'href="/portal/login"' in r.text and 'href="/console/login"' in r.text
    assert "居民服务" in r.text and "管理后台" in r.text
    await sign_in(web, "ent-a-manager")
    r = await web.get("/", headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    await sign_in(web, "resident-a1", portal=True)
    r = await web.get("/", headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == "/portal/"
    web.cookies.set("redprop_session", "not-a-session")
    assert (await web.get("/", headers=HTML)).status_code == 200  # an expired session sees the chooser


async def test_the_header_counts_unread_notifications_and_the_inbox_marks_them_read(web, city, db):  # noqa: F811
    await sign_in(web, "resident-a1", portal=True)
    before = unread_shown((await web.get("/portal/", headers=HTML)).text)
    async with db.transaction(Scope.everything("test")) as session:
        told = await notify(session, [city.users["resident-a1"]] * 1, "test.told", "您的诉求已受理", "卫生间漏水")
        await notify(session, [city.users["resident-a1"]], "test.told", "物业费账单", "2027-01")
    home = await web.get("/portal/", headers=HTML)
    assert unread_shown(home.text) == before + 2
    token = csrf_of(home.text)
    r = await web.post(f"/portal/inbox/{told[0].id}/read", data={"_csrf": token}, headers=HTML)
    assert r.status_code == 303
    page = await web.get("/portal/inbox", headers=HTML)
    assert unread_shown(page.text) == before + 1 and 'id="read-all"' in page.text
    r = await web.post("/portal/inbox/read-all", data={"_csrf": token}, headers=HTML)
    assert r.status_code == 303 and r.headers["location"] == "/portal/inbox"
    page = await web.get("/portal/inbox", headers=HTML)
    assert unread_shown(page.text) == 0 and 'id="read-all"' not in page.text and 'id="unread-count"' not in page.text
    # the console's header counts the same way
    async with db.transaction(Scope.everything("test")) as session:
        await notify(session, [city.users["ent-a-manager"]], "test.told", "新诉求", "卫生间漏水")
    await sign_in(web, "ent-a-manager")
    assert unread_shown((await web.get("/console/", headers=HTML)).text) >= 1
