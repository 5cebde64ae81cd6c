"""coordination: social forces and their projects, news and campaigns, model selections with nominations and votes.

Revision ID: coordination_0004
Revises: coordination_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "coordination_0004"
down_revision = "coordination_0003"
branch_labels = None
depends_on = None

SCOPED = ["coordination_project_compounds"]
"""Compound-scoped tables: row-level security on PostgreSQL."""
TABLES = [
    "coordination_selections",
    "coordination_social_forces",
    "coordination_social_projects",
    "coordination_articles",
    "coordination_nominations",
    "coordination_project_compounds",
    "coordination_selection_votes",
]
"""In creation order (parents first)."""


def upgrade() -> None:
    op.create_table(
        "coordination_selections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_selections_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_selections")),
    )
    op.create_index(op.f("ix_coordination_selections_tenant_id"), "coordination_selections", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_social_forces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_social_forces_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_social_forces")),
        sa.UniqueConstraint("tenant_id", "name", name="uq_coordination_social_forces_name"),
    )
    op.create_index(op.f("ix_coordination_social_forces_tenant_id"), "coordination_social_forces", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_social_projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("force_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"],
            ["coordination_social_forces.id"],
            name=op.f("fk_coordination_social_projects_force_id_coordination_social_forces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_social_projects_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_social_projects")),
    )
    op.create_index(op.f("ix_coordination_social_projects_force_id"), "coordination_social_projects", ["force_id"], unique=False)
    op.create_index(op.f("ix_coordination_social_projects_tenant_id"), "coordination_social_projects", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_articles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("theme", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("compound_id", sa.Uuid(), nullable=True),
        sa.Column("author_label", sa.String(length=100), nullable=False),
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_articles_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_articles_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_articles")),
    )
    op.create_index("ix_coordination_articles_published", "coordination_articles", ["tenant_id", "published_at"], unique=False)
    op.create_index(op.f("ix_coordination_articles_tenant_id"), "coordination_articles", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_nominations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("selection_id", sa.Uuid(), nullable=False),
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("nominee", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("nominated_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("review_note", sa.String(length=300), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_nominations_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_user_id"], ["users.id"], name=op.f("fk_coordination_nominations_nominated_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["selection_id"],
            ["coordination_selections.id"],
            name=op.f("fk_coordination_nominations_selection_id_coordination_selections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_nominations_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_nominations")),
    )
    op.create_index("ix_coordination_nominations_selection", "coordination_nominations", ["selection_id", "status"], unique=False)
    op.create_index(op.f("ix_coordination_nominations_tenant_id"), "coordination_nominations", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_project_compounds",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_project_compounds_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["coordination_social_projects.id"],
            name=op.f("fk_coordination_project_compounds_project_id_coordination_social_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_coordination_project_compounds")),
        sa.UniqueConstraint("compound_id", "project_id", name="uq_coordination_project_compounds_project"),
    )
    op.create_index(op.f("ix_coordination_project_compounds_project_id"), "coordination_project_compounds", ["project_id"], unique=False)
    op.create_table(
        "coordination_selection_votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("selection_id", sa.Uuid(), nullable=False),
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["coordination_nominations.id"],
            name=op.f("fk_coordination_selection_votes_nomination_id_coordination_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["selection_id"],
            ["coordination_selections.id"],
            name=op.f("fk_coordination_selection_votes_selection_id_coordination_selections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_selection_votes_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_coordination_selection_votes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_selection_votes")),
        sa.UniqueConstraint("selection_id", "user_id", name="uq_coordination_selection_votes_voter"),
    )
    op.create_index("ix_coordination_selection_votes_nomination", "coordination_selection_votes", ["nomination_id"], unique=False)
    op.create_index(op.f("ix_coordination_selection_votes_tenant_id"), "coordination_selection_votes", ["tenant_id"], unique=False)
    for table in SCOPED:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in reversed(SCOPED):
        rls.disable(table)
    for table in reversed(TABLES):
        op.drop_table(table)
