"""The schema Citus can distribute (issue 17, point 5): no foreign key from a table that becomes a reference table
to ``compounds`` (notifications, invoice_lines: rows of a user's inbox and of a tenant's bill that name a
compound), no ON DELETE SET NULL between compound tables (committee_members → residents), and the invitation
digest unique within its compound (a compound table's unique constraints start with ``compound_id``).

Nothing deletes a resident, and a compound is never deleted while it has notifications or bills, so the actions
dropped here never ran. Rules: core/citus.py; runbook: deploy/citus.md.

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "core_0012"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_compound_id_compounds", type_="foreignkey")
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_constraint("fk_invoice_lines_compound_id_compounds", type_="foreignkey")
    with op.batch_alter_table("committee_members") as batch:
        batch.drop_constraint("fk_committee_members_compound_id_residents", type_="foreignkey")
        batch.create_foreign_key(
            "fk_committee_members_compound_id_residents", "residents", ["compound_id", "resident_id"], ["compound_id", "id"]
        )
    with op.batch_alter_table("room_invitations") as batch:
        batch.drop_constraint("uq_room_invitations_digest", type_="unique")
        batch.create_unique_constraint("uq_room_invitations_digest", ["compound_id", "digest"])


def downgrade() -> None:
    with op.batch_alter_table("room_invitations") as batch:
        batch.drop_constraint("uq_room_invitations_digest", type_="unique")
        batch.create_unique_constraint("uq_room_invitations_digest", ["digest"])
    with op.batch_alter_table("committee_members") as batch:
        batch.drop_constraint("fk_committee_members_compound_id_residents", type_="foreignkey")
        batch.create_foreign_key(
            "fk_committee_members_compound_id_residents",
            "residents",
            ["compound_id", "resident_id"],
            ["compound_id", "id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("invoice_lines") as batch:
        batch.create_foreign_key("fk_invoice_lines_compound_id_compounds", "compounds", ["compound_id"], ["id"])
    with op.batch_alter_table("notifications") as batch:
        batch.create_foreign_key("fk_notifications_compound_id_compounds", "compounds", ["compound_id"], ["id"], ondelete="SET NULL")
