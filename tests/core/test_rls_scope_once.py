"""Row-level security asks the scope once per statement, whatever the reader's scope (issue 17, point 3): every
scope policy reads ``redprop_scope_all()`` and ``redprop_scope_compounds()`` through scalar subqueries, which the
plan runs once (InitPlans), instead of parsing the scope's list of compounds again for every row. PostgreSQL only."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core import rls
from core.db import Scope
from tenants.models import Compound, Resident
from tests.citus import cluster as citus_cluster
from tests.conftest import BACKEND

postgres_only = pytest.mark.skipif(
    BACKEND != "postgresql" or citus_cluster.ENABLED,
    reason="row-level security exists only on PostgreSQL; Citus keeps the bare form (no subqueries in its policies)",
)


def test_the_two_forms_turn_into_each_other():
    bare, once = rls.scope_predicate(platform_rows=True, once=False), rls.scope_predicate(platform_rows=True)
    shown_bare = f"({bare.replace(' OR ', ') OR (').replace('redprop_scope_all()) OR', 'redprop_scope_all() OR')})"
    rows = [("t", "t_scope", shown_bare, shown_bare)]
    [to_once] = rls.policy_rewrites(rows, once=True)
    assert "( SELECT redprop_scope_all() AS redprop_scope_all)" in to_once and "::uuid[]" in to_once
    assert rls.policy_rewrites(rows, once=False) == []  # already bare
    shown_once = to_once.split("USING (", 1)[1].split(") WITH CHECK", 1)[0]
    [back] = rls.policy_rewrites([("t", "t_scope", shown_once, None)], once=False)
    assert "SELECT" not in back and "ANY (redprop_scope_compounds())" in back
    assert "redprop_scope_compounds()" in once and "SELECT" not in bare


@postgres_only
async def test_every_scope_policy_asks_the_scope_in_subqueries(db):
    async with db.transaction(Scope.nothing()) as session:
        rows = (await session.execute(text("SELECT tablename, qual FROM pg_policies WHERE policyname LIKE '%\\_scope'"))).all()
    assert len(rows) > 50
    bare = [table for table, qual in rows if "SELECT redprop_scope_compounds()" not in qual or "SELECT redprop_scope_all()" not in qual]
    assert not bare, f"policies calling the scope functions per row: {bare}"


@postgres_only
async def test_a_wide_scope_plans_the_scope_once_and_still_filters(db, city):
    async with db.transaction(Scope.everything("test")) as session:
        every = list((await session.scalars(select(Compound.id))).all())
    a1 = city.compounds["A1"]
    async with db.transaction(Scope.of(every)) as session:
        plan = "\n".join(
            r[0] for r in (await session.execute(text("EXPLAIN SELECT count(*) FROM residents WHERE compound_id = :c"), {"c": a1})).all()
        )
        assert plan.count("InitPlan") == 2, plan
        assert await session.scalar(select(Resident.id).where(Resident.compound_id == a1).limit(1)) is not None
    others = [c for c in every if c != a1]
    async with db.transaction(Scope.of(others)) as session:
        assert await session.scalar(select(Resident.id).where(Resident.compound_id == a1).limit(1)) is None
