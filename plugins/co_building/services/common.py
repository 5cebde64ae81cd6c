"""What the parts of co_building share: the compounds its jobs work on."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tenants.access import compounds_with_module

MODULE = "co_building"


async def active_compounds(session: AsyncSession) -> list[uuid.UUID]:
    """Compounds where co_building is active now; jobs skip every other compound."""
    return await compounds_with_module(session, MODULE)
