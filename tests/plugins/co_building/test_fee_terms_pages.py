"""The console's late-fee terms page and the fee item form's area basis (issue 14, point 6), in Chinese: the terms are
entered and shown with the rule, a bad rate is refused naming it and writes nothing, a reader sees them without the
form; an item charged on the exclusive area keeps that basis when changed; a bill shows its late fee."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core import clock
from tests.core.test_web import HTML, csrf_of, sign_in

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def pages(city) -> str:
    return f"/console/compounds/{city.compounds['A1']}/co_building/fees"


def api(city) -> str:
    return f"/api/v1/compounds/{city.compounds['A1']}/co_building"


async def test_the_late_fee_terms_are_entered_and_shown_in_chinese(client, as_user, city):
    client.follow_redirects = False
    with clock.frozen_at(NOW):
        await sign_in(client, "ent-a-manager")
        fees = await client.get(pages(city) + "/", headers=HTML)
        assert fees.status_code == 200 and "滞纳金约定" in fees.text and 'href="' + pages(city) + '/terms"' in fees.text
        empty = await client.get(pages(city) + "/terms", headers=HTML)
        assert empty.status_code == 200 and "无滞纳金" in empty.text and "录入约定" in empty.text
        token = csrf_of(empty.text)
        bad = await client.post(
            pages(city) + "/terms", data={"late_fee_daily_rate": "0.02", "late_fee_cap_rate": "0.1", "_csrf": token}, headers=HTML
        )
        assert bad.status_code == 422 and "late_fee_daily_rate" in bad.text and "不能超过 0.01" in bad.text
        admin = await as_user("ent-a-admin")
        assert (await client.get(api(city) + "/fee-terms", headers=admin)).json()["late_fee_daily_rate"] is None
        saved = await client.post(
            pages(city) + "/terms",
            data={
                "late_fee_daily_rate": "0.0005",
                "late_fee_cap_rate": "0.1",
                "grace_days": "5",
                "contract_clause": "《物业服务合同》第十二条",
                "_csrf": token,
            },
            headers=HTML,
        )
        assert saved.status_code in (302, 303), saved.text
        shown = await client.get(pages(city) + "/terms", headers=HTML)
        assert "每日 0.05 %" in shown.text and "欠费金额的 10 %" in shown.text and "第十二条" in shown.text
        terms = (await client.get(api(city) + "/fee-terms", headers=admin)).json()
        assert (Decimal(terms["late_fee_daily_rate"]), Decimal(terms["late_fee_cap_rate"]), terms["grace_days"]) == (
            Decimal("0.0005"),
            Decimal("0.1"),
            5,
        )

        client.cookies.clear()
        await sign_in(client, "district-1-admin")  # reads the terms, may not enter them
        read_only = await client.get(pages(city) + "/terms", headers=HTML)
        assert read_only.status_code == 200 and "每日 0.05 %" in read_only.text and "录入约定" not in read_only.text


async def test_a_fee_item_keeps_its_area_basis_and_a_bill_shows_its_late_fee(client, as_user, city):
    client.follow_redirects = False
    admin = await as_user("ent-a-admin")
    with clock.frozen_at(NOW):
        await sign_in(client, "ent-a-manager")
        fees = await client.get(pages(city) + "/", headers=HTML)
        assert "计费面积" in fees.text and "专有部分面积" in fees.text
        made = await client.post(
            pages(city) + "/items",
            data={"name": "公共能耗分摊", "kind": "area", "area_basis": "exclusive", "unit_price": "0.25", "_csrf": csrf_of(fees.text)},
            headers=HTML,
        )
        assert made.status_code in (302, 303), made.text
        items = (await client.get(api(city) + "/fee-items/", headers=admin)).json()["items"]
        item = next(i for i in items if i["name"] == "公共能耗分摊")
        assert item["area_basis"] == "exclusive"
        fees = await client.get(pages(city) + "/", headers=HTML)
        changed = await client.post(
            pages(city) + f"/items/{item['id']}",
            data={"name": "公共能耗分摊", "kind": "area", "area_basis": "exclusive", "unit_price": "0.30", "_csrf": csrf_of(fees.text)},
            headers=HTML,
        )
        assert changed.status_code in (302, 303), changed.text
        items = (await client.get(api(city) + "/fee-items/", headers=admin)).json()["items"]
        assert next(i for i in items if i["id"] == item["id"])["area_basis"] == "exclusive"

        r = await client.put(api(city) + "/fee-terms", json={"late_fee_daily_rate": "0.0005", "late_fee_cap_rate": "0.1"}, headers=admin)
        assert r.status_code == 200, r.text
        assert (await client.post(api(city) + "/bills/generate", json={"period": "2026-09"}, headers=admin)).status_code == 200
        bill = (await client.get(api(city) + "/bills", params={"period": "2026-09", "limit": 1}, headers=admin)).json()["items"][0]
        assert bill["late_fee_fen"] > 0
        page = await client.get(pages(city) + f"/bills/{bill['id']}", headers=HTML)
        assert page.status_code == 200 and f"滞纳金（逾期 {bill['late_fee_days']} 天）" in page.text and 'id="late-fee"' in page.text
