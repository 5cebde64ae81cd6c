"""The outbox remembers how often an event was sent and when it was fully handled (the sweep and retention read both).

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.add_column(sa.Column("dispatches", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("handled_at", core.db.UTCDateTime(timezone=True), nullable=True))
    # events dispatched before this revision count as handled: the sweep only follows new ones
    op.execute("UPDATE outbox_events SET handled_at = dispatched_at, dispatches = 1 WHERE dispatched_at IS NOT NULL")
    op.create_index(
        "ix_outbox_unhandled",
        "outbox_events",
        ["dispatched_at"],
        postgresql_where=sa.text("handled_at IS NULL"),
        sqlite_where=sa.text("handled_at IS NULL"),
    )
    op.create_index("ix_outbox_handled", "outbox_events", ["handled_at"])
    op.create_index("ix_schedule_ticks_claimed_at", "schedule_ticks", ["claimed_at"])
    op.create_index("ix_policy_changes_at", "policy_changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_policy_changes_at", table_name="policy_changes")
    op.drop_index("ix_schedule_ticks_claimed_at", table_name="schedule_ticks")
    op.drop_index("ix_outbox_handled", table_name="outbox_events")
    op.drop_index("ix_outbox_unhandled", table_name="outbox_events")
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_column("handled_at")
        batch.drop_column("dispatches")
