"""smart_property: a visitor's phone number on a pass is encrypted at rest (issue 16, point 7), as the residents'
are: ``smart_property_passes.visitor_phone`` becomes ``visitor_phone_cipher`` (AES-GCM, ``REDPROP_DATA_KEY``);
nothing looks a pass up by number, so it keeps no blind index. Existing rows are sealed here, and the downgrade
opens them again.

Revision ID: smart_property_0004
Revises: smart_property_0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from core.identity.phones import open_phone_column, seal_phone_column

revision = "smart_property_0004"
down_revision = "smart_property_0003"
branch_labels = None
depends_on = None

SEALED = (("smart_property_passes", "visitor_phone"),)


def upgrade() -> None:
    for table, column in SEALED:
        seal_phone_column(table, column)


def downgrade() -> None:
    for table, column in reversed(SEALED):
        open_phone_column(table, column)
