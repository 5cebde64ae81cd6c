"""What the parts of quality share: the module name, exact rounding, one row of a compound by id, the caller's household."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.problems import not_found
from tenants.models import Household, Resident

MODULE = "quality"
CENT = Decimal("0.01")
T = TypeVar("T")


def to_decimal(value: Fraction | Decimal | int, places: Decimal = CENT) -> Decimal:
    """An exact value rounded half up to ``places`` (scores are shown with two decimals)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator) if value.denominator != 1 else Decimal(value.numerator)
        # the division above is exact to 28 digits, far beyond the two we keep
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def one_in_compound(session: AsyncSession, model: type[T], compound_id: uuid.UUID, row_id: uuid.UUID, what: str) -> T:
    """A row of the compound by id (locked for update on PostgreSQL), or a 404 naming ``what``."""
    row = await session.scalar(
        select(model).where(model.compound_id == compound_id, model.id == row_id).with_for_update()  # type: ignore[attr-defined]
    )
    if row is None:
        raise not_found(what)
    return row


async def one_of_tenant(session: AsyncSession, model: type[T], tenant_id: uuid.UUID | None, row_id: uuid.UUID, what: str) -> T:
    """A tenant's configuration row by id, or a 404 naming ``what`` (another tenant's rows do not exist for the caller)."""
    row = await session.scalar(select(model).where(model.tenant_id == tenant_id, model.id == row_id))  # type: ignore[attr-defined]
    if row is None:
        raise not_found(what)
    return row


async def household_of(
    session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, room_id: uuid.UUID | None = None
) -> uuid.UUID | None:
    """The household of the compound the user belongs to (the one in ``room_id`` when given and found)."""
    rows = (
        await session.execute(
            select(Household.id, Household.room_id)
            .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
            .where(Household.compound_id == compound_id, Resident.user_id == user_id)
            .order_by(Household.id)
        )
    ).all()
    for household_id, room in rows:
        if room_id is not None and room == room_id:
            return household_id
    return rows[0][0] if rows else None
