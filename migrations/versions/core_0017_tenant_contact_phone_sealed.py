"""A tenant's contact phone (often a person's mobile) is encrypted at rest (issue 16, point 7), as the residents' are:
``tenants.contact_phone`` becomes ``contact_phone_cipher`` (AES-GCM, ``REDPROP_DATA_KEY``); nothing looks a tenant up
by number, so it keeps no blind index. Existing rows are sealed here, and the downgrade opens them again.

Revision ID: core_0017
Revises: core_0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from core.identity.phones import open_phone_column, seal_phone_column

revision = "core_0017"
down_revision = "core_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seal_phone_column("tenants", "contact_phone")


def downgrade() -> None:
    open_phone_column("tenants", "contact_phone")
