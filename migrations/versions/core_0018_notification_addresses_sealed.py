"""Notification addresses are encrypted at rest (issue 16, point 7): a user's SMS number or email address in
``notification_preferences.address``, and the copy each pending delivery keeps in ``notification_deliveries.address``,
become ``address_cipher`` (AES-GCM, ``REDPROP_DATA_KEY``), opened only to send and to show the user their own. Nothing
looks a user up by address, so no blind index. Existing rows are sealed here, and the downgrade opens them again.

Revision ID: core_0018
Revises: core_0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from core.identity.phones import open_phone_column, seal_phone_column

revision = "core_0018"
down_revision = "core_0017"
branch_labels = None
depends_on = None

SEALED = {"notification_preferences": ("user_id", "channel"), "notification_deliveries": ("id",)}


def upgrade() -> None:
    for table, keys in SEALED.items():
        seal_phone_column(table, "address", keys=keys)


def downgrade() -> None:
    for table, keys in SEALED.items():
        open_phone_column(table, "address", keys=keys, length=200, nullable=False)
