"""coordination: cases, their timeline, the districts' routing tables and time limits, whistle calls.

Revision ID: coordination_0002
Revises: coordination_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "coordination_0002"
down_revision = "coordination_0001"
branch_labels = None
depends_on = None

SCOPED = ["coordination_cases", "coordination_case_events", "coordination_whistle_calls"]
"""Compound-scoped tables: row-level security on PostgreSQL."""
TABLES = ["coordination_time_limits", "coordination_routes", "coordination_cases", "coordination_case_events", "coordination_whistle_calls"]
"""In creation order (parents first)."""


def upgrade() -> None:
    op.create_table(
        "coordination_time_limits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("response_hours", sa.Integer(), nullable=False),
        sa.Column("resolution_days", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_time_limits_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_time_limits")),
        sa.UniqueConstraint("tenant_id", "category", "priority", name=op.f("uq_coordination_time_limits_tenant_id")),
    )
    op.create_index(op.f("ix_coordination_time_limits_tenant_id"), "coordination_time_limits", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_routes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_coordination_routes_department_id_departments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_coordination_routes_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_routes")),
        sa.UniqueConstraint("tenant_id", "category", name=op.f("uq_coordination_routes_tenant_id")),
    )
    op.create_index(op.f("ix_coordination_routes_tenant_id"), "coordination_routes", ["tenant_id"], unique=False)
    op.create_table(
        "coordination_cases",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=60), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=10), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("point", sa.String(length=200), nullable=False),
        sa.Column("district_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_user_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_label", sa.String(length=100), nullable=False),
        sa.Column("resident_user_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("response_due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolution_due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["regions.id"], name=op.f("fk_coordination_cases_community_id_regions"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "building_id"],
            ["buildings.compound_id", "buildings.id"],
            name=op.f("fk_coordination_cases_compound_id_buildings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "room_id"],
            ["rooms.compound_id", "rooms.id"],
            name=op.f("fk_coordination_cases_compound_id_rooms"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_cases_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_coordination_cases_department_id_departments"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["district_tenant_id"], ["tenants.id"], name=op.f("fk_coordination_cases_district_tenant_id_tenants")),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"], ["users.id"], name=op.f("fk_coordination_cases_reporter_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["resident_user_id"], ["users.id"], name=op.f("fk_coordination_cases_resident_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_coordination_cases")),
        sa.UniqueConstraint("compound_id", "number", name="uq_coordination_cases_number"),
        sa.UniqueConstraint("compound_id", "source", "source_id", name="uq_coordination_cases_source"),
    )
    op.create_index("ix_coordination_cases_department", "coordination_cases", ["department_id", "state"], unique=False)
    op.create_index("ix_coordination_cases_state", "coordination_cases", ["compound_id", "state", "created_at"], unique=False)
    op.create_table(
        "coordination_case_events",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_coordination_case_events_actor_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "case_id"],
            ["coordination_cases.compound_id", "coordination_cases.id"],
            name=op.f("fk_coordination_case_events_compound_id_coordination_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_case_events_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_coordination_case_events_department_id_departments"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_coordination_case_events")),
    )
    op.create_index("ix_coordination_case_events_case", "coordination_case_events", ["compound_id", "case_id", "at"], unique=False)
    op.create_table(
        "coordination_whistle_calls",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("whistle_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("called_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("called_by_label", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("called_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("report_note", sa.Text(), nullable=False),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["called_by_user_id"], ["users.id"], name=op.f("fk_coordination_whistle_calls_called_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "case_id"],
            ["coordination_cases.compound_id", "coordination_cases.id"],
            name=op.f("fk_coordination_whistle_calls_compound_id_coordination_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_coordination_whistle_calls_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_coordination_whistle_calls_department_id_departments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_user_id"], ["users.id"], name=op.f("fk_coordination_whistle_calls_reported_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_coordination_whistle_calls")),
    )
    op.create_index("ix_coordination_whistle_calls_case", "coordination_whistle_calls", ["compound_id", "case_id"], unique=False)
    op.create_index(
        "ix_coordination_whistle_calls_department", "coordination_whistle_calls", ["department_id", "reported_at"], unique=False
    )
    for table in SCOPED:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in reversed(SCOPED):
        rls.disable(table)
    for table in reversed(TABLES):
        op.drop_table(table)
