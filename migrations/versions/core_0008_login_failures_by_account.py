"""Failed logins remember the account they named and the source address (issue 16, point 3).

Counting by the string typed let a phone number bypass the lockout counted on
the username, and let anyone lock any account for good; failures now count per
account and per address with growing delays.

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("user_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch.create_foreign_key(op.f("fk_login_failures_user_id_users"), "users", ["user_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_login_failures_user_at", ["user_id", "at"])
        batch.create_index("ix_login_failures_source_at", ["source", "at"])


def downgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_index("ix_login_failures_source_at")
        batch.drop_index("ix_login_failures_user_at")
        batch.drop_constraint(op.f("fk_login_failures_user_id_users"), type_="foreignkey")
        batch.drop_column("source")
        batch.drop_column("user_id")
