"""A statement may name the compounds it reads (``core.db.within``): the scope hook narrows the session's reach to
them, never widens it, and the statement carries one compound filter instead of its own ``IN`` beside the hook's
(two ``= ANY`` arrays on one column made PostgreSQL scan whole tables for a staff home; bench/README.md)."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import Scope, within
from core.testing.statements import recording
from tenants.models import Compound, Resident


async def _count(session, statement) -> int:
    return int(await session.scalar(statement))


async def test_within_narrows_the_reach_and_never_widens_it(db, city):
    a1, b1 = city.compounds["A1"], city.compounds["B1"]
    async with db.transaction(Scope.everything("test")) as session:
        per = dict((await session.execute(select(Resident.compound_id, func.count()).group_by(Resident.compound_id))).all())
        others = [c for c in (await session.scalars(select(Compound.id))).all() if c not in (a1, b1)]
    assert per.get(a1) and per.get(b1)
    count = select(func.count()).select_from(Resident)
    async with db.transaction(Scope.of([a1, b1])) as session:
        assert await _count(session, count) == per[a1] + per[b1]
        assert await _count(session, within(count, [a1])) == per[a1]
        assert await _count(session, within(count, [a1, *others])) == per[a1]  # outside the reach: dropped
        assert await _count(session, within(count, [])) == 0
        assert await session.scalar(within(select(func.count()).select_from(Compound), [b1])) == 1
    async with db.transaction(Scope.everything("test")) as session:  # a cross-scope session is narrowed too
        assert await _count(session, within(count, [b1])) == per[b1]


async def test_a_narrowed_statement_carries_one_compound_filter(db, city):
    a1, b1 = city.compounds["A1"], city.compounds["B1"]
    async with db.transaction(Scope.of([a1, b1])) as session:
        with recording(db) as seen:
            await session.scalar(within(select(func.count()).select_from(Resident), [a1]))
            await session.scalar(select(func.count()).select_from(Resident).where(Resident.compound_id.in_([a1])))
    narrowed, doubled = (s.lower() for s in seen)
    assert narrowed.count("compound_id in") == 1, narrowed
    assert doubled.count("compound_id in") == 2, doubled
