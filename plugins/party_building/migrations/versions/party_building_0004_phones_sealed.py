"""party_building: a party member's phone number is encrypted at rest (issue 16, point 7), as the residents' are:
``party_members.phone`` becomes ``phone_cipher`` (AES-GCM, ``REDPROP_DATA_KEY``); nothing looks a member up by
number, so it keeps no blind index. Existing rows are sealed here, and the downgrade opens them again.

Revision ID: party_building_0004
Revises: party_building_0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from core.identity.phones import open_phone_column, seal_phone_column

revision = "party_building_0004"
down_revision = "party_building_0003"
branch_labels = None
depends_on = None

SEALED = (("party_members", "phone"),)


def upgrade() -> None:
    for table, column in SEALED:
        seal_phone_column(table, column)


def downgrade() -> None:
    for table, column in reversed(SEALED):
        open_phone_column(table, column)
