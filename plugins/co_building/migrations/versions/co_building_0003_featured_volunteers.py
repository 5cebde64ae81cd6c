"""co_building: featured services and the care list; red volunteers, the points ledger and the rewards shop.

Revision ID: co_building_0003
Revises: co_building_0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "co_building_0003"
down_revision = "co_building_0002"
branch_labels = None
depends_on = None

TABLES = (
    "co_building_services",
    "co_building_service_slots",
    "co_building_service_bookings",
    "co_building_care_subjects",
    "co_building_care_visits",
    "co_building_volunteer_teams",
    "co_building_volunteers",
    "co_building_volunteer_activities",
    "co_building_activity_signups",
    "co_building_rewards",
    "co_building_redemptions",
    "co_building_points_ledger",
)
LEDGER = "co_building_points_ledger"


def _append_only_ledger() -> None:
    """The ledger refuses UPDATE and DELETE in the database itself, whoever connects."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE OR REPLACE FUNCTION {LEDGER}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the points ledger is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END $$"""
        )
        op.execute(
            f"CREATE TRIGGER {LEDGER}_append_only BEFORE UPDATE OR DELETE ON {LEDGER} FOR EACH ROW EXECUTE FUNCTION {LEDGER}_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {LEDGER}_no_{action.lower()} BEFORE {action} ON {LEDGER} BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only: {action} refused'); END"
            )


def upgrade() -> None:
    op.create_table(
        "co_building_rewards",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("points_cost", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points_cost >= 1", name=op.f("ck_co_building_rewards_cost_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_co_building_rewards_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_rewards_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_rewards")),
        sa.UniqueConstraint("compound_id", "name", name=op.f("uq_co_building_rewards_compound_id")),
    )
    op.create_table(
        "co_building_services",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("cancel_before_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cancel_before_hours >= 0", name=op.f("ck_co_building_services_cancel_window_not_negative")),
        sa.CheckConstraint("price_fen >= 0", name=op.f("ck_co_building_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_services_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_services")),
        sa.UniqueConstraint("compound_id", "name", name=op.f("uq_co_building_services_compound_id")),
    )
    op.create_table(
        "co_building_volunteer_teams",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_volunteer_teams_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_volunteer_teams")),
        sa.UniqueConstraint("compound_id", "name", name=op.f("uq_co_building_volunteer_teams_compound_id")),
    )
    op.create_table(
        "co_building_service_slots",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name=op.f("ck_co_building_service_slots_booked_within_capacity")),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_co_building_service_slots_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["compound_id", "service_id"],
            ["co_building_services.compound_id", "co_building_services.id"],
            name=op.f("fk_co_building_service_slots_compound_id_co_building_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_service_slots_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_service_slots")),
    )
    op.create_index(
        "ix_co_building_service_slots_start", "co_building_service_slots", ["compound_id", "service_id", "starts_at"], unique=False
    )
    op.create_table(
        "co_building_volunteer_activities",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("signed_up", sa.Integer(), nullable=False),
        sa.Column("points_rule", sa.String(length=10), nullable=False),
        sa.Column("points_value", sa.Integer(), nullable=False),
        sa.Column("checkin_token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_co_building_volunteer_activities_capacity_positive")),
        sa.CheckConstraint("points_value >= 0", name=op.f("ck_co_building_volunteer_activities_points_not_negative")),
        sa.CheckConstraint(
            "signed_up >= 0 AND signed_up <= capacity", name=op.f("ck_co_building_volunteer_activities_signed_up_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "team_id"],
            ["co_building_volunteer_teams.compound_id", "co_building_volunteer_teams.id"],
            name=op.f("fk_co_building_volunteer_activities_compound_id_co_building_volunteer_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_volunteer_activities_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_co_building_volunteer_activities_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_volunteer_activities")),
    )
    op.create_index(
        "ix_co_building_volunteer_activities_start", "co_building_volunteer_activities", ["compound_id", "starts_at"], unique=False
    )
    op.create_table(
        "co_building_care_subjects",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id_card_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("id_card_index", sa.String(length=40), nullable=True),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("visit_every_days", sa.Integer(), nullable=False),
        sa.Column("responsible_user_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("visit_every_days BETWEEN 1 AND 90", name=op.f("ck_co_building_care_subjects_visit_frequency")),
        sa.ForeignKeyConstraint(
            ["compound_id", "household_id"],
            ["households.compound_id", "households.id"],
            name=op.f("fk_co_building_care_subjects_compound_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "resident_id"],
            ["residents.compound_id", "residents.id"],
            name=op.f("fk_co_building_care_subjects_compound_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_care_subjects_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["responsible_user_id"], ["users.id"], name=op.f("fk_co_building_care_subjects_responsible_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_care_subjects")),
    )
    op.create_table(
        "co_building_service_bookings",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("completed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "resident_id"],
            ["residents.compound_id", "residents.id"],
            name=op.f("fk_co_building_service_bookings_compound_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "slot_id"],
            ["co_building_service_slots.compound_id", "co_building_service_slots.id"],
            name=op.f("fk_co_building_service_bookings_compound_id_co_building_service_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_service_bookings_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_co_building_service_bookings_confirmed_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_co_building_service_bookings_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_service_bookings")),
    )
    op.create_index("ix_co_building_service_bookings_slot", "co_building_service_bookings", ["compound_id", "slot_id"], unique=False)
    op.create_index("ix_co_building_service_bookings_user", "co_building_service_bookings", ["user_id"], unique=False)
    op.create_index(
        "uq_co_building_service_bookings_live",
        "co_building_service_bookings",
        ["compound_id", "slot_id", "resident_id"],
        unique=True,
        sqlite_where=sa.text("status IN ('booked', 'confirmed')"),
        postgresql_where=sa.text("status IN ('booked', 'confirmed')"),
    )
    op.create_table(
        "co_building_volunteers",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("team_role", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("is_party_member", sa.Boolean(), nullable=False),
        sa.Column("skills", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("points_balance", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points_balance >= 0", name=op.f("ck_co_building_volunteers_balance_not_negative")),
        sa.ForeignKeyConstraint(
            ["compound_id", "resident_id"],
            ["residents.compound_id", "residents.id"],
            name=op.f("fk_co_building_volunteers_compound_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "team_id"],
            ["co_building_volunteer_teams.compound_id", "co_building_volunteer_teams.id"],
            name=op.f("fk_co_building_volunteers_compound_id_co_building_volunteer_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_volunteers_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_co_building_volunteers_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_volunteers")),
    )
    op.create_index("ix_co_building_volunteers_user", "co_building_volunteers", ["user_id"], unique=False)
    op.create_index(
        "uq_co_building_volunteers_user",
        "co_building_volunteers",
        ["compound_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("user_id IS NOT NULL"),
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.create_table(
        "co_building_activity_signups",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("queued_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hours", core.db.ExactDecimal(precision=6, scale=2), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours IS NULL OR hours >= 0", name=op.f("ck_co_building_activity_signups_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["compound_id", "activity_id"],
            ["co_building_volunteer_activities.compound_id", "co_building_volunteer_activities.id"],
            name=op.f("fk_co_building_activity_signups_compound_id_co_building_volunteer_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "volunteer_id"],
            ["co_building_volunteers.compound_id", "co_building_volunteers.id"],
            name=op.f("fk_co_building_activity_signups_compound_id_co_building_volunteers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_activity_signups_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_activity_signups")),
    )
    op.create_index(
        "ix_co_building_activity_signups_volunteer", "co_building_activity_signups", ["compound_id", "volunteer_id"], unique=False
    )
    op.create_index(
        "uq_co_building_activity_signups_live",
        "co_building_activity_signups",
        ["compound_id", "activity_id", "volunteer_id"],
        unique=True,
        sqlite_where=sa.text("status != 'cancelled'"),
        postgresql_where=sa.text("status != 'cancelled'"),
    )
    op.create_table(
        "co_building_care_visits",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("visited_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("visited_by", sa.Uuid(), nullable=True),
        sa.Column("visitor_name", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("flagged_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "subject_id"],
            ["co_building_care_subjects.compound_id", "co_building_care_subjects.id"],
            name=op.f("fk_co_building_care_visits_compound_id_co_building_care_subjects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_care_visits_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["visited_by"], ["users.id"], name=op.f("fk_co_building_care_visits_visited_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_care_visits")),
        sa.UniqueConstraint("compound_id", "subject_id", "due_on", name=op.f("uq_co_building_care_visits_compound_id")),
    )
    op.create_index("ix_co_building_care_visits_status", "co_building_care_visits", ["compound_id", "status", "due_on"], unique=False)
    op.create_table(
        "co_building_redemptions",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reward_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("handled_by", sa.Uuid(), nullable=True),
        sa.Column("handled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_co_building_redemptions_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["compound_id", "reward_id"],
            ["co_building_rewards.compound_id", "co_building_rewards.id"],
            name=op.f("fk_co_building_redemptions_compound_id_co_building_rewards"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "volunteer_id"],
            ["co_building_volunteers.compound_id", "co_building_volunteers.id"],
            name=op.f("fk_co_building_redemptions_compound_id_co_building_volunteers"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_redemptions_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["users.id"], name=op.f("fk_co_building_redemptions_handled_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_redemptions")),
    )
    op.create_index("ix_co_building_redemptions_volunteer", "co_building_redemptions", ["compound_id", "volunteer_id"], unique=False)
    op.create_table(
        "co_building_points_ledger",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("signup_id", sa.Uuid(), nullable=True),
        sa.Column("redemption_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_co_building_points_ledger_balance_not_negative")),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_co_building_points_ledger_delta_not_zero")),
        sa.ForeignKeyConstraint(
            ["compound_id", "redemption_id"],
            ["co_building_redemptions.compound_id", "co_building_redemptions.id"],
            name=op.f("fk_co_building_points_ledger_compound_id_co_building_redemptions"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "signup_id"],
            ["co_building_activity_signups.compound_id", "co_building_activity_signups.id"],
            name=op.f("fk_co_building_points_ledger_compound_id_co_building_activity_signups"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "volunteer_id"],
            ["co_building_volunteers.compound_id", "co_building_volunteers.id"],
            name=op.f("fk_co_building_points_ledger_compound_id_co_building_volunteers"),
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_points_ledger_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_co_building_points_ledger_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_points_ledger")),
    )
    op.create_index(
        "ix_co_building_points_ledger_volunteer", "co_building_points_ledger", ["compound_id", "volunteer_id", "id"], unique=False
    )

    _append_only_ledger()
    for table in TABLES:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {LEDGER}_append_only ON {LEDGER}")
        op.execute(f"DROP FUNCTION IF EXISTS {LEDGER}_append_only()")
    for table in reversed(
        (
            "co_building_rewards",
            "co_building_services",
            "co_building_volunteer_teams",
            "co_building_service_slots",
            "co_building_volunteer_activities",
            "co_building_care_subjects",
            "co_building_service_bookings",
            "co_building_volunteers",
            "co_building_activity_signups",
            "co_building_care_visits",
            "co_building_redemptions",
            LEDGER,
        )
    ):
        op.drop_table(table)
