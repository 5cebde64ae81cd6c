"""p50/p95 and statement count of staff and resident pages (the console's home first) on a generated city, with one
client, in-process as the application's role with row-level security on (issue 17, point 3).

::

    .venv/bin/python bench/console_home.py --database redprop_city_2000 --user enterprise-001-admin --user district-01-admin
    .venv/bin/python bench/console_home.py --database redprop_city_2000 --user district-01-admin --page /console --statements 15

``--page`` may repeat (default: the console's home, the compound list, a compound's page, the coordination cases
and, for a resident, the portal); ``{compound}`` in a page is the user's first reached compound. Each page is asked
``--requests`` times after one warm-up. ``--statements N`` times each statement of one more request as the app
role with the request's scope set and prints the N slowest; ``--explain`` adds their EXPLAIN ANALYZE plans.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.city_lists import pct, scope_of, served_app, urls

STAFF_PAGES = ("/console", "/console/compounds", "/console/compounds/{compound}", "/console/coordination/cases")
RESIDENT_PAGES = ("/portal",)


async def timed_statements(app, client, headers: dict, url: str, found: dict, scope: list[uuid.UUID], top: int, plans: bool) -> None:
    """Record one request's statements, then run each again as the application's role under the request's scope and
    print the ``top`` slowest (with EXPLAIN ANALYZE when ``plans``)."""
    from core.db import Database, Scope
    from core.testing.statements import recording

    with recording(app.state.db.engine, parameters=True) as seen:
        response = await client.get(url, headers=headers)
    print(f"\nGET {url} -> {response.status_code}, {len(seen)} statements, scope of {len(scope)} compounds")
    db = Database(found["app"])
    timings: list[tuple[float, str, tuple]] = []
    try:
        async with db.transaction(Scope.of(scope)) as session:
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                started = time.perf_counter()
                await raw.fetch(statement, *parameters)
                timings.append(((time.perf_counter() - started) * 1000, statement, parameters))
            timings.sort(key=lambda t: -t[0])
            print(f"selects {sum(t for t, _, _ in timings):.0f} ms in all; the {top} slowest:")
            for ms, statement, parameters in timings[:top]:
                print(f"\n{ms:8.1f} ms  {' '.join(statement.split())[:600]}")
                if plans:
                    for row in await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters):
                        print("   ", row[0])
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a database filled by redprop generate city (only read)")
    parser.add_argument("--pg", default=os.environ.get("REDPROP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--user", action="append", default=[], help="an account of the city (repeatable)")
    parser.add_argument("--page", action="append", default=[], help="a page to time (repeatable; {compound} = first reached)")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--statements", type=int, default=0, metavar="N", help="print the N slowest statements of each page")
    parser.add_argument("--explain", action="store_true", help="with --statements, EXPLAIN ANALYZE them too")
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    from litestar.testing import AsyncTestClient

    from core.testing.statements import recording
    from tenants.generate import CITY_PASSWORD

    found = urls(args.pg, args.database)
    app = served_app(found)
    users = args.user or ["enterprise-001-admin", "district-01-admin"]
    print(f"{'user':<22} {'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'stmts':>6}")
    async with AsyncTestClient(app=app, timeout=300) as client:
        for username in users:
            response = await client.post("/api/v1/auth/login", json={"username": username, "password": CITY_PASSWORD})
            response.raise_for_status()
            headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
            first = await first_compound(client, headers)
            scope = [uuid.UUID(c) for c in await scope_of(found["owner"], username, str(first))]
            pages = args.page or (RESIDENT_PAGES if "resident" in username else STAFF_PAGES)
            for template in pages:
                url = template.format(compound=first)
                times: list[float] = []
                counts: list[int] = []
                status = 200
                for attempt in range(args.requests + 1):
                    with recording(app) as seen:
                        started = time.perf_counter()
                        response = await client.get(url, headers=headers)
                        elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        status = response.status_code
                        break
                    if attempt:
                        times.append(elapsed)
                        counts.append(len(seen))
                if status != 200:
                    print(f"{username:<22} {template:<44} {'(' + str(status) + ')':>8}")
                    continue
                print(
                    f"{username:<22} {template:<44} {statistics.median(times):>8.1f} {pct(times, 0.95):>8.1f} {min(counts):>6}",
                    flush=True,
                )
                if args.statements:
                    await timed_statements(app, client, headers, url, found, scope, args.statements, args.explain)
    print(f"(one client, in-process, app role with RLS; {args.requests} requests a page after one warm-up)", file=sys.stderr)


async def first_compound(client, headers: dict) -> uuid.UUID | None:
    """The first compound of the user's reach (the API's list, which the scope filters)."""
    response = await client.get("/api/v1/compounds?limit=1", headers=headers)
    items = response.json().get("items") or []
    return uuid.UUID(items[0]["id"]) if items else None


if __name__ == "__main__":
    asyncio.run(main())
