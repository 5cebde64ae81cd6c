"""co_building: the rules register (制度, standard §4) — versions of committee rules, the management statute, service
standards and others, with effective dates (issue 15, point 4).

Revision ID: co_building_0006
Revises: co_building_0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "co_building_0006"
down_revision = "co_building_0005"
branch_labels = None
depends_on = None

TABLE = "co_building_rule_versions"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["compound_id"], ["compounds.id"], name=op.f(f"fk_{TABLE}_compound_id_compounds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f(f"fk_{TABLE}_created_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index("ix_co_building_rule_versions_kind", TABLE, ["compound_id", "kind", "status", "effective_from"])
    rls.enable(TABLE)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    rls.disable(TABLE)
    op.drop_index("ix_co_building_rule_versions_kind", table_name=TABLE)
    op.drop_table(TABLE)
