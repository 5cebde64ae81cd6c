"""party_building: pre-review (前置把关) — requests from other plugins and the organisation's opinions (issue 15, point 4).

Revision ID: party_building_0003
Revises: party_building_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "party_building_0003"
down_revision = "party_building_0002"
branch_labels = None
depends_on = None

TABLE = "party_pre_reviews"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("matter", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("requested_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=100), nullable=False),
        sa.Column("requested_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opinion_text", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("reviewer_user_id", sa.Uuid(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=100), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_pre_reviews_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"], ["users.id"], name=op.f("fk_party_pre_reviews_requested_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_user_id"], ["users.id"], name=op.f("fk_party_pre_reviews_reviewer_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_pre_reviews")),
    )
    op.create_index("ix_party_pre_reviews_subject", TABLE, ["compound_id", "matter", "subject_id", "requested_at"])
    op.create_index("ix_party_pre_reviews_state", TABLE, ["compound_id", "state"])
    rls.enable(TABLE)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    rls.disable(TABLE)
    op.drop_index("ix_party_pre_reviews_state", table_name=TABLE)
    op.drop_index("ix_party_pre_reviews_subject", table_name=TABLE)
    op.drop_table(TABLE)
