"""The journeys on pages: staff check a parcel in from the console, the resident reveals the pickup code on the
portal (shown on that answer only), staff hand the parcel over against it; every message has its Chinese."""

from __future__ import annotations

import pathlib
import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

HTML = {"Accept": "text/html"}
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
PACKAGE = pathlib.Path(__file__).parents[1] / "redprop_parcel_lockers"


def token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


async def test_check_in_reveal_and_hand_over_on_pages(client, browser_login, city):
    console = f"/console/compounds/{city.compounds['A1']}/parcel_lockers/parcels"
    portal = f"/portal/compounds/{city.compounds['A1']}/parcel_lockers/parcels"

    await browser_login("ent-a-staff")
    room = await client.get(console, headers=HTML)
    assert room.status_code == 200, room.text[:300]
    assert "快递入柜" in room.text and "138****0001" in room.text and "13800000001" not in room.text
    locker = re.search(r'<option value="([0-9a-f-]{36})">3号楼快递柜', room.text).group(1)
    form = {"locker_id": locker, "compartment": "9", "phone": "13800000001", "carrier": "韵达快递", "_csrf": token(room.text)}
    checked_in = await client.post(console, data=form, headers=HTML, follow_redirects=False)
    assert checked_in.status_code == 303, checked_in.text[:300]
    assert "韵达快递" in (await client.get(console, headers=HTML)).text

    await browser_login("resident-a1", portal=True)
    mine = await client.get(portal, headers=HTML)
    assert mine.status_code == 200 and "韵达快递" in mine.text and "显示取件码" in mine.text
    parcel = re.search(r'data-parcel="([0-9a-f-]{36})">\s*<h2>韵达快递', mine.text).group(1)
    revealed = await client.post(f"{portal}/{parcel}/code", data={"_csrf": token(mine.text)}, headers=HTML)
    assert revealed.status_code == 200, revealed.text[:300]
    code = re.search(r'id="pickup-code".*?<strong>(\d{6})</strong>', revealed.text, re.S).group(1)
    again = await client.get(portal, headers=HTML)
    assert code not in again.text and "重新获取取件码" in again.text  # shown that once

    await browser_login("ent-a-staff")
    room = await client.get(console, headers=HTML)
    handed = await client.post(f"{console}/pickup", data={"code": code, "_csrf": token(room.text)}, headers=HTML, follow_redirects=False)
    assert handed.status_code == 303, handed.text[:300]
    wrong = await client.post(f"{console}/pickup", data={"code": code, "_csrf": token(room.text)}, headers=HTML, follow_redirects=False)
    assert wrong.status_code == 422 and "code" in wrong.text


async def test_the_resident_menu_and_the_staff_menu(client, browser_login, city):
    await browser_login("resident-a1", portal=True)
    home = await client.get("/portal", headers=HTML, follow_redirects=True)
    assert "我的快递" in home.text
    await browser_login("ent-a-staff")
    console = await client.get(f"/console/compounds/{city.compounds['A1']}", headers=HTML, follow_redirects=True)
    assert "快递柜" in console.text


def _catalog(locale: str):
    with (PACKAGE / "locale" / locale / "LC_MESSAGES" / "redprop_parcel_lockers.po").open("rb") as source:
        return read_po(source)


def test_every_message_has_chinese_and_an_english_entry():
    used = {
        m[2] if isinstance(m[2], str) else m[2][0]
        for m in extract_from_dir(
            str(PACKAGE),
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "gettext": None, "N_": None},
        )
    }
    zh, en = _catalog("zh_CN"), _catalog("en")
    assert sorted(m for m in used if not (zh.get(m) and zh.get(m).string)) == []
    assert sorted(m for m in used if en.get(m) is None) == []
