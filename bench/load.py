"""Mixed-workload load driver: real HTTP against a running ``redprop serve`` from a second process (issue 16, point 11).

Not a pytest test. From the repository root, against a server already running::

    .venv/bin/python -m bench.load --url http://127.0.0.1:8000 --duration 60

or everything from a fresh database (what ``make bench-load`` runs)::

    .venv/bin/python -m bench.load --fresh --duration 300

``--fresh`` creates a scratch PostgreSQL database (``--database``, default ``redprop_load``; never the ``postgres``
or ``test`` databases the suite uses), migrates it, seeds the demo city through the demo's own path
(``tenants.demo.build_demo_city``, as ``redprop demo`` does) or, with ``--city N``, runs ``redprop generate city
--compounds N``; then starts ``redprop serve`` (application role, row-level security on) and ``redprop worker``
(Redis broker, so the outbox's events flow) as subprocesses, runs the load, stops them and drops the database
(``--keep`` leaves it).

Virtual users (``--users``, bounded; each a coroutine with its own token, httpx async, one connection pool) log in
through ``POST /api/v1/auth/login`` and act as the people the demo (or generated city) holds:

* residents (one user per resident account) file repair requests, rate completed ones, pay bills through the
  ``offline`` provider, cast and change ballots in open owners' votes, and read their portal pages;
* a compound manager works the work-order queue (assign submitted requests to the repair worker, close rated
  ones), confirms residents' pending payments, reads bills and the console's queue page;
* a repair worker accepts, starts and completes what is assigned to them;
* district administrators, an enterprise administrator and the party secretary read dashboards, overviews,
  compound lists, work-order lists and the party-building coverage page (the rest of ``--users``).

Pages are read with the session cookie holding the same bearer token (what the browser sends after logging in).
Each request is recorded under its method and route template; the run prints per endpoint count, errors,
p50/p95/p99 and throughput, and writes everything (per role too) as JSON (``--out``). Zero errors is the bar: any
5xx, any 4xx, any transport failure counts and is listed (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("REDPROP_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDPROP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
DEMO_PASSWORD = "redprop-demo"
CITY_PASSWORD = "redprop-city"
PROTECTED_DATABASES = {"postgres", "test", "template0", "template1"}
CATEGORIES = ("plumbing", "electrical", "elevator", "doors_windows", "sanitation", "greening", "facilities", "other")
COMPOUND_ROLE = re.compile(r"@compound:([0-9a-f-]{36})")


# ----------------------------------------------------------------------------------------------- recording


@dataclass
class Sample:
    role: str
    route: str
    ms: float
    status: int
    ok: bool


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    recording: bool = True

    def add(self, role: str, route: str, ms: float, status: int, ok: bool, detail: str = "") -> None:
        if not self.recording:
            return
        self.samples.append(Sample(role, route, ms, status, ok))
        if not ok:
            self.errors.append({"role": role, "route": route, "status": status, "detail": detail[:300]})


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(q * len(values) + 0.5)) - 1))
    return values[k]


def summarise(samples: list[Sample], seconds: float) -> list[dict]:
    by_route: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_route[sample.route].append(sample)
    rows = []
    for route, items in by_route.items():
        ms = sorted(s.ms for s in items)
        rows.append(
            {
                "route": route,
                "count": len(items),
                "errors": sum(1 for s in items if not s.ok),
                "p50_ms": percentile(ms, 0.50),
                "p95_ms": percentile(ms, 0.95),
                "p99_ms": percentile(ms, 0.99),
                "per_second": len(items) / seconds if seconds else 0.0,
            }
        )
    rows.sort(key=lambda r: (-r["count"], r["route"]))
    return rows


def table(rows: list[dict], title: str = "") -> str:
    width = max([len(r["route"]) for r in rows] + [8])
    out = [title] if title else []
    out.append(f"{'endpoint':<{width}} {'count':>7} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    for r in rows:
        out.append(
            f"{r['route']:<{width}} {r['count']:>7} {r['errors']:>4} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['per_second']:>7.2f}"
        )
    total = sum(r["count"] for r in rows)
    out.append(f"{'all':<{width}} {total:>7} {sum(r['errors'] for r in rows):>4}")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------- the people


@dataclass
class Cast:
    """Who the virtual users log in as."""

    password: str
    residents: list[str]
    manager: str
    staff: str
    readers: list[tuple[str, str]]
    """(role label, username) of the read-mostly users, cycled over the remaining virtual users."""


DEMO_CAST = Cast(
    password=DEMO_PASSWORD,
    residents=["resident-a1", "resident-a1b", "resident-a1c", "resident-a1d"],
    manager="ent-a-manager",
    staff="ent-a-staff",
    readers=[
        ("district admin", "district-1-admin"),
        ("enterprise admin", "ent-a-admin"),
        ("party secretary", "party-secretary-1"),
        ("district admin", "district-2-admin"),
        ("enterprise admin", "ent-b-admin"),
    ],
)


def city_cast(compound_key: str = "c0001") -> Cast:
    """The generated city's accounts (tenants/generate.py): a compound's manager, repair worker and two owners,
    the first district's and the first enterprise's administrators."""
    return Cast(
        password=CITY_PASSWORD,
        residents=[f"{compound_key}-resident-1", f"{compound_key}-resident-2"],
        manager=f"{compound_key}-manager",
        staff=f"{compound_key}-staff",
        readers=[("district admin", "district-01-admin"), ("enterprise admin", "enterprise-001-admin")],
    )


class Failure(Exception):
    pass


class User:
    """One logged-in account: its token, compound and its own httpx client (a browser's cookie jar and connections)."""

    def __init__(self, client: httpx.AsyncClient, recorder: Recorder, role: str, username: str) -> None:
        self.client, self.recorder, self.role, self.username = client, recorder, role, username
        self.headers: dict[str, str] = {}
        self.id = ""
        self.compound = ""

    async def login(self, password: str) -> None:
        response = await self.call(
            "POST", "/api/v1/auth/login", "/api/v1/auth/login", json={"username": self.username, "password": password}
        )
        token = response.json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client.cookies.set("redprop_session", token)  # what a browser holds after logging in on a page
        me = (await self.call("GET", "/api/v1/me", "/api/v1/me")).json()
        self.id = me["id"]
        compounds = [m.group(1) for role in me["roles"] if (m := COMPOUND_ROLE.search(role))]
        self.compound = compounds[0] if compounds else ""

    async def call(
        self, method: str, url: str, route: str, *, page: bool = False, headers: dict | None = None, record: bool = True, **kwargs
    ) -> httpx.Response:
        """One request, recorded under ``route``; anything but 2xx/3xx is an error and raises :class:`Failure`.
        A page sends the session cookie only, an API call the bearer token."""
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, headers={} if page else {**self.headers, **(headers or {})}, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.add(self.role, f"{method} {route}", (time.perf_counter() - started) * 1000, 0, False, repr(exc))
            raise Failure(repr(exc)) from exc
        await response.aread()
        ms = (time.perf_counter() - started) * 1000
        ok = response.status_code < 400
        if record or not ok:
            self.recorder.add(self.role, f"{method} {route}", ms, response.status_code, ok, "" if ok else f"{url}: {response.text}")
        if not ok:
            raise Failure(f"{method} {url} -> {response.status_code}")
        return response

    def api(self, suffix: str) -> str:
        return f"/api/v1/compounds/{self.compound}/{suffix}"


# ----------------------------------------------------------------------------------------------- behaviours

C = "/api/v1/compounds/{compound_id}"
PORTAL = "/portal/compounds/{compound_id}"
CONSOLE = "/console/compounds/{compound_id}"


@dataclass
class Shared:
    """What the virtual users hand each other: payments waiting for the manager, the repair worker's id."""

    pending_payments: list[tuple[str, str]] = field(default_factory=list)
    staff_id: str = ""
    reader_compounds: dict[str, list[str]] = field(default_factory=dict)


async def resident_step(user: User, rng: random.Random, shared: Shared) -> None:
    roll = rng.random()
    if roll < 0.12:  # file a repair request
        rooms = (await user.call("GET", user.api("co_building/my-rooms"), f"{C}/co_building/my-rooms")).json()["items"]
        body = {
            "kind": "repair",
            "category": rng.choice(CATEGORIES),
            "title": f"压测报修 {rng.randrange(1000, 9999)}",
            "description": "负载测试提交的报修",
            "location": "room" if rooms else "public",
        }
        if rooms:
            body["room_id"] = rng.choice(rooms)["room_id"]
        await user.call("POST", user.api("co_building/requests"), f"{C}/co_building/requests", json=body)
    elif roll < 0.22:  # rate what was completed
        items = (
            await user.call(
                "GET",
                user.api("co_building/requests"),
                f"{C}/co_building/requests",
                params={"mine": "true", "status": "completed", "limit": 20},
            )
        ).json()["items"]
        if items:
            item = rng.choice(items)
            await user.call(
                "POST",
                user.api(f"co_building/requests/{item['id']}/rating"),
                f"{C}/co_building/requests/{{request_id}}/rating",
                json={"rating": rng.choice((3, 4, 5, 5)), "comment": "师傅很负责"},
            )
    elif roll < 0.32:  # pay a little of a bill
        bills = (await user.call("GET", user.api("co_building/bills"), f"{C}/co_building/bills", params={"limit": 20})).json()["items"]
        owing = [b for b in bills if b["outstanding_fen"] >= 2_000]
        if owing:
            bill = rng.choice(owing)
            await user.call("GET", user.api(f"co_building/bills/{bill['id']}"), f"{C}/co_building/bills/{{bill_id}}")
            payments = (
                await user.call("GET", user.api(f"co_building/bills/{bill['id']}/payments"), f"{C}/co_building/bills/{{bill_id}}/payments")
            ).json()["items"]
            # what is owed less what already waits for the service centre's confirmation (more is refused, rightly)
            room = bill["outstanding_fen"] - sum(p["amount_fen"] for p in payments if p["status"] == "pending")
            if room >= 100:
                paid = await user.call(
                    "POST",
                    user.api(f"co_building/bills/{bill['id']}/payments"),
                    f"{C}/co_building/bills/{{bill_id}}/payments",
                    json={"amount_fen": min(rng.randrange(100, 500), room), "method": "provider", "provider": "offline"},
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
                shared.pending_payments.append((user.compound, paid.json()["id"]))
    elif roll < 0.44:  # vote (a ballot can be changed until the vote closes)
        votes = (await user.call("GET", user.api("co_building/votes"), f"{C}/co_building/votes")).json()["items"]
        open_votes = [v for v in votes if v["state"] == "open" and v["may_vote"]]
        if open_votes:
            vote = rng.choice(open_votes)
            await user.call("GET", user.api(f"co_building/votes/{vote['id']}"), f"{C}/co_building/votes/{{vote_id}}")
            await user.call(
                "POST",
                user.api(f"co_building/votes/{vote['id']}/ballot"),
                f"{C}/co_building/votes/{{vote_id}}/ballot",
                json={"choice": rng.choice(("approve", "approve", "reject", "abstain"))},
            )
            await user.call(
                "GET",
                f"/portal/compounds/{user.compound}/co_building/votes/{vote['id']}",
                f"{PORTAL}/co_building/votes/{{vote_id}}",
                page=True,
            )
    else:  # read the portal
        page = rng.choice(
            (
                ("/portal", "/portal"),
                (f"/portal/compounds/{user.compound}/co_building/requests", f"{PORTAL}/co_building/requests"),
                (f"/portal/compounds/{user.compound}/co_building/fees", f"{PORTAL}/co_building/fees"),
                (f"/portal/compounds/{user.compound}/co_building/consultation", f"{PORTAL}/co_building/consultation"),
                ("/portal/inbox", "/portal/inbox"),
            )
        )
        await user.call("GET", page[0], page[1], page=True, follow_redirects=True)


async def manager_step(user: User, rng: random.Random, shared: Shared) -> None:
    roll = rng.random()
    if roll < 0.30:  # assign what was filed
        items = (
            await user.call(
                "GET", user.api("co_building/requests"), f"{C}/co_building/requests", params={"status": "submitted", "limit": 20}
            )
        ).json()["items"]
        for item in items[:3]:
            if "assign" in item["allowed_actions"]:
                await user.call(
                    "POST",
                    user.api(f"co_building/requests/{item['id']}/transitions"),
                    f"{C}/co_building/requests/{{request_id}}/transitions",
                    json={"action": "assign", "assignee_user_id": shared.staff_id, "note": "请尽快处理"},
                )
    elif roll < 0.45:  # close what residents rated
        items = (
            await user.call("GET", user.api("co_building/requests"), f"{C}/co_building/requests", params={"status": "rated", "limit": 20})
        ).json()["items"]
        for item in items[:3]:
            if "close" in item["allowed_actions"]:
                await user.call(
                    "POST",
                    user.api(f"co_building/requests/{item['id']}/transitions"),
                    f"{C}/co_building/requests/{{request_id}}/transitions",
                    json={"action": "close"},
                )
    elif roll < 0.60:  # confirm offline payments that arrived
        mine = [p for p in shared.pending_payments if p[0] == user.compound][:5]
        for entry in mine:
            shared.pending_payments.remove(entry)
            await user.call(
                "POST", user.api(f"co_building/payments/{entry[1]}/confirm"), f"{C}/co_building/payments/{{payment_id}}/confirm"
            )
        if not mine:
            await user.call("GET", user.api("co_building/bills"), f"{C}/co_building/bills", params={"limit": 20})
    elif roll < 0.80:
        await user.call("GET", user.api("co_building/requests"), f"{C}/co_building/requests", params={"limit": 20})
    else:
        await user.call("GET", f"/console/compounds/{user.compound}/co_building/requests", f"{CONSOLE}/co_building/requests", page=True)


async def staff_step(user: User, rng: random.Random, shared: Shared) -> None:
    if rng.random() < 0.2:
        await user.call("GET", f"/console/compounds/{user.compound}/co_building/requests", f"{CONSOLE}/co_building/requests", page=True)
        return
    items = (
        await user.call(
            "GET", user.api("co_building/requests"), f"{C}/co_building/requests", params={"assigned_to_me": "true", "limit": 20}
        )
    ).json()["items"]
    for item in items[:3]:
        action = next((a for a in ("accept", "start", "complete") if a in item["allowed_actions"]), None)
        if action:
            await user.call(
                "POST",
                user.api(f"co_building/requests/{item['id']}/transitions"),
                f"{C}/co_building/requests/{{request_id}}/transitions",
                json={"action": action, "note": "已处理" if action == "complete" else ""},
            )


async def reader_step(user: User, rng: random.Random, shared: Shared) -> None:
    compounds = shared.reader_compounds.get(user.username, [] if user.role == "party secretary" else None)
    if compounds is None:  # the compounds in reach where co_building is on (a module off answers 403, rightly)
        listed = (await user.call("GET", "/api/v1/compounds", "/api/v1/compounds", params={"limit": 50}, record=False)).json()["items"]
        compounds = []
        for c in listed[:20]:
            modules = (await user.call("GET", f"/api/v1/compounds/{c['id']}/modules", f"{C}/modules", record=False)).json()["items"]
            if any(m["module"] == "co_building" and m["active"] for m in modules):
                compounds.append(c["id"])
        shared.reader_compounds[user.username] = compounds
    compound = rng.choice(compounds) if compounds else ""
    choices: list[tuple[str, str, bool, dict]] = [
        ("/console", "/console", True, {}),
        ("/api/v1/compounds", "/api/v1/compounds", False, {"limit": 20}),
        ("/console/compounds", "/console/compounds", True, {}),
    ]
    if user.role == "party secretary":
        choices += [
            ("/console/party_building/coverage", "/console/party_building/coverage", True, {}),
            ("/api/v1/party_building/coverage", "/api/v1/party_building/coverage", False, {}),
            ("/console/party_building/coverage", "/console/party_building/coverage", True, {}),
        ]
    if compound and user.role != "party secretary":
        choices += [
            (f"/api/v1/compounds/{compound}/co_building/requests", f"{C}/co_building/requests", False, {"limit": 20}),
            (f"/console/compounds/{compound}", f"{CONSOLE}", True, {}),
            (f"/console/compounds/{compound}/co_building/requests", f"{CONSOLE}/co_building/requests", True, {}),
        ]
    if user.role == "district admin":
        choices += [("/console/coordination/cases", "/console/coordination/cases", True, {})]
    url, route, page, params = rng.choice(choices)
    await user.call("GET", url, route, page=page, params=params)


BEHAVIOURS = {"resident": resident_step, "compound manager": manager_step, "repair worker": staff_step}


async def virtual_user(user: User, rng: random.Random, shared: Shared, until: float, think: float) -> None:
    step = BEHAVIOURS.get(user.role, reader_step)
    while time.monotonic() < until:
        with contextlib.suppress(Failure):  # recorded already; the user carries on
            await step(user, rng, shared)
        if think:
            await asyncio.sleep(min(rng.expovariate(1 / think), think * 5))


async def drive(url: str, cast: Cast, users: int, seconds: float, think: float, seed: int, warmup: float) -> tuple[Recorder, float]:
    recorder = Recorder()
    rng = random.Random(seed)
    async with contextlib.AsyncExitStack() as stack:
        plan = [("resident", name) for name in cast.residents] + [("compound manager", cast.manager), ("repair worker", cast.staff)]
        for i in range(max(0, users - len(plan))):
            plan.append(cast.readers[i % len(cast.readers)])
        plan = plan[:users] if users >= 3 else plan
        people = [
            User(await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=60)), recorder, role, name) for role, name in plan
        ]
        for person in people:  # logins are recorded too (one per virtual user)
            await person.login(cast.password)
        shared = Shared(staff_id=next(p.id for p in people if p.role == "repair worker"))
        if warmup:
            recorder.recording = False
            until = time.monotonic() + warmup
            await asyncio.gather(*(virtual_user(p, random.Random(rng.random()), shared, until, think) for p in people))
            recorder.recording = True
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(virtual_user(p, random.Random(rng.random()), shared, until, think) for p in people))
        return recorder, time.monotonic() - started


# ----------------------------------------------------------------------------------------------- a fresh server


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _urls(name: str) -> dict[str, str]:
    base = PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    server = base.split("@", 1)[1]
    return {
        "owner": f"{base}/{name}",
        "app": f"postgresql+asyncpg://redprop_app@{server}/{name}",
        "cross": f"postgresql+asyncpg://redprop_worker@{server}/{name}",
    }


def server_env(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    urls = _urls(name)
    return {
        **os.environ,
        "REDPROP_ENV": os.environ.get("REDPROP_ENV", "demo"),
        "REDPROP_DATABASE_URL": urls["app"],
        "REDPROP_MIGRATE_DATABASE_URL": urls["owner"],
        "REDPROP_CROSS_SCOPE_DATABASE_URL": urls["cross"],
        "REDPROP_BROKER_URL": REDIS_URL,
        "REDPROP_BROKER_NAMESPACE": f"redprop-load-{name}",
        "REDPROP_VAR_DIR": str(ROOT / "var" / f"bench-{name}"),
        "PYTHONPATH": str(ROOT),
        **(extra or {}),
    }


def prepare_database(name: str, city: int | None, seed: int, citus: bool = False) -> None:
    """Drop and create ``name``, migrate it, seed the demo city (or generate a city of ``city`` compounds).

    ``citus``: ``PG_ADMIN`` is a Citus coordinator; the database is made on every node (tests/citus/cluster.py) and
    distributed (``core.citus.distribute``, as ``redprop db distribute``) before it is filled."""
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to use the shared database {name!r}; pick a scratch name")
    os.environ.setdefault("REDPROP_ENV", "demo")
    from core.app import load_plugins
    from core.db import Database
    from core.migrate import upgrade
    from core.settings import get_settings

    urls = _urls(name)
    if citus:
        from tests.citus import cluster

        asyncio.run(cluster.create(PG_ADMIN, name))
    else:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        asyncio.run(_admin(f"CREATE DATABASE {name}"))
    started = time.perf_counter()
    host = load_plugins(get_settings())
    upgrade(urls["owner"], host)
    if citus:
        from core.citus import distribute

        distribute(urls["owner"], host)
    print(f"database {name}: migrated in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    if city:
        subprocess.run(
            [sys.executable, "-m", "core.cli", "--log-level", "WARNING", "generate", "city", "--compounds", str(city), "--seed", str(seed)],
            cwd=ROOT,
            env=server_env(name),
            check=True,
        )
        print(f"generated city of {city} compounds in {time.perf_counter() - started:.1f} s", flush=True)
        return
    from tenants.demo import build_demo_city

    async def seed_demo() -> None:
        db = Database(urls["owner"])
        try:
            await build_demo_city(db, host)
        finally:
            await db.dispose()

    asyncio.run(seed_demo())
    print(f"demo city seeded in {time.perf_counter() - started:.1f} s", flush=True)


def drop_database(name: str, citus: bool = False) -> None:
    if citus:
        from tests.citus import cluster

        asyncio.run(cluster.drop(PG_ADMIN, name))
    else:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def services(name: str, port: int, extra_env: dict[str, str] | None = None, worker: bool = True):
    """``redprop serve`` and ``redprop worker`` as subprocesses; yields the server's process; stops both."""
    env = server_env(name, extra_env)
    log_dir = ROOT / "bench" / "results"
    log_dir.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        for args, log in (
            (["serve", "--port", str(port)], "serve"),
            *((["worker"], "worker"),) * worker,
        ):
            handle = open(log_dir / f"{name}-{log}.log", "w")
            logs.append(handle)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "core.cli", "--log-level", "WARNING", *args],
                    cwd=ROOT,
                    env=env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                    break
            if procs[0].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not become ready; see bench/results/{name}-serve.log")
            time.sleep(0.5)
        yield procs[0]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for handle in logs:
            handle.close()


def server_log_problems(name: str) -> list[str]:
    """Tracebacks and errors the server and worker logged during the run."""
    found = []
    for log in ("serve", "worker"):
        path = ROOT / "bench" / "results" / f"{name}-{log}.log"
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                if "Traceback" in line or " ERROR " in line or "CRITICAL" in line:
                    found.append(f"{log}: {line[:200]}")
    return found


# ----------------------------------------------------------------------------------------------- main


def report(recorder: Recorder, seconds: float, args, extra: dict) -> dict:
    rows = summarise(recorder.samples, seconds)
    print()
    print(
        table(
            rows,
            f"{len(recorder.samples):,} requests in {seconds:.0f} s ({len(recorder.samples) / seconds:.1f} req/s), {args.users} virtual users",
        )
    )
    by_role = {}
    for role in sorted({s.role for s in recorder.samples}):
        by_role[role] = summarise([s for s in recorder.samples if s.role == role], seconds)
    if recorder.errors:
        print(f"\n{len(recorder.errors)} ERRORS:")
        seen: dict[tuple, int] = defaultdict(int)
        for e in recorder.errors:
            seen[(e["role"], e["route"], e["status"], e["detail"][:160])] += 1
        for (role, route, status, detail), n in sorted(seen.items(), key=lambda kv: -kv[1]):
            print(f"  {n:>5} x {status} {route} ({role}): {detail}")
    else:
        print("\nerrors: none")
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "seconds": seconds,
        "users": args.users,
        "think": args.think,
        "seed": args.seed,
        "requests": len(recorder.samples),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "endpoints": rows,
        "by_role": by_role,
        "errors": recorder.errors,
        **extra,
    }
    if args.out:
        out = pathlib.Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
        print(f"written {out}")
    return result


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default with --fresh: the one it starts)")
    parser.add_argument("--fresh", action="store_true", help="fresh database, migrate, seed, start serve + worker, run, stop")
    parser.add_argument("--database", default="redprop_load", help="scratch database for --fresh")
    parser.add_argument("--city", type=int, default=0, help="with --fresh: generate a city of N compounds instead of the demo")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database after --fresh")
    parser.add_argument("--duration", type=float, default=300, help="seconds of recorded load (default 300)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of unrecorded load first")
    parser.add_argument("--users", type=int, default=16, help="concurrent virtual users")
    parser.add_argument("--think", type=float, default=0.2, help="mean think time between a user's steps, seconds")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    cast = city_cast() if args.city else DEMO_CAST
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    if not args.fresh:
        if not args.url:
            raise SystemExit("give --url of a running server, or --fresh")
        recorder, seconds = asyncio.run(drive(args.url, cast, args.users, args.duration, args.think, args.seed, args.warmup))
        return 1 if report(recorder, seconds, args, {})["errors"] else 0
    prepare_database(args.database, args.city, args.seed)
    port = free_port()
    try:
        with services(args.database, port) as server:
            cpu_before = _cpu_seconds(server.pid)
            load_before = os.getloadavg()
            recorder, seconds = asyncio.run(
                drive(f"http://127.0.0.1:{port}", cast, args.users, args.duration, args.think, args.seed, args.warmup)
            )
            cpu = _cpu_seconds(server.pid) - cpu_before
        problems = server_log_problems(args.database)
        result = report(recorder, seconds, args, {"server_cpu_seconds": cpu, "load_before": load_before, "log_problems": problems[:50]})
        print(f"server CPU: {cpu:.1f} s over the warm-up and run ({cpu * 1000 / max(len(recorder.samples), 1):.1f} ms a request)")
        if problems:
            print(f"{len(problems)} error lines in the server/worker logs (bench/results/{args.database}-*.log):")
            for line in problems[:20]:
                print("  " + line)
        return 1 if result["errors"] or problems else 0
    finally:
        if not args.keep:
            drop_database(args.database)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc), in seconds."""
    with contextlib.suppress(OSError):
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
