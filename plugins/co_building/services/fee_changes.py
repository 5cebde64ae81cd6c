"""Changing a fee standard in use (调价): proposed with its new price and date, put to the community party
organisation's pre-review (前置把关, ``core.review``), applied only once approved and on or after its date."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import review
from core.access import compound_today
from core.clock import now
from core.problems import conflict, invalid, not_found
from core.states import StateMachine
from plugins.co_building.models.fee_changes import FeeChange
from plugins.co_building.models.fees import FeeItem
from plugins.co_building.schemas import fee_changes as s
from plugins.co_building.services.fees import _price

MATTER = "change_fee_standard"
FEE_CHANGES = StateMachine("fee change", {"proposed": {"apply": "applied", "withdraw": "withdrawn"}, "applied": {}, "withdrawn": {}})


async def propose(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, data: s.FeeChangeIn) -> FeeChange:
    price = _price(data.unit_price)
    item = await session.scalar(select(FeeItem).where(FeeItem.compound_id == compound_id, FeeItem.id == data.fee_item_id))
    if item is None:
        raise invalid("fee_item_id", "no such fee item in this compound")
    if price == item.unit_price:
        raise invalid("unit_price", "the same as the price in force")
    if data.effective_on < await compound_today(session, compound_id):
        raise invalid("effective_on", "a fee change takes effect today or later")
    row = FeeChange(
        compound_id=compound_id,
        fee_item_id=item.id,
        old_unit_price=item.unit_price,
        unit_price=price,
        effective_on=data.effective_on,
        reason=data.reason.strip(),
        created_by_user_id=user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def get_change(session: AsyncSession, compound_id: uuid.UUID, change_id: uuid.UUID) -> FeeChange:
    row = await session.scalar(select(FeeChange).where(FeeChange.compound_id == compound_id, FeeChange.id == change_id))
    if row is None:
        raise not_found("fee change")
    return row


async def request_review(session: AsyncSession, compound_id: uuid.UUID, change_id: uuid.UUID, user_id: uuid.UUID) -> review.PreReview:
    row = await get_change(session, compound_id, change_id)
    if row.state != "proposed":
        raise conflict("only a proposed fee change is put to pre-review", state=row.state)
    name = await session.scalar(select(FeeItem.name).where(FeeItem.compound_id == compound_id, FeeItem.id == row.fee_item_id))
    return await review.request_pre_review(
        session,
        compound_id,
        MATTER,
        row.id,
        title=f"{name}：{row.old_unit_price} → {row.unit_price}（{row.effective_on.isoformat()} 起）",
        link=f"/console/compounds/{compound_id}/co_building/fees",
        user_id=user_id,
    )


async def apply(session: AsyncSession, compound_id: uuid.UUID, change_id: uuid.UUID) -> FeeChange:
    """The new price takes effect: only once the party organisation approved it (409 otherwise) and on its date."""
    row = await get_change(session, compound_id, change_id)
    target = FEE_CHANGES.next(row.state, "apply")
    await review.require_pre_review(session, compound_id, MATTER, row.id)
    if row.effective_on > await compound_today(session, compound_id):
        raise conflict(f"the change takes effect on {row.effective_on.isoformat()}", effective_on=row.effective_on.isoformat())
    item = await session.scalar(select(FeeItem).where(FeeItem.compound_id == compound_id, FeeItem.id == row.fee_item_id).with_for_update())
    item.unit_price = row.unit_price
    row.state, row.applied_at = target, now()
    await session.flush()
    return row


async def withdraw(session: AsyncSession, compound_id: uuid.UUID, change_id: uuid.UUID) -> FeeChange:
    row = await get_change(session, compound_id, change_id)
    row.state = FEE_CHANGES.next(row.state, "withdraw")
    await session.flush()
    return row


def changes_query(compound_id: uuid.UUID):
    return select(FeeChange).where(FeeChange.compound_id == compound_id).order_by(FeeChange.created_at.desc(), FeeChange.id)


async def changes_out(session: AsyncSession, compound_id: uuid.UUID, rows: list[FeeChange]) -> list[s.FeeChangeOut]:
    """With each change's pre-review (one ask for the lot)."""
    reviews = await review.pre_reviews(session, compound_id, MATTER, [r.id for r in rows])
    return [
        s.FeeChangeOut(
            id=r.id,
            fee_item_id=r.fee_item_id,
            old_unit_price=r.old_unit_price,
            unit_price=r.unit_price,
            effective_on=r.effective_on,
            reason=r.reason,
            state=r.state,
            applied_at=r.applied_at,
            pre_review=reviews[r.id].state if r.id in reviews else "missing",
        )
        for r in rows
    ]
