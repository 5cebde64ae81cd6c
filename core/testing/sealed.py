"""Checking that a plugin keeps phone numbers sealed at rest (``core.identity.phones``): one helper for the raw-row
test and one for the migration's round trip, so every plugin proves the same thing the same way.

::

    from core.testing.sealed import migration_round_trip, sealed_numbers

    numbers = await sealed_numbers(db, "party_members", "phone")     # raw rows: no plain number anywhere
    assert "13912345678" in numbers

    migration_round_trip(tmp_path, plugin_host, "party_building_0003", "party_building_0004", {"party_members": "phone"})
"""

from __future__ import annotations

import datetime as dt
import pathlib
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import text

from core.db import Scope
from core.security import decrypt_pii


def _raw(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode()


async def sealed_numbers(db: Any, table: str, column: str = "phone", *, indexed: bool = False) -> list[str]:
    """The numbers ``table`` keeps in ``{column}_cipher``, read from its raw rows — after asserting that the plain
    column is gone, the blind index is there only when ``indexed``, and no value of any row holds a number plain."""
    async with db.session(Scope.everything("test check")) as session:
        columns = {c["name"] for c in await session.run_sync(lambda s: sa.inspect(s.connection()).get_columns(table))}
        rows = (await session.execute(text(f"SELECT * FROM {table}"))).mappings().all()
    assert column not in columns and f"{column}_cipher" in columns, (table, sorted(columns))
    assert (f"{column}_index" in columns) == indexed, (table, sorted(columns))
    numbers = [decrypt_pii(_raw(row[f"{column}_cipher"])) or "" for row in rows if row[f"{column}_cipher"] is not None]
    assert all(numbers)
    for row in rows:
        for key, value in row.items():
            if value is not None:
                assert not any(number.encode() in _raw(value) for number in numbers), (table, key)
    return numbers


def _filler(column: dict[str, Any]) -> Any:
    """A value for a required column of a row that only has to exist (foreign keys are not enforced by SQLite here)."""
    kind = str(column["type"]).upper()
    if "CHAR(32)" in kind or "UUID" in kind:
        return uuid.uuid4().hex
    if "BOOL" in kind:
        return False
    if "INT" in kind or "NUMERIC" in kind or "DECIMAL" in kind:
        return 1
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC).isoformat(sep=" ")
    if "DATE" in kind:
        return "2026-01-01"
    if "JSON" in kind:
        return "[]"
    if "BLOB" in kind or "BINARY" in kind:
        return b""
    return "x"


def migration_round_trip(
    tmp_path: pathlib.Path,
    host: Any,
    before: str,
    revision: str,
    columns: dict[str, str],
    *,
    rows: dict[str, dict[str, Any]] | None = None,
    indexed: bool = False,
) -> None:
    """On SQLite: a row with a plain number in each ``table: column`` of ``columns`` at ``before`` is sealed by
    ``revision`` and opened again by its downgrade.

    ``rows`` gives the values a table's checks need; other required columns get placeholder values.
    """
    from alembic import command

    from core.migrate import alembic_config, upgrade

    path = tmp_path / f"{revision}.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, host, before)
    engine = sa.create_engine(f"sqlite:///{path}")
    numbers = {table: f"139{n:08d}" for n, table in enumerate(columns, start=4321)}
    try:
        with engine.begin() as c:
            for table, column in columns.items():
                required = [col for col in sa.inspect(c).get_columns(table) if not col["nullable"] and col.get("default") is None]
                values = {col["name"]: _filler(col) for col in required} | (rows or {}).get(table, {}) | {column: numbers[table]}
                names = ", ".join(values)
                c.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)
        upgrade(url, host, revision)
        with engine.begin() as c:
            sealed = {table: c.execute(text(f"SELECT * FROM {table}")).mappings().one() for table in columns}
        for table, column in columns.items():
            row, number = sealed[table], numbers[table]
            assert column not in row and decrypt_pii(row[f"{column}_cipher"]) == number, table
            assert (f"{column}_index" in row) == indexed, table
            assert not any(number.encode() in _raw(value) for value in row.values() if value is not None), table
        command.downgrade(alembic_config(url, host), before)
        with engine.begin() as c:
            opened = {table: c.execute(text(f"SELECT * FROM {table}")).mappings().one() for table in columns}
        for table, column in columns.items():
            assert opened[table][column] == numbers[table] and f"{column}_cipher" not in opened[table], table
    finally:
        engine.dispose()
