"""Safe and fitting controls on the pages (issue 15, points 7 and 8), without a browser.

An irreversible action asks first and says what will happen (a step page without script, the box in the form for
htmx, the dialog's text on the button); a refused form comes back with what was typed and the error beside the
field in Chinese; a refusal names the missing right in words; personal data is masked for staff who do not need it.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from core.db import Scope
from core.web.i18n import field_message, translations
from plugins.co_building.models.fees import Bill, Payment
from tenants.models import Compound, Tenant
from tests.conftest import login
from tests.core.test_zh_text_crawl import ZH, sign_in
from tests.support.pre_review import approve_operator_change

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
HTMX = {**ZH, "HX-Request": "true"}


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no form token on the page"
    return found.group(1)


async def test_changing_the_operator_asks_first_and_says_what_will_happen(client, city, db):
    a3 = city.compounds["A1"]  # where the community party organisation reviews the change first (前置把关)
    async with db.session(Scope.everything("test")) as session:
        before = await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == a3))
        other = await session.scalar(
            select(Tenant.id).where(Tenant.kind == "enterprise", Tenant.id != before).order_by(Tenant.name).limit(1)
        )
    await approve_operator_change(client, a3, other, await login(client, "platform"))
    await sign_in(client, "platform")
    profile = await client.get(f"/console/compounds/{a3}", headers=ZH)
    assert profile.status_code == 200 and 'data-confirm="小区将移交给所选企业' in profile.text  # the dialog's words
    token = _csrf(profile.text)
    form = {"tenant_id": str(other), "note": "合同到期", "_csrf": token}

    asked = await client.post(f"/console/compounds/{a3}/operator", data=form, headers=ZH, follow_redirects=False)
    assert asked.status_code == 200 and "请确认" in asked.text and "现任物业立即失去访问权限" in asked.text
    # the step sends the same form again, confirmed, and offers a way back
    assert f'name="tenant_id" value="{other}"' in asked.text and 'name="note" value="合同到期"' in asked.text
    assert 'name="_confirmed" value="yes"' in asked.text and "取消" in asked.text
    boxed = await client.post(f"/console/compounds/{a3}/operator", data=form, headers=HTMX, follow_redirects=False)
    assert boxed.status_code == 200 and "请确认" in boxed.text and 'name="_confirmed" value="yes"' in boxed.text
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == a3)) == before  # nothing yet

    done = await client.post(f"/console/compounds/{a3}/operator", data={**form, "_confirmed": "yes"}, headers=ZH, follow_redirects=False)
    assert done.status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == a3)) == other


async def test_the_pay_form_comes_back_with_what_was_typed_and_the_error_beside_the_amount(client, city, db):
    a1 = city.compounds["A1"]
    await sign_in(client, "resident-a1")
    listing = await client.get(f"/portal/compounds/{a1}/co_building/fees", headers=ZH)
    bills = re.findall(r'href="(/portal/compounds/[0-9a-f-]{36}/co_building/fees/bills/([0-9a-f-]{36}))"', listing.text)
    async with db.session(Scope.everything("test")) as session:
        unpaid = set(
            (await session.scalars(select(Bill.id).where(Bill.id.in_([uuid.UUID(b) for _, b in bills]), Bill.status != "paid"))).all()
        )
        payments = await session.scalar(select(func.count()).select_from(Payment))
    url = next(u for u, b in bills if uuid.UUID(b) in unpaid)
    bill = await client.get(url, headers=ZH)
    assert 'id="pay-form"' in bill.text

    too_much = await client.post(
        url + "/payments", data={"amount": "99999.00", "provider": "offline", "_csrf": _csrf(bill.text)}, headers=ZH
    )
    assert too_much.status_code == 422 and 'id="pay-form"' in too_much.text  # the bill and its form, not an error page
    assert 'value="99999.00"' in too_much.text and 'aria-invalid="true"' in too_much.text
    assert re.search(r'id="error-amount"[^>]*>金额不能超过应缴金额', too_much.text)

    spaces = await client.post(url + "/payments", data={"amount": "   ", "provider": "offline", "_csrf": _csrf(bill.text)}, headers=ZH)
    assert spaces.status_code == 400 and 'id="pay-form"' in spaces.text and re.search(r'id="error-amount"[^>]*>必填', spaces.text)
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == payments  # nothing written


async def test_a_refusal_says_which_right_is_missing_in_words(client):
    await sign_in(client, "ent-a-staff")
    refused = await client.get("/console/audit", headers=ZH)
    assert refused.status_code == 403 and "你的角色无权查看这项内容" in refused.text
    assert "this needs" not in refused.text and "core.audit" not in refused.text


async def test_the_care_list_masks_phone_and_id_card_for_staff_without_the_right(client, city):
    base = f"/console/compounds/{city.compounds['A1']}/co_building/care"
    await sign_in(client, "ent-a-staff")  # a repair worker may read the list, not the residents' personal data
    staff = await client.get(base, headers=ZH)
    assert staff.status_code == 200 and "139****0011" in staff.text and "13900000011" not in staff.text
    assert not re.search(r"\b\d{17}[\dX]\b", staff.text)  # no ID-card number in full
    await sign_in(client, "ent-a-manager")
    assert "13900000011" in (await client.get(base, headers=ZH)).text


def test_validators_english_is_said_in_chinese_beside_the_field():
    zh = translations("zh_CN")
    assert field_message(zh, "Object missing required field `name`") == "必填。"
    assert field_message(zh, "Expected `str` matching regex '\\\\S' - at `$.title`") == "必填，不能只有空格。"  # msgspec's words
    assert field_message(zh, "Expected `str` of length <= 200") == "最多 200 个字。"
    assert field_message(zh, "Expected `int`, got `str`") == "请填写整数。"
    assert field_message(zh, "Expected `int` >= 1") == "不能小于 1。"
    assert field_message(zh, "Invalid enum value 'x'") == "请从选项中选择。"
    assert field_message(zh, "Invalid RFC3339 encoded date") == "请填写日期，如 2026-01-31。"
    assert field_message(translations("en"), "Expected `int`, got `str`") == "Enter a whole number."
