"""party_building: start of the plugin's migration branch.

Revision ID: party_building_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

revision = "party_building_0001"
down_revision = None
branch_labels = ("party_building",)
depends_on = "core_0001"


def upgrade() -> None:
    """The branch root: the plugin's tables arrive in later revisions of this branch."""


def downgrade() -> None:
    """Nothing to undo."""
