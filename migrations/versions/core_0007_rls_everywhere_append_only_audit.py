"""Row-level security on the kernel's tables that name a compound, and an audit log the application cannot rewrite.

``notifications``, ``audit_entries`` and ``invoice_lines`` carry a ``compound_id``
and had no policy (issue 16, point 1): rows of a compound are now visible only
inside its scope, rows of no compound (NULL) to every scope. ``outbox_events``
stays exempt (``core.rls.EXEMPT``, docs/architecture.md). The application's and
the cross-scope roles lose UPDATE, DELETE and TRUNCATE on ``audit_entries``
(point 2): the append-only trigger is no longer the only wall.

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from core import rls
from core.settings import get_settings

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None

TABLES = ("notifications", "audit_entries", "invoice_lines")


def upgrade() -> None:
    for table in TABLES:
        rls.enable(table, platform_rows=True)
    rls.grant_app_role(get_settings().app_db_role)  # re-grants, then revokes what the append-only tables must not have


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(table)
    if op.get_bind().dialect.name == "postgresql":
        for role in (get_settings().app_db_role, rls.WORKER_ROLE):
            op.execute(f"GRANT UPDATE, DELETE ON audit_entries TO {role}")
