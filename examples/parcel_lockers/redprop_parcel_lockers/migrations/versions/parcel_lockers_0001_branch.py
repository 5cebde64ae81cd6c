"""parcel_lockers: start of the plugin's migration branch.

Revision ID: parcel_lockers_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "parcel_lockers_0001"
down_revision = None
branch_labels = ("parcel_lockers",)
depends_on = "core_0001"


def upgrade() -> None:
    """The branch root: the plugin's tables arrive in later revisions of this branch."""


def downgrade() -> None:
    """Nothing to undo."""
