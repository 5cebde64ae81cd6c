"""City-scale benchmark (issue 17, point 2): what ``make bench-city`` runs, printing ONE table.

Not a pytest test. From the repository root::

    .venv/bin/python -m bench.city --compounds 2000            # what make bench-city COMPOUNDS=2000 runs
    .venv/bin/python -m bench.city --compounds 50 --quick      # a smaller city and shorter phases (a few minutes)

Steps, all on this machine's PostgreSQL (127.0.0.1:5432) and Redis/RabbitMQ:

1. a fresh scratch database (``--database``, default ``redprop_city``), migrated, filled by
   ``redprop generate city --compounds N --seed S``;
2. ``redprop serve`` (application role, row-level security on) with the bench-only plugin
   ``bench/overhead_plugin.py`` and a ``redprop worker`` (Redis broker), as subprocesses;
3. (a) API overhead: an authenticated, authorised, compound-scoped list of 20 work orders
   (``GET /api/v1/compounds/{id}/co_building/requests?limit=20`` as the compound's manager) against a bare litestar
   handler reading the same 20 rows with SQLAlchemy and one returning them from memory: same server process,
   interleaved rounds (the order rotates each round), a closed loop of ``--concurrency`` clients for ``--seconds``
   each; requests/s and the server process's CPU per request (``/proc``), medians over the rounds; p50 of one
   client alone;
4. (b) p50/p95/p99 of the ten most used endpoints and pages of a resident, a compound manager, an enterprise
   admin and a district admin under ``bench/load.py``'s mixed load (the generated city's accounts);
5. (e) the district dashboard (``GET /console`` of ``district-01-admin``, one client, after the load);
6. (c) the authorisation check at the city's size against pycasbin's plain ``Enforcer`` (``bench/authz.py``'s
   synthetic policy with N compounds; same answers; ratio of medians);
7. (d) outbox → dramatiq events/s on Redis and on RabbitMQ (``bench/outbox.py``, its own databases);
8. (e) the owners' vote tally of a 10,000-room compound (``bench/vote_tally.py``) and the Excel import of
   ``--excel-residents`` residents (``bench/excel_import.py``, its own database).

The scratch database is dropped at the end (``--keep`` leaves it). Exit status 1 when the mixed load met an
error or pycasbin answered differently.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import pathlib
import platform
import random
import signal
import statistics
import subprocess
import sys
import time

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("REDPROP_ENV", "demo")

from bench import load  # noqa: E402

RABBIT_URL = os.environ.get("REDPROP_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
ROLES = ("resident", "compound manager", "enterprise admin", "district admin")


class Table:
    """The one table: (part, measure) rows, a figure per column (single PostgreSQL, and Citus side by side)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, str]] = {}
        self.columns: list[str] = []
        self.column = "PostgreSQL"

    def add(self, part: str, what: str, figure: str) -> None:
        if self.column not in self.columns:
            self.columns.append(self.column)
        self.rows.setdefault((part, what), {})[self.column] = figure
        print(f"  [{self.column}] [{part}] {what}: {figure}", flush=True)

    def render(self) -> str:
        w0 = max(len(p) for p, _ in self.rows)
        w1 = max(len(w) for _, w in self.rows)
        widths = {c: max([len(c)] + [len(f.get(c, "")) for f in self.rows.values()]) for c in self.columns}
        head = "  ".join(f"{c:<{widths[c]}}" for c in self.columns)
        lines = [
            f"{'part':<{w0}}  {'measure':<{w1}}  {head}".rstrip(),
            "  ".join(["-" * w0, "-" * w1, *("-" * widths[c] for c in self.columns)]),
        ]
        last = None
        for (part, what), figures in self.rows.items():
            cells = "  ".join(f"{figures.get(c, ''):<{widths[c]}}" for c in self.columns)
            lines.append(f"{part if part != last else '':<{w0}}  {what:<{w1}}  {cells}".rstrip())
            last = part
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- (a) API overhead


async def overhead(url: str, pid: int, cast: load.Cast, rounds: int, seconds: float, concurrency: int, out: Table) -> dict:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        recorder = load.Recorder()
        manager = load.User(client, recorder, "compound manager", cast.manager)
        await manager.login(cast.password)
        c = manager.compound
        variants = [
            ("redprop API (token, guard, scope, module)", f"/api/v1/compounds/{c}/co_building/requests", {"limit": 20}, manager.headers),
            ("bare litestar + SQLAlchemy", f"/bench/overhead/{c}/sqlalchemy", {}, {}),
            ("bare litestar, from memory", f"/bench/overhead/{c}/memory", {}, {}),
        ]
        sizes = {}
        for name, path, params, headers in variants:  # warm up, and check they answer the same number of rows
            for _ in range(10):
                response = await client.get(path, params=params, headers=headers)
                response.raise_for_status()
            sizes[name] = len(response.json()["items"])
        if len(set(sizes.values())) != 1:
            raise SystemExit(f"the variants answer different row counts: {sizes}")
        figures = {name: {"rps": [], "cpu_ms": []} for name, *_ in variants}

        async def closed_loop(path, params, headers, until, latencies):
            while time.perf_counter() < until:
                started = time.perf_counter()
                response = await client.get(path, params=params, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
                latencies.append((time.perf_counter() - started) * 1000)

        for r in range(rounds):
            for name, path, params, headers in variants[r % 3 :] + variants[: r % 3]:
                latencies: list[float] = []
                cpu = load._cpu_seconds(pid)
                started = time.perf_counter()
                await asyncio.gather(*(closed_loop(path, params, headers, started + seconds, latencies) for _ in range(concurrency)))
                elapsed = time.perf_counter() - started
                cpu = load._cpu_seconds(pid) - cpu
                figures[name]["rps"].append(len(latencies) / elapsed)
                figures[name]["cpu_ms"].append(cpu * 1000 / max(len(latencies), 1))
        for name, path, params, headers in variants:  # one client alone
            alone: list[float] = []
            for _ in range(40):
                started = time.perf_counter()
                (await client.get(path, params=params, headers=headers)).raise_for_status()
                alone.append((time.perf_counter() - started) * 1000)
            figures[name]["p50_alone_ms"] = statistics.median(alone)
    bare = statistics.median(figures["bare litestar + SQLAlchemy"]["rps"])
    for name, _, _, _ in variants:
        f = figures[name]
        f["rps_median"], f["cpu_ms_median"] = statistics.median(f["rps"]), statistics.median(f["cpu_ms"])
        out.add(
            "a. API overhead",
            f"{name}, {sizes[name]} rows",
            f"{f['rps_median']:.0f} req/s ({f['rps_median'] / bare:.2f} of bare SQLAlchemy), "
            f"{f['cpu_ms_median']:.1f} ms CPU/req, p50 alone {f['p50_alone_ms']:.1f} ms",
        )
    return figures


# ----------------------------------------------------------------------------------------------- (b) mixed load


def mixed_load(url: str, cast: load.Cast, users: int, seconds: float, seed: int, out: Table) -> dict:
    recorder, elapsed = asyncio.run(load.drive(url, cast, users, seconds, 0.2, seed, warmup=5))
    rows = load.summarise(recorder.samples, elapsed)
    print(load.table(rows, f"mixed load: {len(recorder.samples):,} requests in {elapsed:.0f} s, {users} virtual users"))
    out.add(
        "b. mixed load",
        f"{users} virtual users",
        f"{elapsed:.0f} s, {len(recorder.samples) / elapsed:.1f} req/s, {len(recorder.errors)} errors",
    )
    by_role = {}
    for role in ROLES:
        ranked = load.summarise([s for s in recorder.samples if s.role == role], elapsed)[:10]
        by_role[role] = ranked
        for r in ranked:
            out.add(f"b. {role}", r["route"], f"n={r['count']} p50 {r['p50_ms']:.0f} / p95 {r['p95_ms']:.0f} / p99 {r['p99_ms']:.0f} ms")
    for e in recorder.errors[:20]:
        print(f"  ERROR {e['status']} {e['route']} ({e['role']}): {e['detail'][:200]}")
    return {"endpoints": rows, "by_role": by_role, "errors": recorder.errors}


def dashboard(url: str, cast: load.Cast, out: Table, runs: int = 15) -> None:
    username = next(name for role, name in cast.readers if role == "district admin")
    with httpx.Client(base_url=url, timeout=120) as client:
        token = client.post("/api/v1/auth/login", json={"username": username, "password": cast.password}).json()["access_token"]
        client.cookies.set("redprop_session", token)
        reach = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["reachable_compounds"]
        for path in ("/console", "/console/compounds"):
            ms = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                ms.append((time.perf_counter() - started) * 1000)
            ms.sort()
            out.add(
                "e. district dashboard",
                f"GET {path} ({username}, {reach} compounds)",
                f"p50 {statistics.median(ms):.0f} ms, p95 {load.percentile(ms, 0.95):.0f} ms (one client)",
            )


# ----------------------------------------------------------------------------------------------- (c) authz


def authz(compounds: int, seed: int, requests: int, compare: int, out: Table) -> bool:
    from bench import authz as a

    rng = random.Random(seed)
    city = a.build_city(rng, 60, 239, compounds, max(20_000, 10 * compounds))
    labelled = a.build_requests(rng, city, requests)
    reqs = [r for r, _ in labelled]
    fast = a.FastEnforcer()
    fast.load(city.lines)
    cold_ns, answers = a.time_calls(fast.enforce, reqs)
    reference = a.casbin_enforcer(city.lines)
    sample = rng.sample(range(len(reqs)), min(compare, len(reqs)))
    casbin_ns, casbin_answers = a.time_calls(reference.enforce, [reqs[i] for i in sample])
    differ = sum(1 for i, got in zip(sample, casbin_answers, strict=True) if answers[i] != got)
    fast_us, casbin_us = statistics.median(cold_ns) / 1000, statistics.median(casbin_ns) / 1000
    out.add(
        "c. authorisation",
        f"{len(city.lines):,} policy lines, {compounds:,} compounds",
        f"FastEnforcer median {fast_us:.2f} µs, pycasbin {casbin_us:,.0f} µs ({casbin_us / fast_us:,.0f}x); "
        f"{len(sample)} compared, {differ} different",
    )
    return differ == 0


# ----------------------------------------------------------------------------------------------- (d) outbox


def outbox(events: int, rate: float, out: Table) -> None:
    from bench import outbox as ob

    for label, broker in (("Redis", ob.REDIS_URL), ("RabbitMQ", RABBIT_URL)):
        if broker.startswith("amqp") and importlib.util.find_spec("pika") is None:  # the worker would never start
            out.add("d. outbox → dramatiq", label, "not measured: dramatiq's RabbitMQ client (pika) is not installed")
            continue
        ob.REDIS_URL = broker  # start_worker reads it
        app_url, _owner, cleanup = ob.prepare("postgresql")
        worker = ob.start_worker(app_url, 8)
        try:
            time.sleep(5)
            result = asyncio.run(ob.run(app_url, events, rate))
            out.add(
                "d. outbox → dramatiq",
                f"{label}, {result['events']:,} events, producer at {rate:.0f}/s",
                f"{result['per_second']:.0f} events/s, latency p50 {result['p50_ms']:.0f} / p95 {result['p95_ms']:.0f} ms",
            )
        except Exception as exc:  # a broker that is not there: say so, go on
            out.add("d. outbox → dramatiq", label, f"not measured: {exc.__class__.__name__}: {exc}")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            cleanup()


# ----------------------------------------------------------------------------------------------- (e) tally, import


def tally(out: Table, seed: int) -> None:
    from bench import vote_tally as vt

    rooms, ballots = vt.compound(10_000, 8_000, 150, seed)
    for matter in ("hire_property_company", "raise_maintenance_fund"):
        ms = []
        for _ in range(10):
            started = time.perf_counter()
            vt.tally_owners_vote(rooms, ballots, matter)
            ms.append((time.perf_counter() - started) * 1000)
        out.add("e. vote tally", f"10,000 rooms, 8,000 owners, {matter}", f"median {statistics.median(ms):.1f} ms (target 50)")


def excel(residents: int, seed: int, out: Table) -> None:
    from bench import excel_import as ei

    data, rows = ei.ledger(residents, seed)
    name = f"redprop_bench_excel_{os.getpid()}"
    urls = load._urls(name)
    asyncio.run(load._admin(f"CREATE DATABASE {name}"))
    try:
        figures = asyncio.run(ei.run("Excel import (PostgreSQL, application role)", urls["app"], urls["owner"], data, residents))
        out.add(
            "e. Excel import",
            f"{residents:,} residents ({rows:,} rows)",
            f"{figures['total']:.1f} s (read {figures['read + check rows']:.1f}, plan {figures['plan (compare, encrypt)']:.1f}, "
            f"write {figures['write + commit']:.1f}; target 60)",
        )
    finally:
        asyncio.run(load._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


# ----------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compounds", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="redprop_city")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument(
        "--reuse", action="store_true", help="serve an already generated --database as it is (no drop, no generation; implies --keep)"
    )
    parser.add_argument("--quick", action="store_true", help="shorter phases: 2 s rounds, 60 s of load, 20,000 residents imported")
    parser.add_argument("--rounds", type=int, default=5, help="(a) interleaved rounds")
    parser.add_argument("--seconds", type=float, default=5, help="(a) seconds per variant and round")
    parser.add_argument("--concurrency", type=int, default=4, help="(a) clients in the closed loop")
    parser.add_argument("--load-seconds", type=float, default=120, help="(b) seconds of mixed load")
    parser.add_argument("--users", type=int, default=16, help="(b) virtual users")
    parser.add_argument("--events", type=int, default=5000, help="(d) events per broker")
    parser.add_argument("--excel-residents", type=int, default=100_000)
    parser.add_argument("--citus", action="store_true", help="also run the city parts on a Citus cluster, side by side")
    parser.add_argument("--citus-admin", default="postgresql://postgres@127.0.0.1:5441/postgres", help="the coordinator")
    parser.add_argument(
        "--no-city", action="store_true", help="no generated city: only the parts that need none (c, d, e without the dashboard)"
    )
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: a,b,c,d,e")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "city.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.load_seconds, args.excel_residents, args.rounds = 2, 60, 20_000, 3
    skip = set(filter(None, args.skip.split(",")))
    out = Table()
    started = time.perf_counter()
    load_before = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}, load {load_before[0]:.2f}")
    ok = True
    result: dict = {"compounds": args.compounds, "seed": args.seed, "load_before": load_before}

    cast = load.city_cast()
    admin_url = load.PG_ADMIN
    passes = [("PostgreSQL", admin_url)]
    if args.citus:
        passes.append(("Citus", args.citus_admin))
    if args.no_city:
        passes = []
    for column, admin in passes:
        out.column, load.PG_ADMIN = column, admin
        citus = column == "Citus"
        generated = time.perf_counter()
        if args.reuse:
            args.keep = True
            out.add("city", f"redprop generate city --compounds {args.compounds} --seed {args.seed}", "reused (generated before)")
        try:
            if not args.reuse:
                load.prepare_database(args.database, args.compounds, args.seed, citus=citus)
        except (Exception, SystemExit) as exc:  # the cluster's pass may fail on its own; the single server's figures stand
            if not citus:
                raise
            out.add("city", f"redprop generate city --compounds {args.compounds} --seed {args.seed}", f"failed: {exc!r}"[:200])
            ok = False
            continue
        if not args.reuse:
            out.add(
                "city", f"redprop generate city --compounds {args.compounds} --seed {args.seed}", f"{time.perf_counter() - generated:.0f} s"
            )
        try:
            port = load.free_port()
            with load.services(args.database, port, {"REDPROP_EXTRA_PLUGINS": "bench.overhead_plugin"}) as server:
                url = f"http://127.0.0.1:{port}"
                if "a" not in skip:
                    result[f"overhead {column}"] = asyncio.run(
                        overhead(url, server.pid, cast, args.rounds, args.seconds, args.concurrency, out)
                    )
                if "b" not in skip:
                    result[f"mixed {column}"] = mixed = mixed_load(url, cast, args.users, args.load_seconds, args.seed, out)
                    ok &= not mixed["errors"]
                if "e" not in skip:
                    dashboard(url, cast, out)
            problems = load.server_log_problems(args.database)
            if problems:
                out.add("logs", "error lines in serve/worker logs", f"{len(problems)} (bench/results/{args.database}-*.log)")
                ok = False
        except (Exception, SystemExit) as exc:
            if not citus:
                raise
            out.add("city", "serving the generated city", f"failed: {exc!r}"[:200])
            ok = False
        finally:
            if not args.keep:
                load.drop_database(args.database, citus=citus)
    out.column, load.PG_ADMIN = "PostgreSQL", admin_url
    later = [
        ("c", "c. authorisation", lambda: authz(args.compounds, args.seed, 10_000, 100 if args.quick else 300, out)),
        ("d", "d. outbox → dramatiq", lambda: outbox(args.events, 1000, out)),
        ("e", "e. vote tally", lambda: tally(out, args.seed)),
        ("e", "e. Excel import", lambda: excel(args.excel_residents, args.seed, out)),
    ]
    for letter, part, run in later:
        if letter in skip:
            continue
        try:  # a part that breaks is a row of the table, not the end of the run
            ok &= run() is not False
        except (Exception, SystemExit) as exc:
            out.add(part, "not measured", f"failed: {exc!r}"[:200])
            ok = False

    print()
    print(
        f"bench-city: {args.compounds:,} compounds, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load {load_before[0]:.1f} before / {os.getloadavg()[0]:.1f} after, {time.perf_counter() - started:.0f} s in all"
    )
    print(out.render())
    result["table"] = [{"part": p, "measure": w, **f} for (p, w), f in out.rows.items()]
    path = pathlib.Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    print(f"written {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
