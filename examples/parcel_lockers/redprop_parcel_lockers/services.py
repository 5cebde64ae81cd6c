"""Rules of parcel_lockers (快递柜), without HTTP: lockers, checking parcels in, pickup codes, pickup, overdue notices.

A pickup code is six random digits, made when the resident asks for it and shown to them that once: only a SHA-256
digest of the compound and the code is stored, a new request replaces it, and pickup clears it (single use). A parcel
left 48 hours (clock hours: the locker works every day) is overdue; the resident is told once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.public import (
    RequestContext,
    StateMachine,
    emit,
    invalid,
    mask_phone,
    not_found,
    notify,
    now,
    one_of,
    paginate,
    user_ids_by_phone,
)
from redprop_parcel_lockers.models import Locker, Parcel
from redprop_parcel_lockers.schemas import LockerIn, ParcelIn

MODULE = "parcel_lockers"
ARRIVED = "parcel_lockers.parcel.arrived"
OVERDUE_AFTER = dt.timedelta(hours=48)
PARCEL = StateMachine("parcel", {"waiting": {"issue_code": "waiting", "pick_up": "picked_up"}, "picked_up": {}})


def portal_link(compound_id: uuid.UUID) -> str:
    return f"/portal/compounds/{compound_id}/parcel_lockers/parcels"


def code_digest(compound_id: uuid.UUID, code: str) -> str:
    """What is stored of a pickup code: its digest, salted with the compound so equal codes differ between compounds."""
    return hashlib.sha256(f"{compound_id}:{code}".encode()).hexdigest()


def is_overdue(parcel: Parcel, moment: dt.datetime) -> bool:
    return parcel.state == "waiting" and parcel.checked_in_at <= moment - OVERDUE_AFTER


# --------------------------------------------------------------------------- lockers


async def add_locker(ctx: RequestContext, data: LockerIn) -> Locker:
    """Register a locker standing in the request's compound."""
    locker = Locker(compound_id=ctx.compound_id, name=data.name.strip(), location=data.location.strip(), compartments=data.compartments)
    ctx.session.add(locker)
    await ctx.session.flush()
    return locker


async def lockers(session: AsyncSession, limit: int, offset: int) -> tuple[list[Locker], int]:
    """One page of the compound's lockers, by name (the session is scoped to the compound)."""
    return await paginate(session, select(Locker).order_by(Locker.name, Locker.id), limit, offset)


# --------------------------------------------------------------------------- parcels


async def check_in(ctx: RequestContext, data: ParcelIn) -> tuple[Parcel, str]:
    """Staff put a parcel into a compartment for the resident who logs in with ``data.phone``; the resident is told.
    Returns the parcel and its locker's name."""
    locker = await ctx.session.scalar(select(Locker).where(Locker.id == data.locker_id))
    if locker is None:
        raise invalid("locker_id", "no such locker in this compound")
    if data.compartment > locker.compartments:
        raise invalid("compartment", f"this locker has compartments 1 to {locker.compartments}")
    taken = await ctx.session.scalar(
        select(Parcel.id).where(Parcel.locker_id == locker.id, Parcel.compartment == data.compartment, Parcel.state == "waiting").limit(1)
    )
    if taken is not None:
        raise invalid("compartment", "holds a parcel not yet picked up", status=409)
    recipient = (await user_ids_by_phone(ctx.session, [data.phone])).get(data.phone)
    if recipient is None:
        raise invalid("phone", "no resident account logs in with this number")
    parcel = Parcel(
        compound_id=ctx.compound_id,
        locker_id=locker.id,
        compartment=data.compartment,
        recipient_user_id=recipient,
        phone_masked=mask_phone(data.phone),
        carrier=data.carrier.strip(),
        tracking_number=data.tracking_number.strip(),
        state="waiting",
        checked_in_at=now(),
        checked_in_by=ctx.user_id,
    )
    ctx.session.add(parcel)
    await ctx.session.flush()
    payload = {
        "parcel_id": str(parcel.id),
        "recipient_user_id": str(recipient),
        "locker": locker.name,
        "compartment": parcel.compartment,
        "carrier": parcel.carrier,
    }
    emit(ctx.session, ARRIVED, payload, compound_id=ctx.compound_id, actor_user_id=ctx.user_id)
    return parcel, locker.name


def _with_locker(*where: Any):
    waiting_first = case((Parcel.state == "waiting", 0), else_=1)
    return (
        select(Parcel, Locker.name)
        .join(Locker, (Locker.compound_id == Parcel.compound_id) & (Locker.id == Parcel.locker_id))
        .where(*where)
        .order_by(waiting_first, Parcel.checked_in_at.desc(), Parcel.id)
    )


async def parcels(session: AsyncSession, state: str | None, limit: int, offset: int) -> tuple[list[tuple[Parcel, str]], int]:
    """The compound's parcels with their locker's name, waiting first, newest first; optionally of one state."""
    where = []
    if state:
        one_of("state", state, PARCEL.states)
        where.append(Parcel.state == state)
    return await paginate(session, _with_locker(*where), limit, offset)


async def my_parcels(ctx: RequestContext, limit: int, offset: int) -> tuple[list[tuple[Parcel, str]], int]:
    """The caller's own parcels in the compound, waiting first."""
    return await paginate(ctx.session, _with_locker(Parcel.recipient_user_id == ctx.user_id), limit, offset)


async def issue_code(ctx: RequestContext, parcel_id: uuid.UUID) -> str:
    """A new pickup code for the caller's waiting parcel, returned this once (any earlier code stops working)."""
    parcel = await ctx.session.scalar(select(Parcel).where(Parcel.id == parcel_id, Parcel.recipient_user_id == ctx.user_id))
    if parcel is None:
        raise not_found("parcel")
    PARCEL.next(parcel.state, "issue_code")
    for _ in range(8):  # a code unique among the compound's waiting parcels (one in 10^6 collides)
        code = f"{secrets.randbelow(10**6):06d}"
        digest = code_digest(ctx.compound_id, code)
        clash = await ctx.session.scalar(select(Parcel.id).where(Parcel.code_digest == digest, Parcel.state == "waiting").limit(1))
        if clash is None:
            break
    else:
        raise RuntimeError("no free pickup code after 8 draws")
    parcel.code_digest = digest
    parcel.code_issued_at = now()
    return code


async def pick_up(ctx: RequestContext, code: str) -> tuple[Parcel, str]:
    """The parcel whose code this is leaves the locker; the code is spent. Returns the parcel and its locker's name."""
    found = (
        await ctx.session.execute(
            _with_locker(Parcel.code_digest == code_digest(ctx.compound_id, code), Parcel.state == "waiting").limit(1)
        )
    ).first()
    if found is None:
        raise invalid("code", "matches no parcel waiting in this compound")
    parcel, locker = found
    parcel.state = PARCEL.next(parcel.state, "pick_up")
    parcel.picked_up_at = now()
    parcel.code_digest = None
    return parcel, locker


# --------------------------------------------------------------------------- events and jobs


def react(event: dict[str, Any]) -> Any:
    """A parcel arrived: its resident finds a notice in their inbox (and their other channels)."""
    if event["type"] != ARRIVED or not event.get("compound_id"):
        return None
    compound_id = uuid.UUID(event["compound_id"])
    payload = event["payload"]

    async def tell_resident(session: AsyncSession) -> None:
        await notify(
            session,
            [uuid.UUID(payload["recipient_user_id"])],
            "parcel_lockers.arrived",
            "快递已到柜",
            f"您的{payload['carrier']}快递已放入{payload['locker']}第{payload['compartment']}格，请在取件页面获取取件码。",
            link=portal_link(compound_id),
            compound_id=compound_id,
        )

    return tell_resident


async def notify_overdue(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """One compound's step of the overdue job: residents of parcels waiting 48 hours are told once; returns parcels."""
    moment = now()
    rows = (
        await session.execute(
            select(Parcel.id, Parcel.recipient_user_id).where(
                Parcel.state == "waiting", Parcel.checked_in_at <= moment - OVERDUE_AFTER, Parcel.overdue_notified_at.is_(None)
            )
        )
    ).all()
    if not rows:
        return 0
    await notify(
        session,
        [user_id for _, user_id in rows],
        "parcel_lockers.overdue",
        "快递超时未取",
        "您有快递在快递柜存放已超过 48 小时，请尽快取件。",
        link=portal_link(compound_id),
        compound_id=compound_id,
    )
    await session.execute(update(Parcel).where(Parcel.id.in_([parcel_id for parcel_id, _ in rows])).values(overdue_notified_at=moment))
    return len(rows)
