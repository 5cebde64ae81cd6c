"""The central scope filter (ORM) and, on PostgreSQL, row-level security through the application role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.db import Scope, ScopeViolation
from core.pagination import paginate
from tenants.models import Building, Compound, Resident, Room, Unit
from tenants.services import compounds_query
from tests.conftest import BACKEND

postgres_only = pytest.mark.skipif(
    BACKEND != "postgresql", reason="row-level security exists only on PostgreSQL (REDPROP_TEST_BACKEND=postgresql)"
)


async def test_orm_queries_see_only_scoped_compounds(db, city):
    a1 = city.compounds["A1"]
    async with db.session(Scope.of([a1])) as session:
        assert set((await session.scalars(select(Room.compound_id).distinct())).all()) == {a1}
        assert [c.id for c in (await session.scalars(select(Compound))).all()] == [a1]
        # joins, aggregates and subqueries are filtered too
        assert await session.scalar(select(func.count()).select_from(Room)) == len(city.rooms["A1"])
        joined = (
            await session.execute(
                select(Room.compound_id, Unit.compound_id).join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            )
        ).all()
        assert {r for pair in joined for r in pair} == {a1}
        rows, total = await paginate(session, compounds_query(), 50, 0)
        assert total == 1 and rows[0][0].id == a1
        # asking for another compound explicitly still returns nothing
        assert (await session.scalars(select(Room).where(Room.compound_id == city.compounds["B1"]))).all() == []
        assert await session.get(Compound, city.compounds["B1"]) is None


async def test_empty_scope_sees_nothing(db):
    async with db.session(Scope.nothing()) as session:
        assert (await session.scalars(select(Resident))).all() == []
        assert (await session.scalars(select(Compound))).all() == []


async def test_writes_outside_scope_are_refused_and_nothing_is_written(db, city):
    a1, b1 = city.compounds["A1"], city.compounds["B1"]
    async with db.session(Scope.of([a1])) as session:
        session.add(Building(compound_id=b1, name="99号楼"))
        with pytest.raises(ScopeViolation):
            await session.flush()
        await session.rollback()
    async with db.session(Scope.everything("test check")) as session:
        assert await session.scalar(select(func.count()).select_from(Building).where(Building.name == "99号楼")) == 0


async def test_bulk_update_is_scoped(db, city):
    from sqlalchemy import update

    async with db.session(Scope.of([city.compounds["A1"]])) as session:
        await session.execute(update(Building).values(floors=33))
        await session.commit()
    async with db.session(Scope.everything("test check")) as session:
        changed = set((await session.scalars(select(Building.compound_id).where(Building.floors == 33))).all())
    assert changed == {city.compounds["A1"]}


@postgres_only
async def test_application_role_is_neither_superuser_nor_owner(db):
    async with db.engine.connect() as conn:
        user = await conn.scalar(text("SELECT current_user"))
        flags = (await conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))).one()
        owner = await conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'residents'"))
    assert user == "redprop_app"
    assert tuple(flags) == (False, False)
    assert owner != user


@postgres_only
async def test_raw_sql_through_the_app_role_returns_nothing_outside_scope(db, city):
    a1 = city.compounds["A1"]
    async with db.session(Scope.of([a1])) as session:
        # plain SQL bypasses the ORM filter; row-level security still applies
        seen = set((await session.execute(text("SELECT DISTINCT compound_id FROM residents"))).scalars().all())
        assert seen == {a1}
        assert (await session.execute(text("SELECT id FROM compounds"))).scalars().all() == [a1]
        other = await session.scalar(text("SELECT count(*) FROM rooms WHERE compound_id = :b"), {"b": city.compounds["B1"]})
        assert other == 0
    async with db.engine.connect() as conn:  # no scope set at all: nothing
        assert await conn.scalar(text("SELECT count(*) FROM residents")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM compounds")) == 0


@postgres_only
async def test_row_level_security_refuses_raw_inserts_outside_scope(db, city):
    async with db.session(Scope.of([city.compounds["A1"]])) as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(
                text(
                    "INSERT INTO buildings (compound_id, id, name, created_at, updated_at) VALUES (:c, gen_random_uuid(), 'x', now(), now())"
                ),
                {"c": city.compounds["B1"]},
            )
        await session.rollback()


@postgres_only
async def test_scope_setting_does_not_leak_through_the_pool(db, city):
    async with db.session(Scope.of([city.compounds["A1"]])) as session:
        assert await session.scalar(text("SELECT count(*) FROM rooms")) > 0
        await session.commit()
    async with db.engine.connect() as conn:  # likely the same pooled connection
        assert await conn.scalar(text("SELECT count(*) FROM rooms")) == 0
