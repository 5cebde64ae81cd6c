"""smart_property: devices, telemetry (readings, hourly roll-ups, refusals), rules and alarms, visitor passes and the compound's pass key.

Revision ID: smart_property_0002
Revises: smart_property_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "smart_property_0002"
down_revision = "smart_property_0001"
branch_labels = None
depends_on = None

COMPOUND_SCOPED = (
    "smart_property_devices",
    "smart_property_pass_keys",
    "smart_property_readings",
    "smart_property_hourly",
    "smart_property_refusals",
    "smart_property_rules",
    "smart_property_alarms",
    "smart_property_passes",
    "smart_property_pass_entries",
)


def upgrade() -> None:
    op.create_table(
        "smart_property_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("raw_retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_smart_property_settings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smart_property_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_smart_property_settings_tenant_id")),
    )
    op.create_index(op.f("ix_smart_property_settings_tenant_id"), "smart_property_settings", ["tenant_id"], unique=False)
    op.create_table(
        "smart_property_pass_keys",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_pass_keys_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_pass_keys")),
        sa.UniqueConstraint("compound_id", name=op.f("uq_smart_property_pass_keys_compound_id")),
    )
    op.create_table(
        "smart_property_passes",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("issued_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("visitor_name", sa.String(length=50), nullable=False),
        sa.Column("visitor_phone", sa.String(length=20), nullable=True),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("valid_from", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("max_entries", sa.Integer(), nullable=False),
        sa.Column("entries_used", sa.Integer(), nullable=False),
        sa.Column("revoked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_passes_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_user_id"], ["users.id"], name=op.f("fk_smart_property_passes_issued_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_passes")),
    )
    op.create_index(
        "ix_smart_property_passes_issuer", "smart_property_passes", ["compound_id", "issued_by_user_id", "valid_until"], unique=False
    )
    op.create_table(
        "smart_property_refusals",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hour", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("transport", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_refusals_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_refusals")),
        sa.UniqueConstraint("compound_id", "hour", "reason", "transport", name=op.f("uq_smart_property_refusals_compound_id")),
    )
    op.create_table(
        "smart_property_rules",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("device_kind", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=True),
        sa.Column("operator", sa.String(length=2), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("offline_minutes", sa.Integer(), nullable=True),
        sa.Column("event_code", sa.String(length=40), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_rules_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_rules")),
    )
    op.create_index("ix_smart_property_rules_kind", "smart_property_rules", ["compound_id", "device_kind", "active"], unique=False)
    op.create_table(
        "smart_property_pass_entries",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pass_id", sa.Uuid(), nullable=False),
        sa.Column("gate_device_id", sa.Uuid(), nullable=True),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "pass_id"],
            ["smart_property_passes.compound_id", "smart_property_passes.id"],
            name=op.f("fk_smart_property_pass_entries_compound_id_smart_property_passes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_pass_entries_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_pass_entries")),
    )
    op.create_index("ix_smart_property_pass_entries_pass", "smart_property_pass_entries", ["compound_id", "pass_id", "at"], unique=False)
    op.create_table(
        "smart_property_devices",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("point", sa.String(length=100), nullable=False),
        sa.Column("vendor", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("secret_version", sa.Integer(), nullable=False),
        sa.Column("secret_rotated_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("last_seen_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_changed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "building_id"],
            ["buildings.compound_id", "buildings.id"],
            name=op.f("fk_smart_property_devices_compound_id_buildings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "unit_id"],
            ["units.compound_id", "units.id"],
            name=op.f("fk_smart_property_devices_compound_id_units"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_devices_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_devices")),
        sa.UniqueConstraint("compound_id", "code", name=op.f("uq_smart_property_devices_compound_id")),
    )
    op.create_index("ix_smart_property_devices_kind", "smart_property_devices", ["compound_id", "kind", "status"], unique=False)
    op.create_table(
        "smart_property_alarms",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=15), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("first_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("cleared_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_smart_property_alarms_acknowledged_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "device_id"],
            ["smart_property_devices.compound_id", "smart_property_devices.id"],
            name=op.f("fk_smart_property_alarms_compound_id_smart_property_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "rule_id"],
            ["smart_property_rules.compound_id", "smart_property_rules.id"],
            name=op.f("fk_smart_property_alarms_compound_id_smart_property_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_alarms_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_smart_property_alarms_resolved_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_alarms")),
    )
    op.create_index(
        "ix_smart_property_alarms_state", "smart_property_alarms", ["compound_id", "state", "severity", "last_at"], unique=False
    )
    op.create_index(
        "ux_smart_property_alarms_open",
        "smart_property_alarms",
        ["compound_id", "rule_id", "device_id"],
        unique=True,
        sqlite_where=sa.text("state != 'resolved'"),
        postgresql_where=sa.text("state != 'resolved'"),
    )
    op.create_table(
        "smart_property_hourly",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("hour", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "device_id"],
            ["smart_property_devices.compound_id", "smart_property_devices.id"],
            name=op.f("fk_smart_property_hourly_compound_id_smart_property_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_hourly_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_hourly")),
        sa.UniqueConstraint("compound_id", "device_id", "metric", "hour", name=op.f("uq_smart_property_hourly_compound_id")),
    )
    op.create_table(
        "smart_property_readings",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "device_id"],
            ["smart_property_devices.compound_id", "smart_property_devices.id"],
            name=op.f("fk_smart_property_readings_compound_id_smart_property_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_smart_property_readings_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_smart_property_readings")),
    )
    op.create_index("ix_smart_property_readings_at", "smart_property_readings", ["compound_id", "at"], unique=False)
    op.create_index(
        "ix_smart_property_readings_series", "smart_property_readings", ["compound_id", "device_id", "metric", "at"], unique=False
    )
    for table in COMPOUND_SCOPED:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in COMPOUND_SCOPED:
        rls.disable(table)
    op.drop_table("smart_property_readings")
    op.drop_table("smart_property_hourly")
    op.drop_table("smart_property_alarms")
    op.drop_table("smart_property_devices")
    op.drop_table("smart_property_pass_entries")
    op.drop_table("smart_property_rules")
    op.drop_table("smart_property_refusals")
    op.drop_table("smart_property_passes")
    op.drop_table("smart_property_pass_keys")
    op.drop_table("smart_property_settings")
