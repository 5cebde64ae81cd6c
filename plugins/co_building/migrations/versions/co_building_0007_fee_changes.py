"""co_building: changes of a fee standard in use (调价), applied only after the party organisation's pre-review
(issue 15, point 4).

Revision ID: co_building_0007
Revises: co_building_0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "co_building_0007"
down_revision = "co_building_0006"
branch_labels = None
depends_on = None

TABLE = "co_building_fee_changes"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fee_item_id", sa.Uuid(), nullable=False),
        sa.Column("old_unit_price", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("unit_price", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("applied_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["compound_id"], ["compounds.id"], name=op.f(f"fk_{TABLE}_compound_id_compounds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["compound_id", "fee_item_id"],
            ["co_building_fee_items.compound_id", "co_building_fee_items.id"],
            name=op.f(f"fk_{TABLE}_compound_id_co_building_fee_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f(f"fk_{TABLE}_created_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f(f"pk_{TABLE}")),
    )
    rls.enable(TABLE)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    rls.disable(TABLE)
    op.drop_table(TABLE)
