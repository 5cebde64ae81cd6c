"""Issue 16, point 8: the authorisation matrix, generated from the served OpenAPI schema and the role templates.

How each cell's expected answer is derived is told in ``tests/support/authz_matrix.py``. The table is written to
``tests/output/authz_matrix.csv`` (rows = operations, columns = account (roles) × scope, cells = expected/actual).
Run once, on PostgreSQL, where row-level security stands behind the guard.
"""

from __future__ import annotations

import os
import pathlib
import time

import pytest

from core.db import Database
from tests.support.authz_matrix import run_matrix, write_table

pytestmark = pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "postgresql",
    reason="the authorisation matrix runs once, on PostgreSQL (row-level security behind the guard)",
)

TABLE = pathlib.Path(__file__).resolve().parents[1] / "output" / "authz_matrix.csv"


async def test_authorisation_matrix(client, app, plugin_host, database_urls, db, capsys):
    started, cpu = time.monotonic(), time.process_time()
    owner = Database(database_urls["owner"])
    try:
        ops, people, cells, lookups = await run_matrix(client, app, plugin_host, owner, db)
    finally:
        await owner.dispose()
    write_table(TABLE, ops, people, cells)
    failures = [c for c in cells if c.failure]
    roles = sorted({r for p in people for r in p.roles})
    accounts = ", ".join(f"{p.username} ({'+'.join(p.roles)})" for p in people)
    with capsys.disabled():
        print(
            f"\nauthorisation matrix: {len(ops)} operations × {len(people)} accounts ({len(roles)} roles) × scopes = "
            f"{len(cells)} cells, {len(failures)} failures ({lookups} look-ups of real rows, {time.monotonic() - started:.0f} s, {time.process_time() - cpu:.0f} s CPU) → {TABLE}\n  accounts: {accounts}"
        )
    # every role template some demo account holds is in the matrix, and every kind of answer occurs
    assert {"platform_admin", "enterprise_admin", "enterprise_manager", "district_admin", "resident"} <= set(roles)
    assert {c.expected for c in cells} >= {"allow", "403", "404", "module-disabled"}
    assert not failures, "\n".join(f"{c.op.key} as {c.caller} ({c.scope}): expected {c.expected}: {c.failure}" for c in failures[:40])
