"""party_building: organisations and coverage, members, meetings and action items, responsibility lists, study, disclosure.

Revision ID: party_building_0002
Revises: party_building_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "party_building_0002"
down_revision = "party_building_0001"
branch_labels = None
depends_on = None

COMPOUND_TABLES = (
    "party_coverages",
    "party_members",
    "party_memberships",
    "party_central_households",
    "party_central_links",
    "party_meetings",
    "party_meeting_attendees",
    "party_resolutions",
    "party_action_items",
    "party_meeting_gaps",
    "party_study_sessions",
    "party_study_attendance",
    "party_disclosures",
    "party_disclosure_versions",
)
TENANT_TABLES = (
    "party_organisations",
    "party_district_targets",
    "party_meeting_requirements",
    "party_responsibilities",
    "party_responsibility_records",
)


def upgrade() -> None:
    op.create_table(
        "party_organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("enterprise_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("secretary_name", sa.String(length=100), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["regions.id"], name=op.f("fk_party_organisations_community_id_regions")),
        sa.ForeignKeyConstraint(["enterprise_tenant_id"], ["tenants.id"], name=op.f("fk_party_organisations_enterprise_tenant_id_tenants")),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_organisations_parent_id_party_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_party_organisations_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_organisations")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_party_organisations_tenant_id")),
    )
    op.create_index(op.f("ix_party_organisations_tenant_id"), "party_organisations", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_party_organisations_enterprise_tenant_id"), "party_organisations", ["enterprise_tenant_id"], unique=False)
    op.create_index(op.f("ix_party_organisations_parent_id"), "party_organisations", ["parent_id"], unique=False)
    op.create_table(
        "party_coverages",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "building_id"],
            ["buildings.compound_id", "buildings.id"],
            name=op.f("fk_party_coverages_compound_id_buildings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_coverages_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_coverages_organisation_id_party_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_coverages")),
    )
    op.create_index("ix_party_coverages_organisation", "party_coverages", ["organisation_id"], unique=False)
    op.create_table(
        "party_members",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("serving", sa.Boolean(), nullable=False),
        sa.Column("workplace", sa.String(length=200), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("show_identity", sa.Boolean(), nullable=False),
        sa.Column("property_post", sa.String(length=100), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "resident_id"], ["residents.compound_id", "residents.id"], name=op.f("fk_party_members_compound_id_residents")
        ),
        sa.ForeignKeyConstraint(["compound_id"], ["compounds.id"], name=op.f("fk_party_members_compound_id_compounds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_party_members_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_members")),
    )
    op.create_index("ix_party_members_user", "party_members", ["user_id"], unique=False)
    op.create_table(
        "party_memberships",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("post", sa.String(length=30), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "member_id"],
            ["party_members.compound_id", "party_members.id"],
            name=op.f("fk_party_memberships_compound_id_party_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_memberships_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_memberships_organisation_id_party_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_memberships")),
        sa.UniqueConstraint("compound_id", "member_id", "level", name=op.f("uq_party_memberships_compound_id")),
    )
    op.create_index("ix_party_memberships_organisation", "party_memberships", ["organisation_id"], unique=False)
    op.create_table(
        "party_central_households",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "building_id"],
            ["buildings.compound_id", "buildings.id"],
            name=op.f("fk_party_central_households_compound_id_buildings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "member_id"],
            ["party_members.compound_id", "party_members.id"],
            name=op.f("fk_party_central_households_compound_id_party_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_central_households_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_central_households")),
        sa.UniqueConstraint("compound_id", "member_id", name=op.f("uq_party_central_households_compound_id")),
    )
    op.create_table(
        "party_central_links",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("central_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "central_id"],
            ["party_central_households.compound_id", "party_central_households.id"],
            name=op.f("fk_party_central_links_compound_id_party_central_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "household_id"],
            ["households.compound_id", "households.id"],
            name=op.f("fk_party_central_links_compound_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_central_links_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_central_links")),
        sa.UniqueConstraint("compound_id", "household_id", name=op.f("uq_party_central_links_compound_id")),
    )
    op.create_table(
        "party_district_targets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("committee_party_share", core.db.ExactDecimal(precision=5, scale=2), nullable=False),
        sa.Column("secretary_on_committee", sa.Boolean(), nullable=False),
        sa.Column("coverage", core.db.ExactDecimal(precision=5, scale=2), nullable=False),
        sa.Column("action_items_on_time", core.db.ExactDecimal(precision=5, scale=2), nullable=False),
        sa.Column("study_hours_per_member", core.db.ExactDecimal(precision=6, scale=1), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_party_district_targets_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_district_targets")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_party_district_targets_tenant_id")),
    )
    op.create_index(op.f("ix_party_district_targets_tenant_id"), "party_district_targets", ["tenant_id"], unique=False)
    op.create_table(
        "party_meeting_requirements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("minimum", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_party_meeting_requirements_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_meeting_requirements")),
        sa.UniqueConstraint("tenant_id", "kind", name=op.f("uq_party_meeting_requirements_tenant_id")),
    )
    op.create_index(op.f("ix_party_meeting_requirements_tenant_id"), "party_meeting_requirements", ["tenant_id"], unique=False)
    op.create_table(
        "party_meetings",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("scheduled_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("held_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("minutes_recorded_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sign_in_code", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_meetings_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_party_meetings_created_by_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_meetings_organisation_id_party_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_meetings")),
    )
    op.create_index("ix_party_meetings_kind_time", "party_meetings", ["compound_id", "kind", "scheduled_at"], unique=False)
    op.create_table(
        "party_meeting_attendees",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.Column("signed_in_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sign_in_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "meeting_id"],
            ["party_meetings.compound_id", "party_meetings.id"],
            name=op.f("fk_party_meeting_attendees_compound_id_party_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_meeting_attendees_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_party_meeting_attendees_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_meeting_attendees")),
    )
    op.create_table(
        "party_resolutions",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "meeting_id"],
            ["party_meetings.compound_id", "party_meetings.id"],
            name=op.f("fk_party_resolutions_compound_id_party_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_resolutions_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_resolutions")),
    )
    op.create_table(
        "party_action_items",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resolution_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_kind", sa.String(length=30), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("owner_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closed_on_time", sa.Boolean(), nullable=True),
        sa.Column("overdue_notified_on", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_party_action_items_closed_by_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["compound_id", "meeting_id"],
            ["party_meetings.compound_id", "party_meetings.id"],
            name=op.f("fk_party_action_items_compound_id_party_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "resolution_id"],
            ["party_resolutions.compound_id", "party_resolutions.id"],
            name=op.f("fk_party_action_items_compound_id_party_resolutions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_action_items_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_action_items_owner_organisation_id_party_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["owner_tenant_id"], ["tenants.id"], name=op.f("fk_party_action_items_owner_tenant_id_tenants")),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_party_action_items_owner_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_action_items")),
    )
    op.create_index("ix_party_action_items_due", "party_action_items", ["status", "due_on"], unique=False)
    op.create_table(
        "party_meeting_gaps",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_meeting_gaps_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_meeting_gaps")),
        sa.UniqueConstraint("compound_id", "kind", "period_start", name=op.f("uq_party_meeting_gaps_compound_id")),
    )
    op.create_table(
        "party_responsibilities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_responsibilities_organisation_id_party_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_party_responsibilities_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_responsibilities")),
    )
    op.create_index(op.f("ix_party_responsibilities_tenant_id"), "party_responsibilities", ["tenant_id"], unique=False)
    op.create_index("ix_party_responsibilities_organisation", "party_responsibilities", ["organisation_id"], unique=False)
    op.create_table(
        "party_responsibility_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("responsibility_id", sa.Uuid(), nullable=False),
        sa.Column("period_label", sa.String(length=10), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_party_responsibility_records_recorded_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["responsibility_id"], ["party_responsibilities.id"], name="fk_party_responsibility_records_responsibility", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_party_responsibility_records_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_responsibility_records")),
        sa.UniqueConstraint("responsibility_id", "period_label", name=op.f("uq_party_responsibility_records_responsibility_id")),
    )
    op.create_index(op.f("ix_party_responsibility_records_tenant_id"), "party_responsibility_records", ["tenant_id"], unique=False)
    op.create_table(
        "party_study_sessions",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("hours", core.db.ExactDecimal(precision=5, scale=1), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_study_sessions_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["party_organisations.id"],
            name=op.f("fk_party_study_sessions_organisation_id_party_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_study_sessions")),
    )
    op.create_table(
        "party_study_attendance",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("hours", core.db.ExactDecimal(precision=5, scale=1), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "member_id"],
            ["party_members.compound_id", "party_members.id"],
            name=op.f("fk_party_study_attendance_compound_id_party_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "session_id"],
            ["party_study_sessions.compound_id", "party_study_sessions.id"],
            name=op.f("fk_party_study_attendance_compound_id_party_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_study_attendance_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_study_attendance")),
        sa.UniqueConstraint("compound_id", "session_id", "member_id", name=op.f("uq_party_study_attendance_compound_id")),
    )
    op.create_table(
        "party_disclosures",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("publish_from", sa.Date(), nullable=False),
        sa.Column("publish_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_disclosures_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_disclosures")),
    )
    op.create_table(
        "party_disclosure_versions",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("publish_from", sa.Date(), nullable=False),
        sa.Column("publish_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_party_disclosure_versions_changed_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "disclosure_id"],
            ["party_disclosures.compound_id", "party_disclosures.id"],
            name=op.f("fk_party_disclosure_versions_compound_id_party_disclosures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_party_disclosure_versions_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_party_disclosure_versions")),
        sa.UniqueConstraint("compound_id", "disclosure_id", "version", name=op.f("uq_party_disclosure_versions_compound_id")),
    )
    for table in COMPOUND_TABLES:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in COMPOUND_TABLES:
        rls.disable(table)
    # children first: every table below refers only to tables dropped after it
    for table in (
        "party_disclosure_versions",
        "party_disclosures",
        "party_study_attendance",
        "party_study_sessions",
        "party_responsibility_records",
        "party_responsibilities",
        "party_meeting_gaps",
        "party_action_items",
        "party_resolutions",
        "party_meeting_attendees",
        "party_meetings",
        "party_meeting_requirements",
        "party_district_targets",
        "party_central_links",
        "party_central_households",
        "party_memberships",
        "party_members",
        "party_coverages",
        "party_organisations",
    ):
        op.drop_table(table)
