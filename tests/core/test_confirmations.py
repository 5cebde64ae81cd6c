"""Irreversible actions ask first and say what will happen (issue 15, point 8), the same way everywhere
(``core.web.confirm``: the dialog's words on the button, a step page without script): cancelling a party meeting,
withdrawing an action item, suspending a tenant. Nothing changes until the person confirms."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from core.db import Scope
from plugins.party_building import models as m
from tenants.models import Tenant
from tests.conftest import login
from tests.core.test_zh_text_crawl import ZH, sign_in

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def _csrf(html: str) -> str:
    return CSRF.search(html).group(1)


async def _ask_then_do(client, page_url: str, action: str, fields: dict, says: str) -> None:
    page = await client.get(page_url, headers=ZH)
    assert page.status_code == 200 and f'action="{action}"' in page.text, page.text[:500]
    assert f'data-confirm="{says}' in page.text  # the dialog's words, on the button
    form = {**fields, "_csrf": _csrf(page.text)}
    asked = await client.post(action, data=form, headers=ZH, follow_redirects=False)
    assert asked.status_code == 200 and "请确认" in asked.text and says in asked.text and 'name="_confirmed" value="yes"' in asked.text
    return form


async def test_cancelling_a_party_meeting_asks_first(client, city, db):
    a1 = city.compounds["A1"]
    planned = await client.post(
        f"/api/v1/compounds/{a1}/party_building/meetings",
        json={"kind": "joint", "title": "十二月联席会议", "scheduled_at": "2099-12-10T02:00:00Z"},
        headers=await login(client, "party-secretary-1"),
    )
    assert planned.status_code == 201, planned.text
    meeting = planned.json()["id"]
    await sign_in(client, "party-secretary-1")
    base = f"/console/compounds/{a1}/party_building/meetings/{meeting}"
    form = await _ask_then_do(client, base, base + "/cancel", {}, "会议将被取消")
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(m.Meeting.status).where(m.Meeting.id == uuid.UUID(meeting))) == "planned"  # nothing yet
    done = await client.post(base + "/cancel", data={**form, "_confirmed": "yes"}, headers=ZH, follow_redirects=False)
    assert done.status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(m.Meeting.status).where(m.Meeting.id == uuid.UUID(meeting))) == "cancelled"


async def test_withdrawing_an_action_item_asks_first(client, city, db):
    a1 = city.compounds["A1"]
    async with db.session(Scope.everything("test")) as session:
        item = await session.scalar(select(m.ActionItem.id).where(m.ActionItem.compound_id == a1, m.ActionItem.status == "open").limit(1))
    await sign_in(client, "party-secretary-1")
    base = f"/console/compounds/{a1}/party_building/action-items"
    form = await _ask_then_do(client, base, f"{base}/{item}/cancel", {}, "该事项将被撤回")
    done = await client.post(f"{base}/{item}/cancel", data={**form, "_confirmed": "yes"}, headers=ZH, follow_redirects=False)
    assert done.status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(m.ActionItem.status).where(m.ActionItem.id == item)) == "cancelled"


async def test_suspending_a_tenant_asks_first_and_reactivating_does_not(client, city, db):
    c = city.tenants["C"]
    await sign_in(client, "platform")
    action = f"/console/tenants/{c}/status"
    form = await _ask_then_do(client, "/console/tenants?kind=enterprise", action, {"status": "suspended"}, "该租户将被停用")
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(Tenant.status).where(Tenant.id == c)) == "active"
    assert (await client.post(action, data={**form, "_confirmed": "yes"}, headers=ZH, follow_redirects=False)).status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(Tenant.status).where(Tenant.id == c)) == "suspended"
    back = await client.post(action, data={**form, "status": "active"}, headers=ZH, follow_redirects=False)
    assert back.status_code == 303  # undoing a suspension needs no confirmation


async def test_marking_a_booking_no_show_asks_first(client, city, db):
    from core import clock
    from plugins.co_building.models.featured import ServiceBooking, ServiceSlot

    a1 = city.compounds["A1"]
    async with db.session(Scope.everything("test")) as session:
        booking, starts = (
            await session.execute(
                select(ServiceBooking.id, ServiceSlot.starts_at)
                .join(ServiceSlot, (ServiceSlot.compound_id == ServiceBooking.compound_id) & (ServiceSlot.id == ServiceBooking.slot_id))
                .where(ServiceBooking.compound_id == a1, ServiceBooking.status == "confirmed")
                .order_by(ServiceSlot.starts_at)
                .limit(1)
            )
        ).one()
    with clock.frozen_at(starts + dt.timedelta(hours=1)):
        await sign_in(client, "ent-a-manager")
        base = f"/console/compounds/{a1}/co_building/bookings"
        form = await _ask_then_do(
            client, base + "?status=confirmed&upcoming=false", f"{base}/{booking}/no-show", {}, "预约将按“未到场”关闭"
        )
        async with db.session(Scope.everything("test")) as session:
            assert await session.scalar(select(ServiceBooking.status).where(ServiceBooking.id == booking)) == "confirmed"
        done = await client.post(f"{base}/{booking}/no-show", data={**form, "_confirmed": "yes"}, headers=ZH, follow_redirects=False)
        assert done.status_code == 303
    async with db.session(Scope.everything("test")) as session:
        assert await session.scalar(select(ServiceBooking.status).where(ServiceBooking.id == booking)) == "no_show"
