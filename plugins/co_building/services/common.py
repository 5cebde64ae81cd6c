"""What the parts of co_building share: the compounds its jobs work on."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.problems import not_found
from tenants.access import compounds_with_module
from tenants.models import Household, Resident

MODULE = "co_building"
T = TypeVar("T")


async def active_compounds(session: AsyncSession) -> list[uuid.UUID]:
    """Compounds where co_building is active now; jobs skip every other compound."""
    return await compounds_with_module(session, MODULE)


async def one_in_compound(
    session: AsyncSession, model: type[T], compound_id: uuid.UUID, row_id: uuid.UUID, what: str, *, for_update: bool = False
) -> T:
    """A row of the compound by id, locked for update when asked (PostgreSQL), or a 404 naming ``what``."""
    stmt = select(model).where(model.compound_id == compound_id, model.id == row_id)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    if row is None:
        raise not_found(what)
    return row


async def resident_rooms(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID) -> set[uuid.UUID]:
    """The rooms of the compound whose households the user belongs to (as owner, tenant or family)."""
    rows = await session.scalars(
        select(Household.room_id)
        .join(Resident, (Resident.compound_id == Household.compound_id) & (Resident.household_id == Household.id))
        .where(Household.compound_id == compound_id, Resident.user_id == user_id)
    )
    return set(rows.all())
