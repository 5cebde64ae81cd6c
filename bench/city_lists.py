"""p50/p95 of every compound-scoped list endpoint on a generated city, with one client, for a compound manager, an
enterprise admin (the largest operator) and a district admin (issue 17, point 3; goal p95 < 50 ms per list).

The database is one ``redprop generate city`` filled; the app runs in-process (litestar's test client, no socket)
as ``redprop serve`` builds it, connecting as the application's role with row-level security on::

    redprop generate city --compounds 2000 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/redprop_city
    .venv/bin/python bench/city_lists.py --database redprop_city [--requests 20] [--only listRequests,listBills]

The lists are found from the app's routes (``core.testing.routes.compound_lists``); each is asked ``--requests``
times (after two warm-up requests) with its default page size, in turns across the endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROLES = ("manager", "enterprise", "district")


def urls(base: str, database: str) -> dict[str, str]:
    scheme, rest = base.split("://", 1)
    host = rest.split("@", 1)[-1].split("/", 1)[0]
    return {
        "owner": f"{scheme}://postgres@{host}/{database}",
        "app": f"{scheme}://redprop_app@{host}/{database}",
        "cross": f"{scheme}://redprop_worker@{host}/{database}",
    }


async def accounts(owner_url: str) -> dict[str, tuple[str, str]]:
    """``role -> (username, compound id)``: c0001's manager on c0001 (it runs every module); the admin of the
    enterprise running the most compounds, on its first compound with every module; district-01's admin on c0001."""
    import asyncpg

    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        manager = await conn.fetchval(
            """SELECT substr(r.v2, length('compound:') + 1) FROM casbin_rules r JOIN users u ON r.v0 = 'u:' || u.id::text
               WHERE u.username = 'c0001-manager' AND r.v1 = 'enterprise_manager'"""
        )
        enterprise = await conn.fetchrow(
            """SELECT t.id, count(*) AS n,
                      min(c.id::text) FILTER (WHERE EXISTS (SELECT 1 FROM subscriptions s JOIN plans p ON p.id = s.plan_id
                                                           WHERE s.compound_id = c.id AND p.code = 'standard')) AS first
               FROM compounds c JOIN tenants t ON t.id = c.operator_tenant_id GROUP BY t.id ORDER BY n DESC LIMIT 1"""
        )
        ent_user = await conn.fetchval(
            """SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id
               WHERE m.tenant_id = $1 AND u.username LIKE 'enterprise-%-admin'""",
            enterprise["id"],
        )
        district = manager  # c0001 runs every module and lies in district 01
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM compounds) AS compounds, (SELECT count(*) FROM rooms) AS rooms, "
            "(SELECT count(*) FROM residents) AS residents"
        )
    finally:
        await conn.close()
    print(
        f"city: {counts['compounds']:,} compounds, {counts['rooms']:,} rooms, {counts['residents']:,} residents; "
        f"{ent_user} runs {enterprise['n']} compounds",
        file=sys.stderr,
    )
    return {
        "manager": ("c0001-manager", manager),
        "enterprise": (ent_user, enterprise["first"]),
        "district": ("district-01-admin", district),
    }


async def scope_of(owner_url: str, username: str, compound: str) -> list[str]:
    """The compounds a role's requests are scoped to (what the guard gives the session): the district's or the
    enterprise's compounds for their admins, the one compound for a manager."""
    import asyncpg

    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            """SELECT c.id::text FROM compounds c JOIN memberships m ON m.tenant_id IN (c.district_tenant_id, c.operator_tenant_id)
               JOIN users u ON u.id = m.user_id WHERE u.username = $1 AND u.username NOT LIKE 'c%-manager'""",
            username,
        )
    finally:
        await conn.close()
    return [r[0] for r in rows] or [compound]


async def explain(app, client, headers: dict, url: str, found: dict, scope: list[str]) -> None:
    """Record the statements of one request, then EXPLAIN (ANALYZE, BUFFERS) each as the application's role with
    row-level security on and the request's scope set (``Scope.of``, as the guard sets it)."""
    import uuid

    from core.db import Database, Scope
    from core.testing.statements import recording

    with recording(app.state.db.engine, parameters=True) as seen:
        response = await client.get(url, headers=headers)
    print(f"GET {url} -> {response.status_code}, {len(seen)} statements, scope of {len(scope)} compounds")
    db = Database(found["app"])
    try:
        async with db.transaction(Scope.of([uuid.UUID(c) for c in scope])) as session:
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            for statement, parameters in seen:
                print("\n" + statement[:400].replace("\n", " "))
                for row in await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters):
                    print("   ", row[0])
    finally:
        await db.dispose()


def served_app(found: dict[str, str]):
    """The app as ``redprop serve`` builds it in production, on the city's roles (``urls``): the application role with
    row-level security, the start-up heap frozen, and no embedded worker (the jobs run in ``redprop worker``; with the
    stub broker the app would otherwise run the scheduler, whose jobs over 2,000 compounds would share this process)."""
    from core.app import create_app, freeze_startup_heap, load_plugins
    from core.settings import load_settings

    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": found["app"],
            "REDPROP_MIGRATE_DATABASE_URL": found["owner"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": found["cross"],
            "REDPROP_BROKER_URL": "stub://",
            "REDPROP_ACCESS_LOG": "0",
            "REDPROP_EMBEDDED_WORKER": "0",
        }
    )
    app = create_app(settings, load_plugins(settings))
    freeze_startup_heap()
    return app


async def profile(client, headers: dict, url: str, requests: int) -> None:
    """Where one list's time goes in Python: cProfile over ``requests`` requests after two warm-up ones."""
    import cProfile
    import pstats

    for _ in range(2):
        (await client.get(url, headers=headers)).raise_for_status()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        await client.get(url, headers=headers)
    profiler.disable()
    print(f"GET {url}: {(time.perf_counter() - started) * 1000 / requests:.1f} ms a request under the profiler")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a database filled by redprop generate city")
    parser.add_argument("--pg", default=os.environ.get("REDPROP_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", default="", help="comma-separated operation ids")
    parser.add_argument(
        "--explain", default="", metavar="OPERATION:ROLE", help="EXPLAIN ANALYZE each statement of one list's request, as the app role"
    )
    parser.add_argument(
        "--profile", default="", metavar="OPERATION:ROLE", help="cProfile --requests requests of one list (the 30 costliest functions)"
    )
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    from litestar.testing import AsyncTestClient

    from core.testing.routes import compound_lists
    from tenants.generate import CITY_PASSWORD

    found = urls(args.pg, args.database)
    who = await accounts(found["owner"])
    app = served_app(found)
    lists = compound_lists(app)
    if args.only:
        wanted = set(args.only.split(","))
        lists = [(p, o) for p, o in lists if o in wanted]
    results: dict[tuple[str, str], list[float] | int] = {}
    async with AsyncTestClient(app=app, timeout=60) as client:
        headers = {}
        for role, (username, _) in who.items():
            response = await client.post("/api/v1/auth/login", json={"username": username, "password": CITY_PASSWORD})
            response.raise_for_status()
            headers[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        if args.explain:
            for wanted in args.explain.split(","):
                operation, role = wanted.split(":")
                path = next(p for p, o in lists if o == operation)
                scope = await scope_of(found["owner"], who[role][0], who[role][1])
                await explain(app, client, headers[role], path.format(compound_id=who[role][1]), found, scope)
            return
        if args.profile:
            operation, role = args.profile.split(":")
            path = next(p for p, o in lists if o == operation)
            await profile(client, headers[role], path.format(compound_id=who[role][1]), args.requests)
            return
        for role in ROLES:
            compound = who[role][1]
            for path, operation in lists:
                url = path.format(compound_id=compound)
                times: list[float] = []
                status = 200
                for attempt in range(args.requests + 2):
                    started = time.perf_counter()
                    response = await client.get(url, headers=headers[role])
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        status = response.status_code
                        break
                    if attempt >= 2:
                        times.append(elapsed)
                results[(operation, role)] = times if status == 200 else status
    width = max(len(o) for _, o in lists)
    print(f"{'list':<{width}}  " + "  ".join(f"{r + ' p50/p95 ms':>24}" for r in ROLES))
    slow = []
    for _, operation in lists:
        cells = []
        for role in ROLES:
            got = results[(operation, role)]
            if isinstance(got, int):
                cells.append(f"{'(' + str(got) + ')':>24}")
            else:
                p50, p95 = statistics.median(got), pct(got, 0.95)
                cells.append(f"{p50:>15.1f} / {p95:>6.1f}")
                if p95 >= 50:
                    slow.append(f"{operation} ({role}) p95 {p95:.0f} ms")
        print(f"{operation:<{width}}  " + "  ".join(cells))
    print(f"\n{len(slow)} of {sum(isinstance(v, list) for v in results.values())} (list, role) at or above 50 ms p95")
    print("(status) = not this role's list; the app in-process, one client, default page size", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
