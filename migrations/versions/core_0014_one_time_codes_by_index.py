"""One-time codes keep the phone's blind index, not the number (issue 16, point 7): the codes table counted and
found codes by the plain phone number; it now holds ``phone_index`` (``core.identity.phones.phone_index``), the
same keyed hash the accounts are found by. Existing rows are converted; the downgrade cannot recover a number
from its index and drops the codes (each lives ten minutes).

Revision ID: core_0014
Revises: core_0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.identity.phones import phone_index

revision = "core_0014"
down_revision = "core_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("one_time_codes") as batch:
        batch.add_column(sa.Column("phone_index", sa.String(40), nullable=True))
    rows = bind.execute(sa.text("SELECT id, phone FROM one_time_codes")).all()
    if rows:
        bind.execute(
            sa.text("UPDATE one_time_codes SET phone_index = :index WHERE id = :id"),
            [{"id": row_id, "index": phone_index(phone)} for row_id, phone in rows],
        )
    op.drop_index("ix_one_time_codes_phone_at", "one_time_codes")
    with op.batch_alter_table("one_time_codes") as batch:
        batch.alter_column("phone_index", existing_type=sa.String(40), nullable=False)
        batch.drop_column("phone")
    op.create_index("ix_one_time_codes_phone_index_at", "one_time_codes", ["phone_index", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_one_time_codes_phone_index_at", "one_time_codes")
    op.execute("DELETE FROM one_time_codes")
    with op.batch_alter_table("one_time_codes") as batch:
        batch.add_column(sa.Column("phone", sa.String(20), nullable=False, server_default=""))
        batch.drop_column("phone_index")
    with op.batch_alter_table("one_time_codes") as batch:
        batch.alter_column("phone", existing_type=sa.String(20), server_default=None)
    op.create_index("ix_one_time_codes_phone_at", "one_time_codes", ["phone", "created_at"])
