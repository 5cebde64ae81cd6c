"""Client addresses and typed login names are kept as keyed hashes (issue 16, point 7): ``one_time_codes.source``
and ``login_failures.source`` held the client's IP address and ``login_failures.login`` the string typed at login
(often a phone number) in plain. The limits per address and the lockout only compare them, so they now hold
``core.security.address_index`` and ``core.identity.services.login_index`` (HMAC with ``REDPROP_SECRET_KEY``); the
spraying alert still names the address, from the request in hand. Existing rows are converted; the downgrade cannot
recover an address from its hash and drops both tables' rows (codes live ten minutes, failures count for a day).

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.identity.services import login_index
from core.security import address_index

revision = "core_0015"
down_revision = "core_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    codes = bind.execute(sa.text("SELECT id, source FROM one_time_codes WHERE source IS NOT NULL")).all()
    if codes:
        bind.execute(
            sa.text("UPDATE one_time_codes SET source = :source WHERE id = :id"),
            [{"id": row_id, "source": address_index(source)} for row_id, source in codes],
        )
    failures = bind.execute(sa.text("SELECT id, login, source FROM login_failures")).all()
    if failures:
        bind.execute(
            sa.text("UPDATE login_failures SET login = :login, source = :source WHERE id = :id"),
            [{"id": row_id, "login": login_index(login), "source": address_index(source)} for row_id, login, source in failures],
        )


def downgrade() -> None:
    op.execute("DELETE FROM one_time_codes")
    op.execute("DELETE FROM login_failures")
