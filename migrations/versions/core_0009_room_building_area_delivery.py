"""rooms: building area (建筑面积, what most property fees are charged on) beside the exclusive area, and the delivery
date (a room sold but not delivered counts with the developer's in owners' votes) (issue 14, points 1 and 6).

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("building_area", core.db.ExactDecimal(10, 2), nullable=True))
        batch.add_column(sa.Column("delivered_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("delivered_on")
        batch.drop_column("building_area")
