"""Row-level security asks the scope once per statement (issue 17, point 3): every ``<table>_scope`` policy wraps
``redprop_scope_all()`` and ``redprop_scope_compounds()`` in scalar subqueries (InitPlans). Called bare, the inlined
scope function parsed the transaction's list of compounds into a ``uuid[]`` for every row it filtered, so a list cost
grew with the reader's scope: 1,149 residents of one compound under a 200-compound scope took 463 ms, 3.6 ms after
(``core.rls.scope_predicate``; new tables get the same form from ``core.rls.enable``). Same rows visible either way.

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None

BARE = ("redprop_scope_all()", "ANY (redprop_scope_compounds())")
ONCE = ("(SELECT redprop_scope_all())", "ANY ((SELECT redprop_scope_compounds())::uuid[])")


def _rewrite(source: tuple[str, str], target: tuple[str, str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    policies = bind.execute(
        sa.text(
            "SELECT tablename, policyname, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema() AND policyname LIKE '%\\_scope' AND qual LIKE '%redprop_scope_compounds()%'"
        )
    ).all()
    for table, name, qual, check in policies:
        if source is BARE and "SELECT redprop_scope_compounds()" in qual:
            continue  # already in the new form (a table a plugin created after this revision's code)
        if source is ONCE and "SELECT redprop_scope_compounds()" not in qual:
            continue

        def swap(text: str | None) -> str | None:
            if text is None:
                return None
            if source is ONCE:  # pg_policies shows the subqueries as written, within parentheses
                text = text.replace("( SELECT redprop_scope_all() AS redprop_scope_all)", BARE[0])
                text = text.replace("ANY (( SELECT redprop_scope_compounds() AS redprop_scope_compounds)::uuid[])", BARE[1])
                return text
            return text.replace(source[0], target[0]).replace(source[1], target[1])

        clauses = f"USING ({swap(qual)})" + (f" WITH CHECK ({swap(check)})" if check else "")
        op.execute(f'ALTER POLICY "{name}" ON "{table}" {clauses}')


def upgrade() -> None:
    _rewrite(BARE, ONCE)


def downgrade() -> None:
    _rewrite(ONCE, BARE)
