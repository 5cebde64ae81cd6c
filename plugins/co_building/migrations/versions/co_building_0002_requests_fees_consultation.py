"""co_building: service requests and work orders, property fees, consultation and owners' votes.

Revision ID: co_building_0002
Revises: co_building_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "co_building_0002"
down_revision = "co_building_0001"
branch_labels = None
depends_on = None

SCOPED = [
    "co_building_requests",
    "co_building_request_events",
    "co_building_me_too",
    "co_building_fee_items",
    "co_building_meter_readings",
    "co_building_bills",
    "co_building_bill_lines",
    "co_building_payments",
    "co_building_proposals",
    "co_building_proposal_signatures",
    "co_building_meetings",
    "co_building_meeting_participants",
    "co_building_notices",
    "co_building_votes",
    "co_building_vote_roll",
    "co_building_ballots",
]
"""Compound-scoped tables: row-level security on PostgreSQL."""
TABLES = [
    "co_building_time_limits",
    "co_building_fee_items",
    "co_building_meetings",
    "co_building_notices",
    "co_building_proposals",
    "co_building_votes",
    "co_building_ballots",
    "co_building_meeting_participants",
    "co_building_proposal_signatures",
    "co_building_vote_roll",
    "co_building_bills",
    "co_building_meter_readings",
    "co_building_bill_lines",
    "co_building_payments",
    "co_building_requests",
    "co_building_me_too",
    "co_building_request_events",
]
"""In creation order (parents first)."""


def upgrade() -> None:
    op.create_table(
        "co_building_time_limits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("response_hours", sa.Integer(), nullable=False),
        sa.Column("completion_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_co_building_time_limits_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_co_building_time_limits")),
        sa.UniqueConstraint("tenant_id", "category", "priority", name=op.f("uq_co_building_time_limits_tenant_id")),
    )
    op.create_index(op.f("ix_co_building_time_limits_tenant_id"), "co_building_time_limits", ["tenant_id"], unique=False)
    op.create_table(
        "co_building_fee_items",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("unit_price", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_fee_items_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_fee_items")),
        sa.UniqueConstraint("compound_id", "name", name=op.f("uq_co_building_fee_items_compound_id")),
    )
    op.create_table(
        "co_building_meetings",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("held_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_meetings_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_co_building_meetings_created_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_meetings")),
    )
    op.create_table(
        "co_building_notices",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_notices_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["published_by_user_id"], ["users.id"], name=op.f("fk_co_building_notices_published_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_notices")),
    )
    op.create_index("ix_co_building_notices_period", "co_building_notices", ["compound_id", "starts_at"], unique=False)
    op.create_table(
        "co_building_proposals",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("proposer_user_id", sa.Uuid(), nullable=True),
        sa.Column("proposer_name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("signature_count", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_proposals_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposer_user_id"], ["users.id"], name=op.f("fk_co_building_proposals_proposer_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_proposals")),
    )
    op.create_index("ix_co_building_proposals_state", "co_building_proposals", ["compound_id", "state"], unique=False)
    op.create_table(
        "co_building_votes",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("matter", sa.String(length=40), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opens_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closes_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("total_area", core.db.ExactDecimal(precision=14, scale=2), nullable=True),
        sa.Column("total_heads", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_votes_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_co_building_votes_created_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_votes")),
    )
    op.create_index("ix_co_building_votes_state", "co_building_votes", ["compound_id", "state"], unique=False)
    op.create_table(
        "co_building_ballots",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("owner_key", sa.String(length=60), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("cast_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("cast_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cast_by_user_id"], ["users.id"], name=op.f("fk_co_building_ballots_cast_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "vote_id"],
            ["co_building_votes.compound_id", "co_building_votes.id"],
            name=op.f("fk_co_building_ballots_compound_id_co_building_votes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_ballots_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_ballots")),
        sa.UniqueConstraint("compound_id", "vote_id", "owner_key", name=op.f("uq_co_building_ballots_compound_id")),
    )
    op.create_table(
        "co_building_meeting_participants",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("side", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "meeting_id"],
            ["co_building_meetings.compound_id", "co_building_meetings.id"],
            name=op.f("fk_co_building_meeting_participants_compound_id_co_building_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_meeting_participants_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_co_building_meeting_participants_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_meeting_participants")),
    )
    op.create_table(
        "co_building_proposal_signatures",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("signed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "proposal_id"],
            ["co_building_proposals.compound_id", "co_building_proposals.id"],
            name=op.f("fk_co_building_proposal_signatures_compound_id_co_building_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_proposal_signatures_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_co_building_proposal_signatures_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_proposal_signatures")),
        sa.UniqueConstraint("compound_id", "proposal_id", "user_id", name=op.f("uq_co_building_proposal_signatures_compound_id")),
    )
    op.create_table(
        "co_building_vote_roll",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("owner_key", sa.String(length=60), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("area", core.db.ExactDecimal(precision=10, scale=2), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "vote_id"],
            ["co_building_votes.compound_id", "co_building_votes.id"],
            name=op.f("fk_co_building_vote_roll_compound_id_co_building_votes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_vote_roll_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_vote_roll")),
        sa.UniqueConstraint("compound_id", "vote_id", "room_id", name=op.f("uq_co_building_vote_roll_compound_id")),
    )
    op.create_index("ix_co_building_vote_roll_owner", "co_building_vote_roll", ["compound_id", "vote_id", "owner_key"], unique=False)
    op.create_table(
        "co_building_bills",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("issued_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "room_id"],
            ["rooms.compound_id", "rooms.id"],
            name=op.f("fk_co_building_bills_compound_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_bills_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_bills")),
        sa.UniqueConstraint("compound_id", "room_id", "period", name=op.f("uq_co_building_bills_compound_id")),
    )
    op.create_index("ix_co_building_bills_status", "co_building_bills", ["compound_id", "status", "period"], unique=False)
    op.create_table(
        "co_building_meter_readings",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fee_item_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("quantity", core.db.ExactDecimal(precision=12, scale=3), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "fee_item_id"],
            ["co_building_fee_items.compound_id", "co_building_fee_items.id"],
            name=op.f("fk_co_building_meter_readings_compound_id_co_building_fee_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "room_id"],
            ["rooms.compound_id", "rooms.id"],
            name=op.f("fk_co_building_meter_readings_compound_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_meter_readings_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_meter_readings")),
        sa.UniqueConstraint("compound_id", "fee_item_id", "room_id", "period", name=op.f("uq_co_building_meter_readings_compound_id")),
    )
    op.create_table(
        "co_building_bill_lines",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("fee_item_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", core.db.ExactDecimal(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", core.db.ExactDecimal(precision=12, scale=4), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "bill_id"],
            ["co_building_bills.compound_id", "co_building_bills.id"],
            name=op.f("fk_co_building_bill_lines_compound_id_co_building_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "fee_item_id"],
            ["co_building_fee_items.compound_id", "co_building_fee_items.id"],
            name=op.f("fk_co_building_bill_lines_compound_id_co_building_fee_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_bill_lines_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_bill_lines")),
    )
    op.create_table(
        "co_building_payments",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("provider_reference", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("receipt_no", sa.String(length=40), nullable=True),
        sa.Column("recorded_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("paid_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "bill_id"],
            ["co_building_bills.compound_id", "co_building_bills.id"],
            name=op.f("fk_co_building_payments_compound_id_co_building_bills"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_payments_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"], ["users.id"], name=op.f("fk_co_building_payments_recorded_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_payments")),
        sa.UniqueConstraint("compound_id", "idempotency_key", name="uq_co_building_payments_idempotency_key"),
        sa.UniqueConstraint("compound_id", "receipt_no", name="uq_co_building_payments_receipt_no"),
    )
    op.create_table(
        "co_building_requests",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("location", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("filed_for_user_id", sa.Uuid(), nullable=True),
        sa.Column("filed_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("assignee_user_id", sa.Uuid(), nullable=True),
        sa.Column("response_due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completion_due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_breached", sa.Boolean(), nullable=False),
        sa.Column("completion_breached", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_tags", sa.JSON(), nullable=False),
        sa.Column("rating_comment", sa.Text(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("return_visit_due", sa.Boolean(), nullable=False),
        sa.Column("me_too_count", sa.Integer(), nullable=False),
        sa.Column("beyond_powers", sa.Boolean(), nullable=False),
        sa.Column("handover_reason", sa.String(length=300), nullable=False),
        sa.Column("case_status", sa.String(length=30), nullable=True),
        sa.Column("case_reference", sa.String(length=60), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"], ["users.id"], name=op.f("fk_co_building_requests_assignee_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "resident_id"],
            ["residents.compound_id", "residents.id"],
            name=op.f("fk_co_building_requests_compound_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "room_id"],
            ["rooms.compound_id", "rooms.id"],
            name=op.f("fk_co_building_requests_compound_id_rooms"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_requests_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_user_id"], ["users.id"], name=op.f("fk_co_building_requests_filed_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["filed_for_user_id"], ["users.id"], name=op.f("fk_co_building_requests_filed_for_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_requests")),
        sa.UniqueConstraint("compound_id", "number", name=op.f("uq_co_building_requests_compound_id")),
    )
    op.create_index("ix_co_building_requests_filer", "co_building_requests", ["filed_for_user_id"], unique=False)
    op.create_index("ix_co_building_requests_state", "co_building_requests", ["compound_id", "state", "created_at"], unique=False)
    op.create_table(
        "co_building_me_too",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_id", "request_id"],
            ["co_building_requests.compound_id", "co_building_requests.id"],
            name=op.f("fk_co_building_me_too_compound_id_co_building_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_me_too_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_co_building_me_too_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_me_too")),
        sa.UniqueConstraint("compound_id", "request_id", "user_id", name=op.f("uq_co_building_me_too_compound_id")),
    )
    op.create_table(
        "co_building_request_events",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_co_building_request_events_actor_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["compound_id", "request_id"],
            ["co_building_requests.compound_id", "co_building_requests.id"],
            name=op.f("fk_co_building_request_events_compound_id_co_building_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_co_building_request_events_compound_id_compounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f("pk_co_building_request_events")),
    )
    op.create_index(
        "ix_co_building_request_events_request", "co_building_request_events", ["compound_id", "request_id", "at"], unique=False
    )
    for table in SCOPED:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in reversed(SCOPED):
        rls.disable(table)
    for table in reversed(TABLES):
        op.drop_table(table)
