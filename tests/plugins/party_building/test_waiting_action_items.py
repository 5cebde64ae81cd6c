"""The joint meetings' open action items wait on the party secretary's home (issue 15, point 6): counted over every
compound the secretary reaches, the nearest due first, overdue or due within three days counted as urgent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.clock import now
from core.db import Scope
from plugins.party_building import models as m
from tests.core.test_web import HTML, sign_in

CODE = "party_building.action_items"


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


def _card(page: str) -> str:
    return page.split(f'data-code="{CODE}"', 1)[1].split("</div>", 1)[0] if f'data-code="{CODE}"' in page else ""


def _numbers(card: str) -> tuple[int, int]:
    count = int(re.search(r'<span class="waiting-count">(\d+)</span>', card).group(1))
    urgent = re.search(r"(\d+)\s*项紧急|(\d+) urgent", card)
    return count, int(next(g for g in urgent.groups() if g)) if urgent else 0


async def test_the_secretary_s_home_lists_the_open_action_items_nearest_due_first(web, db, city):
    await sign_in(web, "party-secretary-1")
    before = _card((await web.get("/console/", headers=HTML)).text)
    assert before, "no action items on the secretary's home"
    count, urgent = _numbers(before)
    assert count >= 1  # the demo's joint meeting left open items

    a1 = city.compounds["A1"]
    async with db.transaction(Scope.everything("test")) as session:
        meeting = await session.scalar(select(m.ActionItem).where(m.ActionItem.compound_id == a1).limit(1))
        session.add(
            m.ActionItem(
                compound_id=a1,
                meeting_id=meeting.meeting_id,
                resolution_id=meeting.resolution_id,
                title="整改楼道堆物",
                owner_kind=meeting.owner_kind,
                owner_name="物业服务中心",
                due_on=now().date() - dt.timedelta(days=30),
                status="open",
            )
        )
    after = _card((await web.get("/console/", headers=HTML)).text)
    assert _numbers(after) == (count + 1, urgent + 1)
    first = re.search(r"<li>(.*?)</li>", after, re.S).group(1)
    assert "整改楼道堆物" in first and "已逾期" in first and "/party_building/action-items" in first  # the oldest due first

    await sign_in(web, "ent-a-staff")  # reads the items, does not follow them up
    assert not _card((await web.get("/console/", headers=HTML)).text)
