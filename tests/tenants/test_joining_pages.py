"""Residents joining through the pages (issue 15, point 2): the console prints an invitation's QR code; a resident
opens its link, gets a code, registers and finds the room bound; staff approve, refuse and move out; a forgotten
password is reset by code — in Chinese, forms keeping their input with the error beside them."""

from __future__ import annotations

import re

import pytest

from core.identity import otp
from tests.core.test_web import HTML, csrf_of, sign_in
from tests.tenants.test_joining import Captured, register, room_of


@pytest.fixture
def sms():
    captured = Captured()
    previous = otp.install_provider(captured)
    yield captured
    otp.install_provider(previous)


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def test_an_invitation_printed_in_the_console_is_a_registration_in_the_portal(web, city, db, sms):
    a1 = city.compounds["A1"]
    _, building, unit, number = await room_of(db, a1, 7)
    await sign_in(web, "ent-a-manager")
    joining = await web.get(f"/console/compounds/{a1}/joining", headers=HTML)
    assert joining.status_code == 200 and "邀请住户" in joining.text and "住户入驻" in joining.text
    made = await web.post(
        f"/console/compounds/{a1}/joining/invitations",
        data={"building": building, "unit": unit, "number": number, "relation": "owner", "valid_days": "7", "_csrf": csrf_of(joining.text)},
        headers=HTML,
    )
    assert made.status_code == 200 and "<svg" in made.text and "仅限一户使用" in made.text, made.text[:500]
    link = re.search(r"<code>(http[^<]+/portal/join\?invitation=([^<]+))</code>", made.text)
    token = link.group(2)

    web.cookies.clear()
    form = await web.get(f"/portal/join?invitation={token}", headers=HTML)
    assert form.status_code == 200 and "居民注册" in form.text and "获取验证码" in form.text
    bad = await web.post("/portal/join/code", data={"phone": "123", "invitation": token, "_csrf": csrf_of(form.text)}, headers=HTML)
    assert bad.status_code == 422 and 'value="123"' in bad.text  # the input is kept, the error shown on the form
    sent = await web.post(
        "/portal/join/code", data={"phone": "13900000071", "invitation": token, "_csrf": csrf_of(form.text)}, headers=HTML
    )
    assert sent.status_code == 200 and "验证码已发送至 13900000071" in sent.text
    wrong = await web.post(
        "/portal/join",
        data={"phone": "13900000071", "invitation": token, "code": "000000" if sms.codes["13900000071"] != "000000" else "111111",
              "name": "周大妈", "password": "a-long-password", "_csrf": csrf_of(sent.text)},
        headers=HTML,
    )  # fmt: skip
    assert wrong.status_code == 422 and "code" in wrong.text
    joined = await web.post(
        "/portal/join",
        data={"phone": "13900000071", "invitation": token, "code": sms.codes["13900000071"], "name": "周大妈",
              "password": "a-long-password", "_csrf": csrf_of(sent.text)},
        headers=HTML,
    )  # fmt: skip
    assert joined.status_code == 303 and joined.headers["location"] == "/portal/rooms"
    rooms = await web.get("/portal/rooms", headers=HTML)
    assert rooms.status_code == 200 and number in rooms.text and "已绑定" in rooms.text and "业主" in rooms.text


async def test_staff_approve_and_move_out_from_the_console(web, client, city, db, sms):
    a1 = city.compounds["A1"]
    joined = await register(client, sms, "13900000081")
    resident = {"Authorization": f"Bearer {joined.json()['token']['access_token']}"}
    _, building, unit, number = await room_of(db, a1, 8)
    ask = {"compound_id": str(a1), "building": building, "unit": unit, "number": number, "relation": "tenant", "name": "租客小陈"}
    asked = (await client.post("/api/v1/join/requests", json=ask, headers=resident)).json()

    await sign_in(web, "ent-a-manager")
    page = await web.get(f"/console/compounds/{a1}/joining", headers=HTML)
    assert "租客小陈" in page.text and "通过" in page.text
    approved = await web.post(f"/console/compounds/{a1}/joining/{asked['id']}/approve", data={"_csrf": csrf_of(page.text)}, headers=HTML)
    assert approved.status_code == 303
    page = await web.get(f"/console/compounds/{a1}/joining", headers=HTML)
    assert "确认迁出" in page.text
    unconfirmed = await web.post(f"/console/compounds/{a1}/joining/{asked['id']}/end", data={"_csrf": csrf_of(page.text)}, headers=HTML)
    assert unconfirmed.status_code == 422
    ended = await web.post(
        f"/console/compounds/{a1}/joining/{asked['id']}/end", data={"confirm": "yes", "_csrf": csrf_of(page.text)}, headers=HTML
    )
    assert ended.status_code == 303
    assert "已迁出" in (await web.get(f"/console/compounds/{a1}/joining", headers=HTML)).text


async def test_a_forgotten_password_is_reset_by_code_from_the_login(web, client, sms):
    await register(client, sms, "13900000091")
    login = await web.get("/portal/login", headers=HTML)
    assert 'href="/portal/reset"' in login.text and 'href="/portal/join"' in login.text
    form = await web.get("/portal/reset", headers=HTML)
    import datetime as dt

    from core import clock

    clock.advance(otp.RESEND_AFTER + dt.timedelta(seconds=1))
    sent = await web.post("/portal/reset/code", data={"phone": "13900000091", "_csrf": csrf_of(form.text)}, headers=HTML)
    assert sent.status_code == 200, sent.text
    reset = await web.post(
        "/portal/reset",
        data={"phone": "13900000091", "code": sms.codes["13900000091"], "password": "brand-new-password", "_csrf": csrf_of(sent.text)},
        headers=HTML,
    )
    assert reset.status_code == 303 and reset.headers["location"] == "/portal/login"
    assert (await client.post("/api/v1/auth/login", json={"username": "13900000091", "password": "brand-new-password"})).status_code == 200
