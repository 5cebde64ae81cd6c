"""co_building indicators and dashboard widgets: property fees."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from plugins.co_building.models.fees import BILL_STATUSES, Bill
from plugins.co_building.services.fees import collection_rate

OWING = tuple(s for s in BILL_STATUSES if s != "paid")


async def overdue_amount(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    """What is owed past due: the owing statuses named (not ``!= 'paid'``), so the index on (compound, status, period)
    reads only the owing bills of each compound, not a year of them."""
    total = await session.scalar(
        select(func.sum(Bill.amount_fen - Bill.paid_fen))
        .where(Bill.status.in_(OWING), Bill.due_on < now().date())
        .execution_options(within=compound_ids)  # one compound filter: the status index serves hundreds of compounds
    )
    return {"value": (Decimal(int(total or 0)) / 100).quantize(Decimal("0.01")), "unit": "元"}


async def collection_this_year(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    row = (
        await session.execute(
            select(func.sum(Bill.amount_fen), func.sum(Bill.paid_fen))
            .where(Bill.period >= f"{today.year}-01", Bill.period <= f"{today.year}-12")
            .execution_options(within=compound_ids)
        )
    ).first()  # one statement for a district's compounds (the district home), not one per compound
    billed, paid = int(row[0] or 0), int(row[1] or 0)
    value = None if not billed else (Decimal(paid) * 100 / Decimal(billed)).quantize(Decimal("0.01"))
    return {"value": value, "unit": "%"}


async def collection_rate_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    """``collection_rate`` of each compound in one GROUP BY."""
    rows = (
        await session.execute(
            select(Bill.compound_id, func.sum(Bill.amount_fen), func.sum(Bill.paid_fen))
            .where(Bill.due_on >= start, Bill.due_on < end)
            .group_by(Bill.compound_id)
            .execution_options(within=compound_ids)
        )
    ).all()
    return {
        c: (Decimal(int(paid or 0)) * 100 / Decimal(int(billed))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for c, billed, paid in rows
        if billed
    }


INDICATORS: list[dict] = [
    {
        "code": "co_building.fee_collection",
        "label_zh": "物业费收缴率",
        "label_en": "Fee collection rate",
        "unit": "%",
        "target": Decimal("90"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": collection_rate,
        "compute_many": collection_rate_many,
    },
]
WIDGETS: list[dict] = [
    {
        "code": "co_building.fee_collection_year",
        "label_zh": "本年物业费收缴率",
        "label_en": "Fee collection this year",
        "scope": "compound",
        "kind": "figure",
        "compute": collection_this_year,
    },
    {
        "code": "co_building.overdue_fees",
        "label_zh": "逾期欠费",
        "label_en": "Overdue fees",
        "scope": "compound",
        "kind": "figure",
        "compute": overdue_amount,
    },
]
