"""co_building indicators and dashboard widgets: consultation (proposals handled, votes open)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.co_building.models.consultation import OwnersVote, Proposal
from plugins.co_building.services.consultation import proposals_handled


async def open_votes(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    n = await session.scalar(
        select(func.count()).select_from(OwnersVote).where(OwnersVote.compound_id.in_(compound_ids), OwnersVote.state == "open")
    )
    return {"value": n or 0, "unit": "项"}


async def proposals_waiting(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    n = await session.scalar(
        select(func.count()).select_from(Proposal).where(Proposal.compound_id.in_(compound_ids), Proposal.state == "deliberation")
    )
    return {"value": n or 0, "unit": "项"}


INDICATORS: list[dict] = [
    {
        "code": "co_building.proposals_handled",
        "label_zh": "议题办理数",
        "label_en": "Proposals handled",
        "unit": "count",
        "target": Decimal("1"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "compute": proposals_handled,
    },
]
WIDGETS: list[dict] = [
    {
        "code": "co_building.open_votes",
        "label_zh": "进行中的业主表决",
        "label_en": "Owners' votes open",
        "scope": "compound",
        "kind": "figure",
        "compute": open_votes,
    },
    {
        "code": "co_building.proposals_waiting",
        "label_zh": "待议事议题",
        "label_en": "Proposals awaiting deliberation",
        "scope": "compound",
        "kind": "figure",
        "compute": proposals_waiting,
    },
]
