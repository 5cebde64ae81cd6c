"""People (issue 15, points 2-3): one-time codes (stored hashed), room invitations and room bindings (who bound a
registration to a room, how, when, and its move-out); an owners' committee term remembers the vote that elected
it and when its expiry was flagged.

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

revision = "core_0010"
down_revision = "core_0009"
branch_labels = None
depends_on = None


def _compound_keys() -> list:
    return [
        sa.Column("compound_id", sa.Uuid(), sa.ForeignKey("compounds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_one_time_codes_phone_at", "one_time_codes", ["phone", "created_at"])
    op.create_index("ix_one_time_codes_source_at", "one_time_codes", ["source", "created_at"])
    op.create_table(
        "room_invitations",
        *_compound_keys(),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("used_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("used_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("revoked_at", core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "room_bindings",
        *_compound_keys(),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("ended_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("note", sa.String(300), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_room_bindings_user", "room_bindings", ["user_id"])
    op.create_index("ix_room_bindings_status", "room_bindings", ["compound_id", "status"])
    with op.batch_alter_table("owners_committees") as batch:
        batch.add_column(sa.Column("source_vote_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("expiry_flagged_at", core.db.UTCDateTime(), nullable=True))
    for table in ("room_invitations", "room_bindings"):
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    with op.batch_alter_table("owners_committees") as batch:
        batch.drop_column("expiry_flagged_at")
        batch.drop_column("source_vote_id")
    op.drop_table("room_bindings")
    op.drop_table("room_invitations")
    op.drop_index("ix_one_time_codes_source_at", "one_time_codes")
    op.drop_index("ix_one_time_codes_phone_at", "one_time_codes")
    op.drop_table("one_time_codes")
