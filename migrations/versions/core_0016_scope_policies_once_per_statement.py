"""Row-level security asks the scope once per statement (issue 17, point 3): every ``<table>_scope`` policy wraps
``redprop_scope_all()`` and ``redprop_scope_compounds()`` in scalar subqueries (InitPlans). Called bare, the inlined
scope function parsed the transaction's list of compounds into a ``uuid[]`` for every row it filtered, so a list cost
grew with the reader's scope: 1,149 residents of one compound under a 200-compound scope took 463 ms, 3.6 ms after
(``core.rls.scope_predicate``; new tables get the same form from ``core.rls.enable``). Same rows visible either way.
A database with the citus extension keeps the bare form: Citus refuses subqueries in policies on distributed tables
(``redprop db distribute`` turns the policies back before distributing).

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core import rls

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None


def _rewrite(once: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if once and bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'").first() is not None:
        return  # Citus refuses subqueries in policies on distributed tables: the bare form stays
    for statement in rls.policy_rewrites(bind.execute(sa.text(rls.POLICIES_SQL)).all(), once=once):
        op.execute(statement)


def upgrade() -> None:
    _rewrite(True)


def downgrade() -> None:
    _rewrite(False)
