"""co_building: a request's room and resident keys lose ON DELETE SET NULL, which Citus refuses between compound
tables (issue 17, point 5; nothing deletes a room or a resident). Rules: core/citus.py.

Revision ID: co_building_0005
Revises: co_building_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "co_building_0005"
down_revision = "co_building_0004"
branch_labels = None
depends_on = None

KEYS = {"rooms": "room_id", "residents": "resident_id"}


def _keys(ondelete: str | None) -> None:
    with op.batch_alter_table("co_building_requests") as batch:
        for target, column in KEYS.items():
            name = f"fk_co_building_requests_compound_id_{target}"
            batch.drop_constraint(name, type_="foreignkey")
            batch.create_foreign_key(name, target, ["compound_id", column], ["compound_id", "id"], ondelete=ondelete)


def upgrade() -> None:
    _keys(None)


def downgrade() -> None:
    _keys("SET NULL")
