"""coordination: grids covering buildings, community tasks and each compound's completion report.

Revision ID: coordination_0003
Revises: coordination_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "coordination_0003"
down_revision = "coordination_0002"
branch_labels = None
depends_on = None

SCOPED = ["coordination_task_assignments", "coordination_grid_buildings"]
"""Compound-scoped tables: row-level security on PostgreSQL."""
TABLES = ["coordination_tasks", "coordination_grids", "coordination_task_assignments", "coordination_grid_buildings"]
"""In creation order (parents first)."""


def upgrade() -> None:
    op.create_table(
        "coordination_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deadline", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_label", sa.String(length=100), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_coordination_tasks_created_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_tasks_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_tasks")),
    )
    op.create_index(op.f("ix_coordination_tasks_tenant_id"), "coordination_tasks", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_grids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("worker_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["regions.id"], name=op.f("fk_coordination_grids_community_id_regions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_grids_tenant_id_tenants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["worker_user_id"], ["users.id"], name=op.f("fk_coordination_grids_worker_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_grids")),
        sa.UniqueConstraint("tenant_id", "community_id", "name", name="uq_coordination_grids_name"),
    )
    op.create_index(op.f("ix_coordination_grids_community_id"), "coordination_grids", ["community_id"], unique=False)
    op.create_index(op.f("ix_coordination_grids_tenant_id"), "coordination_grids", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_coordination_grids_worker_user_id"), "coordination_grids", ["worker_user_id"], unique=False)
    op.create_table(
        "coordination_task_assignments",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("reported_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("reported_by_label", sa.String(length=100), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_task_assignments_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_user_id"],
            ["users.id"],
            name=op.f("fk_coordination_task_assignments_reported_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["coordination_tasks.id"],
            name=op.f("fk_coordination_task_assignments_task_id_coordination_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_coordination_task_assignments")),
        sa.UniqueConstraint("compound_id", "task_id", name="uq_coordination_task_assignments_task"),
    )
    op.create_index("ix_coordination_task_assignments_task", "coordination_task_assignments", ["task_id"], unique=False)
    op.create_table(
        "coordination_grid_buildings",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("grid_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "building_id"],
            ["buildings.compound_id", "buildings.id"],
            name=op.f("fk_coordination_grid_buildings_compound_id_buildings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_grid_buildings_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["coordination_grids.id"],
            name=op.f("fk_coordination_grid_buildings_grid_id_coordination_grids"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_coordination_grid_buildings")),
        sa.UniqueConstraint("compound_id", "building_id", name="uq_coordination_grid_buildings_building"),
    )
    op.create_index(op.f("ix_coordination_grid_buildings_grid_id"), "coordination_grid_buildings", ["grid_id"], unique=False)
    for table in SCOPED:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in reversed(SCOPED):
        rls.disable(table)
    for table in reversed(TABLES):
        op.drop_table(table)
