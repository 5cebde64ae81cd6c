"""Time limits on a basis per category and priority (issue 14, point 3): urgent requests, safety and leaks run on the
clock (24×7) by default, others in working hours, and a tenant may count in working days; the deadline, the breach and
the escalation all follow the request's basis."""

from __future__ import annotations

import datetime as dt
import types
import uuid

from sqlalchemy import select

from core import clock
from core.db import Scope
from plugins.co_building.jobs.requests import mark_breaches_job
from plugins.co_building.models.requests import ServiceRequest
from tests.plugins.co_building.test_work_orders import file_repair

LIMITS = "/api/v1/co_building/time-limits"


def local(*args: int) -> dt.datetime:
    """A wall-clock time in Asia/Shanghai (UTC+8, no daylight saving), as UTC."""
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


async def _level(db, rid: str) -> int:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(ServiceRequest.escalation_level).where(ServiceRequest.id == uuid.UUID(rid)))


async def test_an_urgent_request_on_the_eve_of_the_spring_festival_is_due_within_the_hour(client, as_user, city, db):
    """Filed on Saturday 2026-02-14 at 20:00, the Spring Festival holiday ahead: due at 21:00, not on 2026-02-24."""
    runtime = types.SimpleNamespace(database=lambda: db)
    with clock.frozen_at(local(2026, 2, 14, 19, 0)):
        await mark_breaches_job.fn(runtime)  # the demo's late orders first: what follows is this order's alone
    with clock.frozen_at(local(2026, 2, 14, 20, 0)):
        resident = await as_user("resident-a1")
        order = await file_repair(client, city, resident, category="electrical", priority="urgent", title="楼道配电箱冒烟")
        assert order["limit_basis"] == "clock"
        assert at(order["response_due_at"]) == local(2026, 2, 14, 21, 0)
        assert at(order["completion_due_at"]) == local(2026, 2, 15, 4, 0)
    with clock.frozen_at(local(2026, 2, 14, 20, 59)):
        await mark_breaches_job.fn(runtime)
        assert await _level(db, order["id"]) == 0
    with clock.frozen_at(local(2026, 2, 14, 21, 1)):  # an hour and a minute later, a holiday night: breached
        await mark_breaches_job.fn(runtime)
        assert await _level(db, order["id"]) == 1
    with clock.frozen_at(local(2026, 2, 15, 0, 59)):
        await mark_breaches_job.fn(runtime)
        assert await _level(db, order["id"]) == 1
    with clock.frozen_at(local(2026, 2, 15, 1, 1)):  # 4 clock hours after the breach: the enterprise's administrators
        await mark_breaches_job.fn(runtime)
        assert await _level(db, order["id"]) == 2
        resident = await as_user("resident-a1")
        detail = (await client.get(f"/api/v1/compounds/{city.compounds['A1']}/co_building/requests/{order['id']}", headers=resident)).json()
        assert detail["response_breached"] and [e["action"] for e in detail["timeline"]] == ["file", "breach", "escalate", "escalate"]


async def test_a_leak_runs_on_the_clock_and_a_normal_request_in_working_hours(client, as_user, city):
    with clock.frozen_at(local(2026, 2, 13, 20, 0)):  # Friday evening, the Spring Festival holiday from Sunday
        resident = await as_user("resident-a1")
        leak = await file_repair(client, city, resident)  # plumbing, normal
        assert leak["limit_basis"] == "clock" and at(leak["response_due_at"]) == local(2026, 2, 14, 0, 0)
        lamp = await file_repair(client, city, resident, category="electrical", title="客厅灯不亮")
        assert lamp["limit_basis"] == "working_hours"
        # 4 office hours on the next working day: Saturday 2026-02-14, a make-up working day of the Spring Festival
        assert at(lamp["response_due_at"]) == local(2026, 2, 14, 13, 0)


async def test_a_three_working_day_limit_across_the_new_year_of_2027(client, as_user, city):
    """Filed on Wednesday 2026-12-30 at 10:00: 31 December, (1 January is New Year's Day, then a weekend), 4 and 5
    January — due on 2027-01-05 at 10:00."""
    with clock.frozen_at(local(2026, 12, 30, 10, 0)):
        admin, resident = await as_user("ent-a-admin"), await as_user("resident-a1")
        r = await client.put(
            LIMITS,
            json={"category": "greening", "priority": "normal", "response_hours": 1, "completion_hours": 3, "basis": "working_days"},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        assert r.json()["basis"] == "working_days" and r.json()["source"] == "tenant"
        order = await file_repair(client, city, resident, category="greening", title="门前绿化带枯死")
        assert order["limit_basis"] == "working_days"
        assert at(order["response_due_at"]) == local(2026, 12, 31, 10, 0)
        assert at(order["completion_due_at"]) == local(2027, 1, 5, 10, 0)
        bad = await client.put(
            LIMITS,
            json={"category": "greening", "priority": "normal", "response_hours": 1, "completion_hours": 3, "basis": "moon"},
            headers=admin,
        )
        assert bad.status_code == 400 and "basis" in bad.text


async def test_the_table_shows_each_line_s_basis_with_the_defaults(client, as_user, city):
    with clock.frozen_at(local(2026, 11, 30, 10, 0)):
        admin = await as_user("ent-a-admin")
        rows = (await client.get(LIMITS, headers=admin)).json()["items"]
        lines = {(r["category"], r["priority"]): (r["basis"], r["source"]) for r in rows}
        assert lines[("*", "urgent")] == ("clock", "default")
        assert lines[("*", "normal")] == ("working_hours", "default")
        assert lines[("plumbing", "normal")] == ("clock", "default") and lines[("security", "normal")] == ("clock", "default")
        # the tenant's own '*' line covers every category: the category defaults are no longer shown for it
        r = await client.put(
            LIMITS, json={"category": "*", "priority": "normal", "response_hours": 2, "completion_hours": 16}, headers=admin
        )
        assert r.json()["basis"] == "working_hours"
        lines = {(r["category"], r["priority"]) for r in (await client.get(LIMITS, headers=admin)).json()["items"]}
        assert ("plumbing", "normal") not in lines and ("*", "urgent") in lines
