"""co_building: the phone numbers it keeps are encrypted at rest (issue 16, point 7), as the residents' are — a
request's contact phone, a volunteer's and a person's on the care list become ``<column>_cipher`` (AES-GCM,
``REDPROP_DATA_KEY``). Nothing looks them up by number, so they keep no blind index. Existing rows are sealed here,
and the downgrade opens them again (both need the deployment's keys).

Revision ID: co_building_0008
Revises: co_building_0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from core.identity.phones import open_phone_column, seal_phone_column

revision = "co_building_0008"
down_revision = "co_building_0007"
branch_labels = None
depends_on = None

SEALED = (("co_building_requests", "contact_phone"), ("co_building_volunteers", "phone"), ("co_building_care_subjects", "phone"))


def upgrade() -> None:
    for table, column in SEALED:
        seal_phone_column(table, column)


def downgrade() -> None:
    for table, column in reversed(SEALED):
        open_phone_column(table, column)
