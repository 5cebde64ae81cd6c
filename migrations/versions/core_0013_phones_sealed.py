"""Phone numbers encrypted at rest with a blind index (issue 16, point 7), as ID-card numbers are: ``users`` and
``residents`` trade ``phone`` for ``phone_cipher`` (AES-GCM, ``REDPROP_DATA_KEY``) and ``phone_index`` (a keyed
hash, ``REDPROP_SECRET_KEY``); an account's number stays unique through its index. Existing rows are sealed
here, and the downgrade opens them again (both need the deployment's keys).

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.identity.phones import seal_phone
from core.security import decrypt_pii

revision = "core_0013"
down_revision = "core_0012"
branch_labels = None
depends_on = None

TABLES = ("users", "residents")


def _unforced(table: str):
    """Row-level security is forced on ``residents``: the owner running the migration must see every row."""

    class _Context:
        def __enter__(self) -> None:
            if op.get_bind().dialect.name == "postgresql" and table == "residents":
                op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")

        def __exit__(self, *exc) -> None:
            if op.get_bind().dialect.name == "postgresql" and table == "residents":
                op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")

    return _Context()


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("phone_cipher", sa.LargeBinary(), nullable=True))
            batch.add_column(sa.Column("phone_index", sa.String(40), nullable=True))
        with _unforced(table):
            rows = bind.execute(sa.text(f"SELECT id, phone FROM {table} WHERE phone IS NOT NULL")).all()
            if rows:
                bind.execute(
                    sa.text(f"UPDATE {table} SET phone_cipher = :phone_cipher, phone_index = :phone_index WHERE id = :id"),
                    [{"id": row_id, **seal_phone(phone)} for row_id, phone in rows],
                )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_phone", type_="unique")
        batch.drop_column("phone")
        batch.create_unique_constraint("uq_users_phone_index", ["phone_index"])
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("phone")
    op.create_index("ix_residents_phone_index", "residents", ["compound_id", "phone_index"])


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_residents_phone_index", "residents")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_phone_index", type_="unique")
        batch.add_column(sa.Column("phone", sa.String(20), nullable=True))
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("phone", sa.String(20), nullable=True))
    for table in TABLES:
        with _unforced(table):
            rows = bind.execute(sa.text(f"SELECT id, phone_cipher FROM {table} WHERE phone_cipher IS NOT NULL")).all()
            if rows:
                bind.execute(
                    sa.text(f"UPDATE {table} SET phone = :phone WHERE id = :id"),
                    [{"id": row_id, "phone": decrypt_pii(bytes(cipher))} for row_id, cipher in rows],
                )
        with op.batch_alter_table(table) as batch:
            batch.drop_column("phone_index")
            batch.drop_column("phone_cipher")
    with op.batch_alter_table("users") as batch:
        batch.create_unique_constraint("uq_users_phone", ["phone"])
