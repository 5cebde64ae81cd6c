"""Paginated lists: ``{items, total, limit, offset}`` for every list endpoint."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import Parameter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.problems import invalid

T = TypeVar("T")

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
"""Deeper than any list is paged (filter instead); past it the database's integer overflows (a 500 before)."""


class Page(msgspec.Struct, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int


LimitParam = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="page size")]
OffsetParam = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description=f"rows to skip (at most {MAX_OFFSET})")]


def check_offset(offset: int) -> None:
    """Refuse an offset past :data:`MAX_OFFSET` (for callers that do not declare ``OffsetParam``, e.g. pages)."""
    if not 0 <= offset <= MAX_OFFSET:
        raise invalid("offset", f"must be between 0 and {MAX_OFFSET}")


def page_of(items: list[T], limit: int, offset: int) -> Page[T]:
    """A page of a list that is computed whole and bounded by nature (a compound's modules, a tenant's chains)."""
    return Page(items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset)


async def paginate(session: AsyncSession, stmt: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    """Rows of one page of ``stmt`` and the total count (both through the scoped session)."""
    check_offset(offset)
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = stmt.limit(limit).offset(offset)
    # one entity → the objects; several columns → the row tuples
    rows = (await session.execute(page)).all() if len(stmt.column_descriptions) > 1 else (await session.scalars(page)).all()
    return list(rows), int(total or 0)
