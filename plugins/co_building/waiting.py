"""What is waiting for each person in co_building (``redprop_waiting_items``): staff see work orders by time left and
those near breach, payments to confirm and bookings to approve; the owners' committee the proposals and votes at
their step; owners the open votes. Each ``compute`` counts over all the person's compounds in a few statements, each
naming its compounds with ``within`` (``core.db.WITHIN``: one compound filter, so an index still serves hundreds)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.co_building.models.consultation import OwnersVote, Proposal
from plugins.co_building.models.featured import ServiceBooking
from plugins.co_building.models.fees import Payment
from plugins.co_building.models.requests import ServiceRequest

NEAR = dt.timedelta(hours=4)
"""A work order due within this is near breach."""
OPEN_STATES = ("submitted", "assigned", "accepted", "in_progress")


def _href(compound_ids: list[uuid.UUID], path: str) -> str:
    """The list's page where the person works in one compound; else nothing (the items link to their compounds)."""
    return f"/console/compounds/{compound_ids[0]}/co_building{path}" if len(compound_ids) == 1 else ""


async def work_orders_due(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    where = (ServiceRequest.state.in_(OPEN_STATES),)
    count, urgent = (
        await session.execute(
            select(func.count(), func.count().filter(ServiceRequest.completion_due_at < moment + NEAR))
            .where(*where)
            .execution_options(within=compound_ids)
        )
    ).one()
    rows = (
        await session.scalars(
            select(ServiceRequest)
            .where(*where)
            .execution_options(within=compound_ids)
            .order_by(ServiceRequest.completion_due_at, ServiceRequest.id)
            .limit(5)
        )
    ).all()
    items = [
        {
            "title": r.title,
            "href": f"/console/compounds/{r.compound_id}/co_building/requests/{r.id}",
            "when": r.completion_due_at,
            "late": r.completion_due_at < moment,
            "near": moment <= r.completion_due_at < moment + NEAR,
        }
        for r in rows
    ]
    late = ServiceRequest.completion_due_at < moment + NEAR
    by_compound = dict(
        (
            await session.execute(
                select(ServiceRequest.compound_id, func.count())
                .where(*where, late)
                .execution_options(within=compound_ids)
                .group_by(ServiceRequest.compound_id)
            )
        ).all()
    )
    return {
        "count": int(count),
        "urgent": int(urgent or 0),
        "items": items,
        "href": _href(compound_ids, "/requests"),
        "by_compound": by_compound,
    }


async def payments_to_confirm(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    where = (Payment.status == "pending",)
    count, urgent = (
        await session.execute(
            select(func.count(), func.count().filter(Payment.created_at < moment - dt.timedelta(days=2)))
            .where(*where)
            .execution_options(within=compound_ids)
        )
    ).one()
    rows = (
        await session.scalars(
            select(Payment).where(*where).execution_options(within=compound_ids).order_by(Payment.created_at, Payment.id).limit(5)
        )
    ).all()
    items = [
        {
            "title": f"¥{r.amount_fen // 100}.{r.amount_fen % 100:02d}",
            "href": f"/console/compounds/{r.compound_id}/co_building/fees/bills/{r.bill_id}",
            "when": r.created_at,
        }
        for r in rows
    ]
    return {"count": int(count), "urgent": int(urgent or 0), "items": items, "href": _href(compound_ids, "/fees")}


async def bookings_to_approve(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    where = (ServiceBooking.status == "booked",)
    count = await session.scalar(select(func.count()).where(*where).execution_options(within=compound_ids))
    rows = (
        await session.scalars(
            select(ServiceBooking)
            .where(*where)
            .execution_options(within=compound_ids)
            .order_by(ServiceBooking.created_at, ServiceBooking.id)
            .limit(5)
        )
    ).all()
    items = [{"title": "", "href": f"/console/compounds/{r.compound_id}/co_building/bookings", "when": r.created_at} for r in rows]
    return {"count": int(count or 0), "urgent": 0, "items": items, "href": _href(compound_ids, "/bookings")}


async def proposals_to_decide(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    where = (Proposal.state == "deliberation",)
    count = await session.scalar(select(func.count()).where(*where).execution_options(within=compound_ids))
    rows = (
        await session.scalars(
            select(Proposal).where(*where).execution_options(within=compound_ids).order_by(Proposal.created_at, Proposal.id).limit(5)
        )
    ).all()
    items = [{"title": r.title, "href": f"/console/compounds/{r.compound_id}/co_building/consultation", "when": r.created_at} for r in rows]
    return {"count": int(count or 0), "urgent": 0, "items": items, "href": _href(compound_ids, "/consultation")}


async def votes_at_step(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    """Drafts to put to review or open, and open votes (urgent: closing within two days)."""
    where = (OwnersVote.state.in_(("draft", "open")),)
    count, urgent = (
        await session.execute(
            select(func.count(), func.count().filter((OwnersVote.state == "open") & (OwnersVote.closes_at < moment + dt.timedelta(days=2))))
            .where(*where)
            .execution_options(within=compound_ids)
        )
    ).one()
    rows = (
        await session.scalars(
            select(OwnersVote).where(*where).execution_options(within=compound_ids).order_by(OwnersVote.closes_at, OwnersVote.id).limit(5)
        )
    ).all()
    items = [
        {"title": r.title, "href": f"/console/compounds/{r.compound_id}/co_building/votes/{r.id}", "when": r.closes_at, "state": r.state}
        for r in rows
    ]
    return {"count": int(count), "urgent": int(urgent or 0), "items": items, "href": _href(compound_ids, "/consultation")}


async def open_votes_for_owner(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    """The portal: votes open now in the person's compounds."""
    where = (OwnersVote.state == "open", OwnersVote.closes_at > moment)
    count = await session.scalar(select(func.count()).where(*where).execution_options(within=compound_ids))
    rows = (
        await session.scalars(
            select(OwnersVote).where(*where).execution_options(within=compound_ids).order_by(OwnersVote.closes_at, OwnersVote.id).limit(5)
        )
    ).all()
    items = [{"title": r.title, "href": f"/portal/compounds/{r.compound_id}/co_building/votes/{r.id}", "when": r.closes_at} for r in rows]
    return {"count": int(count or 0), "urgent": 0, "items": items, "href": ""}


WAITING_ITEMS = [
    {
        "code": "co_building.work_orders_due",
        "label_zh": "待办工单（按剩余时限）",
        "label_en": "Work orders by time left",
        "permission": "co_building.work_order:write",
        "order": 20,
        "compute": work_orders_due,
    },
    {
        "code": "co_building.payments_to_confirm",
        "label_zh": "待确认的缴费",
        "label_en": "Payments to confirm",
        "permission": "co_building.payment:write",
        "order": 30,
        "compute": payments_to_confirm,
    },
    {
        "code": "co_building.bookings_to_approve",
        "label_zh": "待确认的预约",
        "label_en": "Bookings to confirm",
        "permission": "co_building.booking:approve",
        "order": 40,
        "compute": bookings_to_approve,
    },
    {
        "code": "co_building.proposals_to_decide",
        "label_zh": "待议决的议题",
        "label_en": "Proposals to decide",
        "permission": "co_building.proposal:approve",
        "order": 50,
        "compute": proposals_to_decide,
    },
    {
        "code": "co_building.votes_at_step",
        "label_zh": "表决（待开启与进行中）",
        "label_en": "Votes to open and running",
        "permission": "co_building.vote:admin",
        "order": 60,
        "compute": votes_at_step,
    },
    {
        "code": "co_building.open_votes",
        "label_zh": "正在进行的业主表决",
        "label_en": "Owners' votes open now",
        "permission": "co_building.vote:write",
        "audience": "portal",
        "order": 10,
        "compute": open_votes_for_owner,
    },
]
