"""co_building: time limits on a basis (clock, working hours, working days); every ballot kept with its channel, who
entered it and why; the committee's "same owner as" links on a vote's roll; fee items on building or exclusive area;
late fees (滞纳金) per compound (issue 14).

Revision ID: co_building_0004
Revises: co_building_0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db
from core import rls
from core.settings import get_settings

TABLES = ("co_building_vote_roll_links", "co_building_ballot_records", "co_building_fee_terms")
"""Compound-scoped tables: row-level security on PostgreSQL."""


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
    ]


def _scoped(table: str, parent: str | None = None) -> list:
    out = [
        sa.ForeignKeyConstraint(["compound_id"], ["compounds.id"], name=op.f(f"fk_{table}_compound_id_compounds"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("compound_id", "id", name=op.f(f"pk_{table}")),
    ]
    if parent:
        out.append(
            sa.ForeignKeyConstraint(
                ["compound_id", "vote_id"],
                [f"{parent}.compound_id", f"{parent}.id"],
                name=op.f(f"fk_{table}_compound_id_{parent}"),
                ondelete="CASCADE",
            )
        )
    return out


revision = "co_building_0004"
down_revision = "co_building_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("co_building_time_limits") as batch:
        batch.add_column(sa.Column("basis", sa.String(length=15), nullable=False, server_default="working_hours"))
    with op.batch_alter_table("co_building_requests") as batch:
        batch.add_column(sa.Column("limit_basis", sa.String(length=15), nullable=False, server_default="working_hours"))
    with op.batch_alter_table("co_building_ballots") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("co_building_fee_items") as batch:
        # items created before this revision were charged on the exclusive area: they keep it
        batch.add_column(sa.Column("area_basis", sa.String(length=10), nullable=False, server_default="exclusive"))
    op.create_table(
        "co_building_vote_roll_links",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("same_as_room_id", sa.Uuid(), nullable=False),
        sa.Column("linked_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("linked_by_name", sa.String(length=100), nullable=False),
        sa.Column("linked_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        *_stamps(),
        *_scoped("co_building_vote_roll_links", "co_building_votes"),
        sa.ForeignKeyConstraint(
            ["linked_by_user_id"], ["users.id"], name=op.f("fk_co_building_vote_roll_links_linked_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.UniqueConstraint("compound_id", "vote_id", "room_id", name=op.f("uq_co_building_vote_roll_links_compound_id")),
    )
    op.create_table(
        "co_building_ballot_records",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("owner_key", sa.String(length=60), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("entered_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("entered_by_name", sa.String(length=100), nullable=False),
        sa.Column("entered_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("superseded_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_by_channel", sa.String(length=10), nullable=True),
        *_stamps(),
        *_scoped("co_building_ballot_records", "co_building_votes"),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"], ["users.id"], name=op.f("fk_co_building_ballot_records_entered_by_user_id_users"), ondelete="SET NULL"
        ),
    )
    op.create_index(
        "ix_co_building_ballot_records_head", "co_building_ballot_records", ["compound_id", "vote_id", "owner_key", "entered_at"]
    )
    # the ballots cast before this revision are their own first record
    op.execute(
        "INSERT INTO co_building_ballot_records (compound_id, id, vote_id, owner_key, owner_name, room_id, choice, channel,"
        " entered_by_user_id, entered_by_name, entered_at, reason, created_at, updated_at)"
        " SELECT compound_id, id, vote_id, owner_key, owner_name, NULL, choice, channel, cast_by_user_id, '', cast_at, '',"
        " created_at, updated_at FROM co_building_ballots"
    )
    op.create_table(
        "co_building_fee_terms",
        sa.Column("compound_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("late_fee_daily_rate", core.db.ExactDecimal(precision=8, scale=6), nullable=False),
        sa.Column("late_fee_cap_rate", core.db.ExactDecimal(precision=6, scale=4), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("contract_clause", sa.String(length=300), nullable=False),
        *_stamps(),
        *_scoped("co_building_fee_terms"),
        sa.UniqueConstraint("compound_id", name="uq_co_building_fee_terms_compound_id"),
    )
    for table in TABLES:
        rls.enable(table)
    rls.grant_app_role(get_settings().app_db_role)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(table)
    op.drop_table("co_building_fee_terms")
    op.drop_index("ix_co_building_ballot_records_head", table_name="co_building_ballot_records")
    op.drop_table("co_building_ballot_records")
    op.drop_table("co_building_vote_roll_links")
    with op.batch_alter_table("co_building_fee_items") as batch:
        batch.drop_column("area_basis")
    with op.batch_alter_table("co_building_ballots") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("co_building_requests") as batch:
        batch.drop_column("limit_basis")
    with op.batch_alter_table("co_building_time_limits") as batch:
        batch.drop_column("basis")
