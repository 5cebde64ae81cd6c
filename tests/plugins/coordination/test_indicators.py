"""Indicators and widgets of coordination: exact decimals, None for a period without cases, per compound."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core import clock
from core.db import Scope
from plugins.coordination.indicators import INDICATORS, WIDGETS
from plugins.coordination.services.cases import check_deadlines
from tests.plugins.coordination.conftest import department_of, moved, report

BY_CODE = {i["code"]: i["compute"] for i in INDICATORS}


async def test_indicators_of_a_compound(client, as_user, city, db):
    admin, manager, officer = await as_user("district-1-admin"), await as_user("ent-a-manager"), await as_user("officer-1")
    a3 = city.compounds["A3"]  # district 2, no demo cases: the period starts empty
    dept = await department_of(db, city, "D2")
    day = dt.date(2026, 11, 30)
    async with db.session(Scope.of([a3])) as session:
        assert await BY_CODE["coordination.resolution_rate"](session, a3, day, day + dt.timedelta(days=7)) is None
    a1 = city.compounds["A1"]
    fast = await report(client, manager, a1, title="快")
    slow = await report(client, manager, a1, title="慢", priority="urgent")
    await report(client, manager, a1, title="未办")
    dept = await department_of(db, city)
    for case in (fast, slow):
        case = await moved(client, admin, case, "accept")
        await moved(client, admin, case, "dispatch", department_id=str(dept))
    await moved(client, officer, fast, "start")
    await moved(client, officer, fast, "resolve")
    clock.advance(dt.timedelta(days=5))  # the urgent one is 3 working days late by now
    async with db.transaction(Scope.of([a1])) as session:
        await check_deadlines(session, a1)
    officer = await as_user("officer-1")
    await moved(client, officer, slow, "start")
    await moved(client, officer, slow, "resolve")
    async with db.session(Scope.of([a1])) as session:
        values = {code: await f(session, a1, day, day + dt.timedelta(days=1)) for code, f in BY_CODE.items()}
        widgets = {w["code"]: await w["compute"](session, [a1], day) for w in WIDGETS}
    assert values["coordination.resolution_rate"] == Decimal("66.67")
    assert values["coordination.on_time_rate"] == Decimal("50.00")
    assert values["coordination.mean_hours_to_resolve"] == Decimal("60.0")  # (0 h + 120 h) / 2
    assert values["coordination.escalations_per_100"] == Decimal("66.67")  # the slow one and the untouched one
    assert all(isinstance(v, Decimal) for v in values.values())
    assert widgets["coordination.open_cases"]["value"] >= 1 and widgets["coordination.open_by_category"]["unit"] == "件"
