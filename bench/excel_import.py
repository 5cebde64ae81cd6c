"""Excel import benchmark: 100,000 residents from one .xlsx ledger into a freshly migrated database.

Not a pytest test. From the repository root::

    .venv/bin/python -m bench.excel_import                  # SQLite, then PostgreSQL if reachable
    .venv/bin/python -m bench.excel_import --residents 20000 --no-postgres

The ledger is synthetic but laid out as a property company keeps it (the
import template): 80 buildings × 4 units × 32 floors × 4 doors, 2–3 residents
per room (owner, family members, tenants) with valid ID-card numbers and mobile
numbers, until the wanted number of residents is reached; the rest of that
building follows as room-only rows held by the developer. Workbook generation
is timed but not counted.

The import runs through ``tenants.imports.import_housing`` exactly as the API
and the CLI call it, in one transaction on a session scoped to the compound.
Its progress callback splits the time into

* read + check rows: ``core.xlsx.SheetValues`` streaming the sheet's XML, every cell checked;
* plan: comparison with what the compound holds, ID-card blind index and AES-GCM encryption per resident;
* write: bulk inserts (SQLAlchemy Core, chunks of 5,000) and the commit.

SQLite is a new file migrated with ``core.migrate.upgrade`` and seeded with the
demo city; the import goes into a new, empty compound of it. PostgreSQL (owner
URL ``--pg-url``, default ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``)
gets a database of its own, created and dropped by the run; the import connects
as the application role (``redprop_app``), so row-level security applies as in
production.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import pathlib
import platform
import random
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("REDPROP_ENV", "demo")

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from core.app import load_plugins  # noqa: E402
from core.db import Database, Scope  # noqa: E402
from core.ids import uuid7  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.settings import get_settings  # noqa: E402
from core.validators import id_card_check_char  # noqa: E402
from tenants.demo import GIVEN, SURNAMES, build_demo_city  # noqa: E402
from tenants.imports import COLUMNS, ROLE_LABELS, SHEET_TITLE, import_housing  # noqa: E402
from tenants.models import Compound, Resident  # noqa: E402

BUILDINGS, UNITS, FLOORS, DOORS = 80, 4, 32, 4
TARGET_SECONDS = 60.0
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def ledger(residents: int, seed: int) -> tuple[bytes, int]:
    """The workbook and its number of data rows."""
    rng = random.Random(seed)
    # a normal (not write-only) workbook: like Excel and WPS, it declares the sheet's dimension up front
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_TITLE
    # the columns this ledger fills, in its row order (the optional building area and delivery date left out)
    ws.append([c.header for c in COLUMNS if c.key not in ("building_area", "delivered_on")])
    phones = iter(range(13900000000, 13999999999))
    written = rows = 0
    for b in range(1, BUILDINGS + 1):
        if written >= residents:
            break
        for u in range(1, UNITS + 1):
            for floor in range(1, FLOORS + 1):
                for door in range(1, DOORS + 1):
                    room = [f"{b}号楼", f"{u}单元", f"{floor}{door:02d}", floor, rng.choice((89.56, 96.3, 112.45, 128.8, 143.21))]
                    if written >= residents:
                        ws.append([*room, "是", None, None, None, None, None])
                        rows += 1
                        continue
                    moved_in = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000))
                    people = min(rng.choice((2, 3)), residents - written)
                    for i in range(people):
                        role = "owner" if i == 0 else rng.choice(("family", "family", "tenant"))
                        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
                        body = f"410502{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
                        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                        ws.append([*room, "否", name, ROLE_LABELS[role], str(next(phones)), body + id_card_check_char(body), moved_in])
                        rows += 1
                    written += people
    if written < residents:
        raise SystemExit(f"the layout holds at most {written} residents at 3 per room; ask for fewer")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows


class Clock:
    """Timestamps of the import's stages, taken from its progress callback."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.read_done = self.write_start = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage == "validate" and done == total:
            self.read_done = time.perf_counter()
        if stage == "write" and done == 0:
            self.write_start = time.perf_counter()


async def run(label: str, app_url: str, owner_url: str, data: bytes, residents: int) -> dict[str, float]:
    print(f"{label}:")
    host = load_plugins(get_settings())
    upgrade(owner_url, host)
    owner = Database(owner_url)
    try:
        city = await build_demo_city(owner, host)
        assert city is not None
        async with owner.transaction(Scope.everything("benchmark compound")) as session:
            compound = Compound(
                id=uuid7(),
                name="基准·十万人家园",
                community_id=city.regions["community-1-1"],
                district_tenant_id=city.tenants["D1"],
                operator_tenant_id=city.tenants["A"],
            )
            session.add(compound)
    finally:
        await owner.dispose()
    db = Database(app_url)
    try:
        clock = Clock()
        async with db.transaction(Scope.of([compound.id])) as session:
            result = await import_housing(session, compound.id, data, clock)
            if result.errors:
                raise SystemExit(f"the generated ledger was refused: {result.errors[:5]}")
        end = time.perf_counter()
        async with db.session(Scope.of([compound.id])) as session:
            stored = await session.scalar(select(func.count()).select_from(Resident).where(Resident.compound_id == compound.id))
    finally:
        await db.dispose()
    if stored != residents or result.residents != residents:
        raise SystemExit(f"expected {residents} residents, the import created {result.residents} and {stored} are stored")
    print(
        f"  created {result.buildings} buildings, {result.units} units, {result.rooms} rooms, {result.households} households, {result.residents} residents"
    )
    return {
        "read + check rows": clock.read_done - clock.start,
        "plan (compare, encrypt)": clock.write_start - clock.read_done,
        "write + commit": end - clock.write_start,
        "total": end - clock.start,
    }


def report(figures: dict[str, float]) -> None:
    for name, seconds in figures.items():
        print(f"  {name:<26} {seconds:7.2f} s")
    verdict = "met" if figures["total"] < TARGET_SECONDS else "MISSED"
    print(f"  target (total under {TARGET_SECONDS:.0f} s): {verdict}")


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--pg-url", default=os.environ.get("REDPROP_TEST_PG_URL", PG_URL), help="owner URL of a PostgreSQL server (any database on it)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}, {platform.system()}")
    started = time.perf_counter()
    data, rows = ledger(args.residents, args.seed)
    print(
        f"ledger: {rows:,} rows ({args.residents:,} residents), {len(data) / 1e6:.1f} MB, generated in {time.perf_counter() - started:.1f} s (not counted)"
    )

    failed = False
    with tempfile.TemporaryDirectory(prefix="redprop-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{pathlib.Path(tmp) / 'bench.db'}"
        figures = asyncio.run(run("SQLite", url, url, data, args.residents))
        report(figures)
        failed |= figures["total"] >= TARGET_SECONDS

    if not args.no_postgres:
        name = f"redprop_bench_{os.getpid()}"
        base = args.pg_url.rsplit("/", 1)[0]
        try:
            asyncio.run(_pg_admin(args.pg_url, f"CREATE DATABASE {name}"))
        except Exception as exc:  # the PostgreSQL figure is optional
            print(f"PostgreSQL: skipped ({exc.__class__.__name__}: {exc})")
        else:
            try:
                scheme, rest = base.split("://", 1)
                app_url = f"{scheme}://{get_settings().app_db_role}@{rest.split('@', 1)[-1]}/{name}"
                figures = asyncio.run(
                    run("PostgreSQL (application role, row-level security on)", app_url, f"{base}/{name}", data, args.residents)
                )
                report(figures)
                failed |= figures["total"] >= TARGET_SECONDS
            finally:
                asyncio.run(_pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
