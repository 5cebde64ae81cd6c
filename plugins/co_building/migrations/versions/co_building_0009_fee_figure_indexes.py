"""co_building: indexes for the fee figures of a staff home over hundreds of compounds (issue 17, point 3).

An enterprise admin's console home (419 compounds at city scale) summed this year's bills from the heap (2.9 s:
about 470,000 rows), the overdue amount through the status index plus the heap (1.0 s), and counted and listed the
payments awaiting confirmation with no index on their status (0.5 s each). On PostgreSQL the two bill indexes carry
the summed columns (``INCLUDE``), so both sums are index-only scans; elsewhere they are plain indexes on the same keys.

- ``ix_co_building_bills_period``: ``(compound_id, period) INCLUDE (amount_fen, paid_fen)`` — this year's collection.
- ``ix_co_building_bills_status``: ``(compound_id, status, period)`` now ``INCLUDE (amount_fen, paid_fen, due_on)`` —
  what is owed past due.
- ``ix_co_building_payments_status``: ``(compound_id, status, created_at)`` — the payments to confirm, oldest first.

Revision ID: co_building_0009
Revises: co_building_0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "co_building_0009"
down_revision = "co_building_0008"
branch_labels = None
depends_on = None

BILLS = "co_building_bills"


def upgrade() -> None:
    op.create_index("ix_co_building_bills_period", BILLS, ["compound_id", "period"], postgresql_include=["amount_fen", "paid_fen"])
    op.drop_index("ix_co_building_bills_status", table_name=BILLS)
    op.create_index(
        "ix_co_building_bills_status",
        BILLS,
        ["compound_id", "status", "period"],
        postgresql_include=["amount_fen", "paid_fen", "due_on"],
    )
    op.create_index("ix_co_building_payments_status", "co_building_payments", ["compound_id", "status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_co_building_payments_status", table_name="co_building_payments")
    op.drop_index("ix_co_building_bills_status", table_name=BILLS)
    op.create_index("ix_co_building_bills_status", BILLS, ["compound_id", "status", "period"])
    op.drop_index("ix_co_building_bills_period", table_name=BILLS)
