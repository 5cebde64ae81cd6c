"""The job closing rated (or long unrated) work orders runs only where co_building is on (issue 9, point 3)."""

from __future__ import annotations

import datetime as dt
import types

from sqlalchemy import select

from core import clock
from core.db import Scope
from core.ids import uuid7
from plugins.co_building.jobs.requests import close_rated_job
from plugins.co_building.models.requests import ServiceRequest


async def _completed_order(db, compound_id, completed_at: dt.datetime) -> ServiceRequest:
    async with db.transaction(Scope.of([compound_id])) as session:
        row = ServiceRequest(
            id=uuid7(),
            compound_id=compound_id,
            number=f"T-{uuid7().hex[-6:]}",
            kind="repair",
            category="plumbing",
            priority="normal",
            location="public",
            channel="portal",
            title="测试工单",
            description="测试工单",
            contact_name="测试",
            state="completed",
            response_due_at=completed_at,
            completion_due_at=completed_at,
            completed_at=completed_at,
            rating_tags=[],
        )
        session.add(row)
    return row


async def _state(db, row: ServiceRequest) -> str:
    async with db.session(Scope.of([row.compound_id])) as session:
        return await session.scalar(select(ServiceRequest.state).where(ServiceRequest.id == row.id))


async def test_close_rated_skips_a_compound_where_the_module_is_off(db, city):
    five_days_ago = clock.now() - dt.timedelta(days=5)
    on = await _completed_order(db, city.compounds["A1"], five_days_ago)
    off = await _completed_order(db, city.compounds["B2"], five_days_ago)  # co_building is off in B2
    runtime = types.SimpleNamespace(database=lambda: db)
    assert await close_rated_job.fn(runtime) >= 1
    assert await _state(db, on) == "closed"
    assert await _state(db, off) == "completed"
