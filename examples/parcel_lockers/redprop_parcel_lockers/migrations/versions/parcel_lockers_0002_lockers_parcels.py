"""parcel_lockers: lockers and parcels (both compound-scoped, with row-level security).

Revision ID: parcel_lockers_0002
Revises: parcel_lockers_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.public import UTCDateTime, disable_rls, enable_rls, grant_app_access

revision = "parcel_lockers_0002"
down_revision = "parcel_lockers_0001"
branch_labels = None
depends_on = None

TABLES = ("parcel_lockers_lockers", "parcel_lockers_parcels")


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", UTCDateTime(), nullable=False), sa.Column("updated_at", UTCDateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "parcel_lockers_lockers",
        sa.Column("compound_id", sa.Uuid(), sa.ForeignKey("compounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("compartments", sa.Integer(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("compound_id", "id"),
    )
    op.create_table(
        "parcel_lockers_parcels",
        sa.Column("compound_id", sa.Uuid(), sa.ForeignKey("compounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("locker_id", sa.Uuid(), nullable=False),
        sa.Column("compartment", sa.Integer(), nullable=False),
        sa.Column("recipient_user_id", sa.Uuid(), nullable=False),
        sa.Column("phone_masked", sa.String(11), nullable=False),
        sa.Column("carrier", sa.String(100), nullable=False),
        sa.Column("tracking_number", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=False),
        sa.Column("checked_in_by", sa.Uuid(), nullable=True),
        sa.Column("code_digest", sa.String(64), nullable=True),
        sa.Column("code_issued_at", UTCDateTime(), nullable=True),
        sa.Column("picked_up_at", UTCDateTime(), nullable=True),
        sa.Column("overdue_notified_at", UTCDateTime(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("compound_id", "id"),
        sa.ForeignKeyConstraint(["compound_id", "locker_id"], ["parcel_lockers_lockers.compound_id", "parcel_lockers_lockers.id"]),
    )
    op.create_index("ix_parcel_lockers_parcels_code", "parcel_lockers_parcels", ["compound_id", "code_digest"])
    op.create_index("ix_parcel_lockers_parcels_recipient", "parcel_lockers_parcels", ["compound_id", "recipient_user_id"])
    for table in TABLES:
        enable_rls(table)
    grant_app_access()


def downgrade() -> None:
    for table in TABLES:
        disable_rls(table)
    op.drop_table("parcel_lockers_parcels")
    op.drop_table("parcel_lockers_lockers")
