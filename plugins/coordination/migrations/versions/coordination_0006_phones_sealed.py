"""coordination: a social force's contact phone (often a person's mobile) is encrypted at rest (issue 16, point 7),
as the residents' are: ``coordination_social_forces.contact_phone`` becomes ``contact_phone_cipher`` (AES-GCM,
``REDPROP_DATA_KEY``); nothing looks a force up by number, so it keeps no blind index. Existing rows are sealed
here, and the downgrade opens them again.

Revision ID: coordination_0006
Revises: coordination_0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from core.identity.phones import open_phone_column, seal_phone_column

revision = "coordination_0006"
down_revision = "coordination_0005"
branch_labels = None
depends_on = None

SEALED = (("coordination_social_forces", "contact_phone"),)


def upgrade() -> None:
    for table, column in SEALED:
        seal_phone_column(table, column)


def downgrade() -> None:
    for table, column in reversed(SEALED):
        open_phone_column(table, column)
