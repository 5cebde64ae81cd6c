"""coordination: the schema Citus can distribute (issue 17, point 5). Articles and nominations are a district's
records (reference tables on Citus, ``__citus_reference__``): no foreign key to ``compounds``. A case's building
and room keys lose ON DELETE SET NULL, which Citus refuses between compound tables (nothing deletes a building
or a room). Rules: core/citus.py.

Revision ID: coordination_0005
Revises: coordination_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "coordination_0005"
down_revision = "coordination_0004"
branch_labels = None
depends_on = None

CASE_KEYS = {"buildings": "building_id", "rooms": "room_id"}


def upgrade() -> None:
    for table in ("coordination_articles", "coordination_nominations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_compound_id_compounds", type_="foreignkey")
    with op.batch_alter_table("coordination_cases") as batch:
        for target, column in CASE_KEYS.items():
            batch.drop_constraint(f"fk_coordination_cases_compound_id_{target}", type_="foreignkey")
            batch.create_foreign_key(f"fk_coordination_cases_compound_id_{target}", target, ["compound_id", column], ["compound_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("coordination_cases") as batch:
        for target, column in CASE_KEYS.items():
            batch.drop_constraint(f"fk_coordination_cases_compound_id_{target}", type_="foreignkey")
            batch.create_foreign_key(
                f"fk_coordination_cases_compound_id_{target}", target, ["compound_id", column], ["compound_id", "id"], ondelete="SET NULL"
            )
    for table in ("coordination_articles", "coordination_nominations"):
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_compound_id_compounds", "compounds", ["compound_id"], ["id"], ondelete="CASCADE")
