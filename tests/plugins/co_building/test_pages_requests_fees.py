"""co_building pages of service requests and property fees, without a browser: who sees which page, forms with CSRF, errors in place, nothing written on bad input."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import uuid

import pytest
from babel.messages.extract import extract_from_file
from sqlalchemy import func, select

from core import clock
from core.db import Scope
from core.files.models import Attachment
from core.web.i18n import LOCALE_DIR
from plugins.co_building.models.fees import Bill, FeeItem, Payment
from plugins.co_building.models.requests import ServiceRequest, TimeLimit
from tests.core.test_web import HTML, HTMX, _catalogs, csrf_of, sign_in

MONDAY_10 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai, a working day
PLUGIN = pathlib.Path(__file__).resolve().parents[3] / "plugins" / "co_building"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6f4d90000000049454e44ae426082"
)
"""A valid 1×1 PNG."""
RESIDENT_PHONE = "13800000001"
OTHER_RESIDENT_PHONE = "13800000002"


@pytest.fixture(autouse=True)
def monday():
    with clock.frozen_at(MONDAY_10):
        yield


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


def console(city, *rest: str, key: str = "A1") -> str:
    return "/".join([f"/console/compounds/{city.compounds[key]}/co_building", *rest])


def portal(city, *rest: str, key: str = "A1") -> str:
    return "/".join([f"/portal/compounds/{city.compounds[key]}/co_building", *rest])


async def count(db, model, *where) -> int:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def form_token(web, url: str) -> str:
    page = await web.get(url, headers=HTML)
    assert page.status_code == 200, page.text[:2000]
    return csrf_of(page.text)


async def post(web, url: str, data: dict, *, token_from: str, files=None, htmx: bool = False):
    token = await form_token(web, token_from)
    if htmx:
        return await web.post(url, data=data, files=files, headers={**HTMX, "X-CSRF-Token": token})
    return await web.post(url, data={**data, "_csrf": token}, files=files, headers=HTML)


async def my_room(web, city) -> str:
    page = await web.get(portal(city, "requests", "new"), headers=HTML)
    found = re.search(r'<select id="room_id" name="room_id">\s*<option value="([0-9a-f-]{36})">', page.text)
    assert found, "the resident's own room is offered"
    return found.group(1)


async def file_in_portal(web, city, **extra) -> str:
    """resident-a1 files a repair for their room with a photo; answers the request id."""
    await sign_in(web, RESIDENT_PHONE, portal=True)
    body = {
        "kind": "repair",
        "category": "plumbing",
        "title": "厨房水管漏水",
        "description": "水槽下方一直滴水",
        "location": "room",
        "room_id": await my_room(web, city),
        **extra,
    }
    r = await post(
        web, portal(city, "requests"), body, token_from=portal(city, "requests", "new"), files={"photo": ("漏水.png", PNG, "image/png")}
    )
    assert r.status_code == 303, r.text[:2000]
    found = re.search(r"/requests/([0-9a-f-]{36})$", r.headers["location"])
    assert found and r.headers["location"].startswith(portal(city, "requests"))
    return found.group(1)


async def move(web, city, request_id: str, action: str, **extra):
    detail = console(city, "requests", request_id)
    return await post(web, detail + "/transitions", {"action": action, **extra}, token_from=detail)


# --------------------------------------------------------------------------- requests: portal


async def test_a_resident_files_a_repair_with_a_photo_and_follows_it(web, db, city):
    request_id = await file_in_portal(web, city)
    assert await count(db, Attachment, Attachment.record_type == "co_building.request", Attachment.record_id == uuid.UUID(request_id)) == 1
    page = await web.get(portal(city, "requests", request_id), headers=HTML)
    assert page.status_code == 200 and "厨房水管漏水" in page.text and 'data-state="submitted"' in page.text and "已提交" in page.text
    photo = re.search(r'<img src="([^"]+/photos/[0-9a-f-]{36})"', page.text)
    assert photo, "the photo is shown"
    image = await web.get(photo.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/png" and image.content == PNG
    # the resident may withdraw it, nothing else; the list shows it as mine
    assert 'id="action-cancel"' in page.text and 'id="action-assign"' not in page.text
    listing = await web.get(portal(city, "requests"), headers=HTML)
    assert "厨房水管漏水" in listing.text.split('id="public-requests"')[0]

    # another resident of the compound: a room request (and its photo) is not theirs to see
    await sign_in(web, OTHER_RESIDENT_PHONE, portal=True)
    assert (await web.get(portal(city, "requests", request_id), headers=HTML)).status_code == 404
    assert (await web.get(photo.group(1))).status_code == 404
    assert "厨房水管漏水" not in (await web.get(portal(city, "requests"), headers=HTML)).text


async def test_a_refused_photo_or_a_bad_form_files_nothing_and_says_why(web, db, city):
    before = await count(db, ServiceRequest), await count(db, Attachment)
    await sign_in(web, RESIDENT_PHONE, portal=True)
    room = await my_room(web, city)
    new = portal(city, "requests", "new")
    body = {"kind": "repair", "category": "plumbing", "title": "门锁坏了", "location": "room", "room_id": room}
    fake = await post(
        web, portal(city, "requests"), body, token_from=new, files={"photo": ("photo.png", b"not a picture at all", "image/png")}, htmx=True
    )
    assert fake.status_code == 415 and "<html" not in fake.text and 'data-field="file"' in fake.text
    no_title = await post(web, portal(city, "requests"), {**body, "title": ""}, token_from=new, htmx=True)
    assert no_title.status_code == 400 and 'data-field="title"' in no_title.text
    no_room = await post(web, portal(city, "requests"), {**body, "room_id": ""}, token_from=new, htmx=True)
    assert no_room.status_code == 422 and 'data-field="room_id"' in no_room.text and "房屋内的诉求需选择房屋" in no_room.text
    bad_kind = await post(web, portal(city, "requests"), {**body, "kind": "wish"}, token_from=new, htmx=True)
    assert bad_kind.status_code == 400 and 'data-field="kind"' in bad_kind.text
    # without the form's token: refused before anything runs
    forged = await web.post(portal(city, "requests"), data=body, headers=HTML)
    assert forged.status_code == 403
    assert (await count(db, ServiceRequest), await count(db, Attachment)) == before


async def test_me_too_on_a_public_area_request_once(web, db, city):
    await sign_in(web, OTHER_RESIDENT_PHONE, portal=True)
    body = {"kind": "repair", "category": "elevator", "title": "3号楼电梯异响", "location": "public"}
    r = await post(web, portal(city, "requests"), body, token_from=portal(city, "requests", "new"))
    assert r.status_code == 303
    request_id = r.headers["location"].rsplit("/", 1)[1]

    await sign_in(web, RESIDENT_PHONE, portal=True)
    listing = await web.get(portal(city, "requests"), headers=HTML)
    public = listing.text.split('id="public-requests"')[1]
    assert "3号楼电梯异响" in public and f"/requests/{request_id}/me-too" in public
    url = portal(city, "requests", request_id, "me-too")
    assert (await post(web, url, {}, token_from=portal(city, "requests"))).status_code == 303
    again = await post(web, url, {}, token_from=portal(city, "requests"), htmx=True)
    assert again.status_code == 409 and "您已经点过" in again.text
    async with db.session(Scope.everything("test")) as session:
        assert (await session.get(ServiceRequest, (city.compounds["A1"], uuid.UUID(request_id)))).me_too_count == 1


# --------------------------------------------------------------------------- requests: console


async def test_dispatch_work_and_rating_across_console_and_portal(web, db, city):
    request_id = await file_in_portal(web, city)
    await sign_in(web, "ent-a-manager")
    listing = await web.get(console(city, "requests") + "?state=open", headers=HTML)
    assert listing.status_code == 200 and "厨房水管漏水" in listing.text and "服务诉求" in listing.text
    assert "厨房水管漏水" not in (await web.get(console(city, "requests") + "?state=closed", headers=HTML)).text
    detail = await web.get(console(city, "requests", request_id), headers=HTML)
    assert 'id="action-assign"' in detail.text and "红城物业维修工" in detail.text and 'id="photos"' in detail.text
    # the contact's phone is there for staff, unmasked (request_out decides)
    assert "13800000001" in detail.text

    # an assignment without a staff member is refused in place and changes nothing
    refused = await post(
        web,
        console(city, "requests", request_id, "transitions"),
        {"action": "assign"},
        token_from=console(city, "requests", request_id),
        htmx=True,
    )
    assert refused.status_code == 422 and 'data-field="assignee_user_id"' in refused.text
    # an illegal move names the problem
    illegal = await post(
        web,
        console(city, "requests", request_id, "transitions"),
        {"action": "complete"},
        token_from=console(city, "requests", request_id),
        htmx=True,
    )
    assert illegal.status_code == 409 and "不允许的状态变更" in illegal.text
    assert (
        await move(web, city, request_id, "assign", assignee_user_id=str(city.users["ent-a-staff"]), note="请尽快上门")
    ).status_code == 303

    await sign_in(web, "ent-a-staff")
    mine = await web.get(console(city, "requests") + "?mine=true", headers=HTML)
    assert "厨房水管漏水" in mine.text
    for action in ("accept", "start"):
        assert (await move(web, city, request_id, action)).status_code == 303
    assert (await move(web, city, request_id, "complete", note="更换了水管接头")).status_code == 303
    detail = await web.get(console(city, "requests", request_id), headers=HTML)
    assert 'data-state="completed"' in detail.text and "更换了水管接头" in detail.text

    await sign_in(web, RESIDENT_PHONE, portal=True)
    page = await web.get(portal(city, "requests", request_id), headers=HTML)
    assert 'id="submit-rating"' in page.text and 'id="action-reopen"' in page.text
    bad = await post(
        web, portal(city, "requests", request_id, "rating"), {"rating": "9"}, token_from=portal(city, "requests", request_id), htmx=True
    )
    assert bad.status_code == 400 and 'data-field="rating"' in bad.text
    token = await form_token(web, portal(city, "requests", request_id))
    r = await web.post(
        portal(city, "requests", request_id, "rating"),
        data={"rating": "5", "tags": ["prompt", "solved"], "comment": "师傅很专业", "_csrf": token},
        headers=HTML,
    )
    assert r.status_code == 303
    page = await web.get(portal(city, "requests", request_id), headers=HTML)
    assert 'data-state="rated"' in page.text and "★★★★★" in page.text and "响应及时" in page.text and "师傅很专业" in page.text
    assert 'id="submit-rating"' not in page.text

    await sign_in(web, "ent-a-manager")
    assert 'data-state="rated"' in (await web.get(console(city, "requests", request_id), headers=HTML)).text


async def test_a_low_rating_asks_the_manager_for_a_return_visit_and_a_hand_over_is_recorded(web, city):
    request_id = await file_in_portal(web, city)
    await sign_in(web, "ent-a-manager")
    await move(web, city, request_id, "assign", assignee_user_id=str(city.users["ent-a-manager"]))
    for action in ("accept", "start", "complete"):
        assert (await move(web, city, request_id, action)).status_code == 303
    await sign_in(web, RESIDENT_PHONE, portal=True)
    await post(
        web,
        portal(city, "requests", request_id, "rating"),
        {"rating": "1", "comment": "还在漏"},
        token_from=portal(city, "requests", request_id),
    )
    await sign_in(web, "ent-a-manager")
    detail = console(city, "requests", request_id)
    page = await web.get(detail, headers=HTML)
    assert "待回访" in page.text and 'data-state="assigned"' in page.text
    empty = await post(web, detail + "/return-visit", {"note": ""}, token_from=detail, htmx=True)
    assert empty.status_code == 400 and 'data-field="note"' in empty.text
    assert (await post(web, detail + "/return-visit", {"note": "已电话回访，明天再修"}, token_from=detail)).status_code == 303
    assert (await post(web, detail + "/handover", {"reason": "需燃气公司处理"}, token_from=detail)).status_code == 303
    page = await web.get(detail, headers=HTML)
    assert (
        "已电话回访" in page.text
        and "需燃气公司处理" in page.text
        and "待回访" not in page.text
        and 'id="handover-reason"' not in page.text
    )

    # the staff member may not hand over (needs approve): 403 from the guard
    await sign_in(web, "ent-a-staff")
    assert (await post(web, detail + "/handover", {"reason": "x"}, token_from=detail)).status_code == 403


async def test_staff_file_for_a_caller_and_wrong_people_are_refused(web, db, city):
    before = await count(db, ServiceRequest)
    await sign_in(web, "ent-a-manager")
    new = console(city, "requests", "new")
    page = await web.get(new, headers=HTML)
    resident = re.search(r'<option value="([0-9a-f-]{36})">张建国', page.text)
    assert page.status_code == 200 and resident
    bad = await post(
        web,
        console(city, "requests"),
        {"kind": "complaint", "category": "noise", "title": "", "location": "public"},
        token_from=new,
        htmx=True,
    )
    assert bad.status_code == 400 and 'data-field="title"' in bad.text
    r = await post(
        web,
        console(city, "requests"),
        {
            "channel": "phone",
            "resident_id": resident.group(1),
            "kind": "complaint",
            "category": "noise",
            "title": "夜间施工噪音",
            "location": "public",
        },
        token_from=new,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(console(city, "requests") + "/")
    assert await count(db, ServiceRequest) == before + 1  # the refused form wrote nothing
    async with db.session(Scope.everything("test")) as session:
        filed = await session.scalar(select(ServiceRequest).where(ServiceRequest.title == "夜间施工噪音"))
        assert filed.channel == "phone" and filed.filed_for_user_id == city.users["resident-a1"]

    # the resident does not work in the console; another enterprise does not reach the compound
    await sign_in(web, RESIDENT_PHONE, portal=True)
    assert (await web.get(console(city, "requests"), headers=HTML)).status_code == 403
    await sign_in(web, "ent-b-admin")
    assert (await web.get(console(city, "requests"), headers=HTML)).status_code == 404
    assert (await web.get(console(city, "requests", str(filed.id)), headers=HTML)).status_code == 404
    assert (await web.get(portal(city, "requests"), headers=HTML)).status_code == 404
    # the operator's repairman works the same list
    await sign_in(web, "ent-a-staff")
    listing = await web.get(console(city, "requests"), headers=HTML)
    assert listing.status_code == 200 and "夜间施工噪音" in listing.text and "服务诉求" in listing.text


async def test_enterprise_admins_set_time_limits_and_bad_lines_write_nothing(web, db, city):
    url = "/console/co_building/time-limits"
    await sign_in(web, "ent-a-admin")
    page = await web.get(url, headers=HTML)
    assert page.status_code == 200 and "平台默认" in page.text and 'name="response_hours"' in page.text
    bad = await post(
        web, url, {"category": "plumbing", "priority": "urgent", "response_hours": "8", "completion_hours": "2"}, token_from=url, htmx=True
    )
    assert bad.status_code == 422 and 'data-field="completion_hours"' in bad.text and "办结时限不能短于响应时限" in bad.text
    zero = await post(
        web, url, {"category": "plumbing", "priority": "urgent", "response_hours": "0", "completion_hours": "2"}, token_from=url, htmx=True
    )
    assert zero.status_code == 400 and 'data-field="response_hours"' in zero.text
    assert await count(db, TimeLimit) == 0
    assert (
        await post(web, url, {"category": "plumbing", "priority": "urgent", "response_hours": "1", "completion_hours": "4"}, token_from=url)
    ).status_code == 303
    page = await web.get(url, headers=HTML)
    assert "本企业" in page.text and await count(db, TimeLimit) == 1

    await sign_in(web, "ent-a-staff")
    page = await web.get(url, headers=HTML)
    assert page.status_code == 200 and 'name="response_hours"' not in page.text
    r = await web.post(
        url,
        data={"category": "*", "priority": "normal", "response_hours": "1", "completion_hours": "2", "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 403 and await count(db, TimeLimit) == 1


# --------------------------------------------------------------------------- fees


async def _issue(web, city, period: str) -> None:
    fees = console(city, "fees")
    r = await post(web, fees + "/items", {"name": "电梯运行费", "kind": "area", "unit_price": "0.35"}, token_from=fees)
    assert r.status_code == 303
    r = await post(web, fees + "/bills/generate", {"period": period}, token_from=fees)
    assert r.status_code == 303 and f"period={period}" in r.headers["location"]


async def test_fee_items_and_bills_in_the_console_bad_input_writes_nothing(web, db, city):
    items_before, bills_before = await count(db, FeeItem), await count(db, Bill)
    await sign_in(web, "ent-a-admin")
    fees = console(city, "fees")
    page = await web.get(fees, headers=HTML)
    assert page.status_code == 200 and "收费项目" in page.text and 'id="gen-period"' in page.text
    for body, field in (
        ({"name": "保洁费", "kind": "area", "unit_price": "-1"}, "unit_price"),
        ({"name": "保洁费", "kind": "area", "unit_price": "1.23456"}, "unit_price"),
        ({"name": "", "kind": "area", "unit_price": "1"}, "name"),
    ):
        r = await post(web, fees + "/items", body, token_from=fees, htmx=True)
        assert r.status_code in (400, 422) and f'data-field="{field}"' in r.text
    assert await count(db, FeeItem) == items_before
    bad_period = await post(web, fees + "/bills/generate", {"period": "2026-13"}, token_from=fees, htmx=True)
    assert bad_period.status_code == 400 and 'data-field="period"' in bad_period.text and await count(db, Bill) == bills_before

    await _issue(web, city, "2025-01")
    rooms = len(city.rooms["A1"])
    assert await count(db, Bill, Bill.period == "2025-01") == rooms
    page = await web.get(fees + "?period=2025-01&generated=" + str(rooms), headers=HTML)
    assert f"已为 2025-01 开出 {rooms} 张账单" in page.text and "电梯运行费" in page.text
    assert page.text.count('href="' + fees + "/bills/") == rooms  # the list is filtered to the month
    # due in 2025, so overdue now: the arrears table and the reminders
    assert 'id="arrears"' in page.text and "暂无逾期欠费" not in page.text
    r = await post(web, fees + "/reminders", {}, token_from=fees)
    assert r.status_code == 303 and int(re.search(r"reminded=(\d+)", r.headers["location"]).group(1)) >= rooms
    async with db.session(Scope.everything("test")) as session:
        assert all(b.reminder_count == 1 for b in (await session.scalars(select(Bill).where(Bill.period == "2025-01"))).all())
        item = await session.scalar(select(FeeItem.id).where(FeeItem.name == "电梯运行费"))
    # a billed item's price changes only through a reviewed fee change (前置把关): a direct change is refused
    changed = {"name": "电梯运行费", "kind": "area", "unit_price": "0.40", "due_days": "30"}
    assert (await post(web, fees + f"/items/{item}", changed, token_from=fees)).status_code == 409
    # a fee item is switched off by unticking the box
    kept = {"name": "电梯运行费", "kind": "area", "unit_price": "0.35", "due_days": "30"}
    assert (await post(web, fees + f"/items/{item}", kept, token_from=fees)).status_code == 303
    async with db.session(Scope.everything("test")) as session:
        row = await session.scalar(select(FeeItem).where(FeeItem.id == item))
        assert row.active is False and str(row.unit_price) == "0.3500"

    # the operator's repairman reads fees but does not set them
    await sign_in(web, "ent-a-staff")
    page = await web.get(fees, headers=HTML)
    assert page.status_code == 200 and 'id="gen-period"' not in page.text
    r = await web.post(fees + "/bills/generate", data={"period": "2025-02", "_csrf": csrf_of(page.text)}, headers=HTML)
    assert r.status_code == 403 and await count(db, Bill, Bill.period == "2025-02") == 0


async def test_staff_record_cash_once_per_form_and_print_the_receipt(web, db, city):
    await sign_in(web, "ent-a-admin")
    await _issue(web, city, "2027-07")
    payments_before = await count(db, Payment)
    async with db.session(Scope.everything("test")) as session:
        bill = await session.scalar(select(Bill).where(Bill.period == "2027-07").order_by(Bill.id).limit(1))
    url = console(city, "fees", "bills", str(bill.id))
    page = await web.get(url, headers=HTML)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)
    assert key != re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', (await web.get(url, headers=HTML)).text).group(1)
    for amount, field, status in (
        ("abc", "amount", 400),
        ("1.234", "amount", 400),
        ("0", "amount", 422),  # the service's amount_fen is the form's amount: the error goes beside that field
        (f"{bill.amount_fen / 100 + 1:.2f}", "amount", 422),
    ):
        r = await post(
            web, url + "/payments", {"amount": amount, "method": "cash", "idempotency_key": uuid.uuid4().hex}, token_from=url, htmx=True
        )
        assert r.status_code == status and f'data-field="{field}"' in r.text, (amount, r.text)
    assert await count(db, Payment) == payments_before

    body = {"amount": "10.00", "method": "cash", "idempotency_key": key}
    first = await post(web, url + "/payments", body, token_from=url)
    again = await post(web, url + "/payments", body, token_from=url)  # the same form sent twice
    assert first.status_code == again.status_code == 303
    assert await count(db, Payment) == payments_before + 1
    page = await web.get(url, headers=HTML)
    receipt = re.search(r'href="([^"]+/payments/[0-9a-f-]{36}/receipt)">(R\d+)<', page.text)
    assert receipt and "部分缴纳" in page.text
    printed = await web.get(receipt.group(1), headers=HTML)
    assert (
        printed.status_code == 200
        and receipt.group(2) in printed.text
        and "¥10.00" in printed.text
        and 'class="topbar"' not in printed.text
    )


async def test_a_resident_pays_offline_staff_confirm_and_only_the_owner_sees_it(web, db, city):
    await sign_in(web, "ent-a-admin")
    await _issue(web, city, "2027-07")
    payments_before = await count(db, Payment)

    await sign_in(web, RESIDENT_PHONE, portal=True)
    mine = await web.get(portal(city, "fees"), headers=HTML)
    links = re.findall(r'href="([^"]+/fees/bills/[0-9a-f-]{36})">2027-07', mine.text)
    assert mine.status_code == 200 and len(links) == 1  # one room, one bill of the month
    page = await web.get(links[0], headers=HTML)
    assert 'value="offline"' in page.text and "线下缴费" in page.text
    owed = re.search(r'id="amount" name="amount" type="text" inputmode="decimal" required value="([\d.]+)"', page.text).group(1)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)
    paid = await web.post(
        links[0] + "/payments",
        data={"amount": owed, "provider": "offline", "idempotency_key": key, "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert paid.status_code == 200 and 'id="payment-reference"' in paid.text and "物业服务中心" in paid.text
    reference = re.search(r'id="payment-reference">([^<]+)<', paid.text).group(1)
    # a resident may not record cash
    cash = await web.post(
        links[0] + "/payments",
        data={"amount": "1", "provider": "offline", "method": "cash", "idempotency_key": uuid.uuid4().hex, "_csrf": csrf_of(page.text)},
        headers=HTML,
    )
    assert cash.status_code in (400, 422) and await count(db, Payment) == payments_before + 1

    await sign_in(web, "ent-a-manager")
    fees = await web.get(console(city, "fees"), headers=HTML)
    assert reference in fees.text
    confirm = re.search(re.escape(reference) + r'.*?action="([^"]+/payments/[0-9a-f-]{36}/confirm)"', fees.text, re.S).group(1)
    asked = await web.post(confirm, data={"_csrf": csrf_of(fees.text)}, headers=HTML)  # money received: asked first
    assert asked.status_code == 200 and "请确认" in asked.text and "开具收据" in asked.text
    assert (await web.post(confirm, data={"_csrf": csrf_of(fees.text), "_confirmed": "yes"}, headers=HTML)).status_code == 303
    async with db.session(Scope.everything("test")) as session:
        payment = await session.scalar(select(Payment).where(Payment.provider_reference == reference))
        assert payment.status == "succeeded" and payment.receipt_no
        bill = await session.get(Bill, (city.compounds["A1"], payment.bill_id))
        assert bill.status == "paid"

    await sign_in(web, RESIDENT_PHONE, portal=True)
    page = await web.get(links[0], headers=HTML)
    assert "已缴清" in page.text and payment.receipt_no in page.text and 'id="pay-form"' not in page.text
    receipt = portal(city, "fees", "payments", str(payment.id), "receipt")
    assert (await web.get(receipt, headers=HTML)).status_code == 200

    # another owner of the compound: neither the bill nor the receipt
    await sign_in(web, OTHER_RESIDENT_PHONE, portal=True)
    assert (await web.get(links[0], headers=HTML)).status_code == 404
    assert (await web.get(receipt, headers=HTML)).status_code == 404
    # residents have no console fees desk
    assert (await web.get(console(city, "fees"), headers=HTML)).status_code == 403


async def test_menu_entries_for_staff_and_residents(web, city):
    await sign_in(web, "ent-a-manager")
    page = await web.get(console(city, "requests"), headers=HTML)
    assert f'href="{console(city, "requests")}"' in page.text and f'href="{console(city, "fees")}"' in page.text
    await sign_in(web, RESIDENT_PHONE, portal=True)
    home = await web.get("/portal/", headers=HTML)
    assert f'href="{portal(city, "requests")}"' in home.text and "报事报修" in home.text and "物业缴费" in home.text
    english = await web.get(portal(city, "requests") + "?lang=en", headers=HTML)
    assert "My requests" in english.text and "Report a problem" in english.text


def test_every_message_of_these_pages_has_a_chinese_translation():
    """Each string of the requests and fees pages is in the plugin's catalogs (zh_CN translated, en present) or the core's."""
    sources = [
        PLUGIN / "pages" / "requests.py",
        PLUGIN / "pages" / "fees.py",
        *sorted((PLUGIN / "templates" / "requests").glob("*.html")),
        *sorted((PLUGIN / "templates" / "fees").glob("*.html")),
    ]
    used = set()
    for path in sources:
        method, options = ("python", {}) if path.suffix == ".py" else ("jinja2", {"extensions": "jinja2.ext.i18n"})
        used |= {
            m[1] if isinstance(m[1], str) else m[1][0]
            for m in extract_from_file(
                method, str(path), keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}, options=options
            )
        }
    assert len(used) > 200
    for locale in ("zh_CN", "en"):
        catalogs = [*_catalogs(PLUGIN / "locale", locale), *_catalogs(LOCALE_DIR, locale)]
        missing = sorted(m for m in used if not any(c.get(m) is not None and (locale == "en" or c.get(m).string) for c in catalogs))
        assert missing == [], locale
