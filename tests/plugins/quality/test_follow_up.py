"""The automatic follow-up survey after a completed work order, end to end through the outbox and the worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from decimal import Decimal

from sqlalchemy import select

from core import clock
from core.db import Database, Scope
from core.events import catalogue
from core.events.services import emit
from core.jobs.runtime import build_runtime
from core.notifications.models import Notification
from core.settings import load_settings
from plugins.quality.indicators import satisfaction
from plugins.quality.models import Campaign, RequestFact
from tenants.models import Household, Resident

COMPLETED = "co_building.request.completed"


def _declared() -> None:
    """co_building declares the event; until its declaration lands, the test registers the same shape."""
    if COMPLETED not in catalogue.declared():
        import plugins.co_building as cb

        fields = ["request_id", "number", "kind", "category", "filed_for_user_id", "room_id"]
        catalogue.register(
            "co_building", cb, catalogue.parse("co_building", [{"name": COMPLETED, "fields": fields, "description": "done"}])
        )


async def test_completed_work_order_sends_a_follow_up_whose_answers_join_the_figures(client, as_user, city, database_urls, plugin_host):
    _declared()
    a1 = city.compounds["A1"]
    settings = load_settings(
        {**os.environ, "REDPROP_DATABASE_URL": database_urls["app"], "REDPROP_CROSS_SCOPE_DATABASE_URL": database_urls["cross"]}
    )
    runtime = build_runtime(settings, plugin_host)
    db = Database(settings.database_url, cross_scope_url=database_urls["cross"])
    request_id = uuid.uuid4()
    try:
        async with db.transaction(Scope.of([a1])) as session:
            room = await session.scalar(
                select(Household.room_id)
                .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
                .where(Resident.user_id == city.users["resident-a1"])
            )
            payload = {"request_id": str(request_id), "number": "BX-1", "kind": "repair", "category": "plumbing"}
            emit(session, COMPLETED, {**payload, "filed_for_user_id": str(city.users["resident-a1"]), "room_id": str(room)}, compound_id=a1)
        runtime.start_worker(threads=1)
        runtime.start_loops(dispatch_interval=0.05)
        campaign = None
        for _ in range(300):
            async with db.session(Scope.of([a1])) as session:
                campaign = await session.scalar(select(Campaign).where(Campaign.compound_id == a1, Campaign.request_id == request_id))
            if campaign is not None:
                break
            await asyncio.sleep(0.05)
        assert campaign is not None and campaign.kind == "follow_up"
    finally:
        await asyncio.to_thread(runtime.stop)
    async with db.session(Scope.everything("test")) as session:
        fact = await session.scalar(select(RequestFact).where(RequestFact.id == request_id))
        told = (
            await session.scalars(
                select(Notification).where(Notification.user_id == city.users["resident-a1"], Notification.kind == "quality.follow_up")
            )
        ).all()
    assert fact is not None and fact.category == "plumbing" and fact.completed_at is not None and fact.building_id is not None
    assert len(told) == 1 and told[0].link.endswith(f"/quality/surveys/{campaign.id}")
    # only the filing household answers; its answers count in the compound's satisfaction
    url = f"/api/v1/compounds/{a1}/quality/campaigns/{campaign.id}/responses"
    neighbour = await client.post(
        url, json={"answers": {"overall": 1, "timeliness": 1, "attitude": 1}}, headers=await as_user("resident-a1b")
    )
    assert neighbour.status_code == 404
    mine = await client.post(
        url, json={"answers": {"overall": 5, "timeliness": 4, "attitude": 5, "comment": "很快"}}, headers=await as_user("resident-a1")
    )
    assert mine.status_code == 201, mine.text
    today = clock.now().date()
    async with db.session(Scope.of([a1])) as session:
        assert await satisfaction(session, a1, today, today + dt.timedelta(days=1)) == Decimal("93.33")  # (5 + 4 + 5) · 20 / 3
    await db.dispose()
