"""smart_property: a device's building and unit keys lose ON DELETE SET NULL, which Citus refuses between compound
tables (issue 17, point 5; nothing deletes a building or a unit). Rules: core/citus.py.

Revision ID: smart_property_0003
Revises: smart_property_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "smart_property_0003"
down_revision = "smart_property_0002"
branch_labels = None
depends_on = None

KEYS = {"buildings": "building_id", "units": "unit_id"}


def _keys(ondelete: str | None) -> None:
    with op.batch_alter_table("smart_property_devices") as batch:
        for target, column in KEYS.items():
            name = f"fk_smart_property_devices_compound_id_{target}"
            batch.drop_constraint(name, type_="foreignkey")
            batch.create_foreign_key(name, target, ["compound_id", column], ["compound_id", "id"], ondelete=ondelete)


def upgrade() -> None:
    _keys(None)


def downgrade() -> None:
    _keys("SET NULL")
