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
        select(func.count()).select_from(OwnersVote).where(OwnersVote.state == "open").execution_options(within=compound_ids)
    )
    return {"value": n or 0, "unit": "项"}


async def proposals_waiting(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    n = await session.scalar(
        select(func.count()).select_from(Proposal).where(Proposal.state == "deliberation").execution_options(within=compound_ids)
    )
    return {"value": n or 0, "unit": "项"}


async def proposals_handled_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    """``proposals_handled`` of each compound in one GROUP BY (0 where none was decided)."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC)
    rows = dict(
        (
            await session.execute(
                select(Proposal.compound_id, func.count())
                .where(Proposal.decided_at >= lo, Proposal.decided_at < hi)
                .group_by(Proposal.compound_id)
                .execution_options(within=compound_ids)
            )
        ).all()
    )
    return {c: Decimal(rows.get(c) or 0) for c in compound_ids}


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
        "compute_many": proposals_handled_many,
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
