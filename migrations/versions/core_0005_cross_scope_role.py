"""The cross-scope role: "all compounds" in the policies is membership of ``redprop_worker``, not a setting.

Before this revision any session of the application's role could write
``SET LOCAL redprop.scope = 'all'`` and pass every policy, so an injected
statement was not stopped by row-level security. Now ``redprop_scope_all()``
asks whether the connected role is a member of ``redprop_worker``; cross-scope
work connects as that role (``REDPROP_CROSS_SCOPE_DATABASE_URL``).

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from core import rls
from core.settings import get_settings

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rls.grant_worker_role(get_settings().app_db_role)
    rls.scope_all_by_role()


def downgrade() -> None:
    # the role stays: roles are cluster-wide and other databases may use it
    rls.scope_all_by_setting()
