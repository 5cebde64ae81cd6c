"""Closed owners' committee elections (co_building's ``elect_committee`` votes, from their closing event): what an
owners' committee term is filled from (issue 15, point 3).

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "committee_elections",
        sa.Column("compound_id", sa.Uuid(), sa.ForeignKey("compounds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("closed_at", core.db.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("compound_id", "vote_id"),
    )
    rls.enable("committee_elections")
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    op.drop_table("committee_elections")
