"""Benchmark: sustained telemetry ingestion (readings per second) over MQTT and over HTTP, and alarm latency (p50/p95
from a reading leaving the device to its alarm being open in the database), with the device simulator.

Run from the repository root (``mosquitto`` installed — the bench starts its own broker on a free port with a config
it writes under /tmp, queue and in-flight limits raised; PostgreSQL on 127.0.0.1:5432 as ``postgres`` for the default
backend):

    .venv/bin/python -m bench.smart_property [--backend postgresql|sqlite] [--rate 8000] [--seconds 20] [--trials 40]

It migrates a fresh database and builds the demo city in it (smart_property on in A1), starts ``redprop worker --mqtt``
(the MQTT subscriber alone) and ``redprop serve`` (HTTP only: ``REDPROP_ACCESS_LOG=0``, no embedded worker, no MQTT
subscriber) as separate processes, registers 200 simulated devices in A1 and waits until the server answers and the
subscriber stores. Each phase sends at a steady ``--rate`` readings per second for ``--seconds`` and measures, from the
first message sent to the last reading committed, how many readings were stored per second (HTTP three times: 50
readings a request from 16 connections, ``--http-batch`` readings a request from 8, and the gateway route with
``--gateway`` devices' messages of 50 readings a request from 8).
``--profile N`` instead drives N requests through the app in this process (no server, no HTTP client) and prints the
CPU milliseconds a request costs and a cProfile: the per-request cost whatever the machine's load.
Latency: while 2,000 readings/s of background load flow over MQTT, a simulated tank reports a level under the demo
rule's threshold (level < 0.5), ``--trials`` times; each alarm's ``created_at`` minus the moment the reading was
published is one sample (the alarm is resolved between trials so the next reading opens a new one).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("REDPROP_ENV", "test")
os.environ.setdefault("REDPROP_PASSWORD_HASH_PROFILE", "fast")

from sqlalchemy import func, select, update  # noqa: E402

from bench.outbox import prepare  # noqa: E402
from core.app import load_plugins  # noqa: E402
from core.db import Database, Scope  # noqa: E402
from core.settings import load_settings  # noqa: E402
from plugins.smart_property.models import Alarm, Reading  # noqa: E402
from plugins.smart_property.services import simulator  # noqa: E402

MOSQUITTO_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
# a subscriber that falls behind for a moment must not lose QoS 1 messages (the default queue is 1,000 messages)
max_queued_messages 200000
max_queued_bytes 0
max_inflight_messages 1000
log_dest stderr
log_type error
log_type warning
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core.cli", "--log-level", "WARNING", *args], cwd=ROOT, env=env)


def start_broker() -> tuple[subprocess.Popen, str]:
    """A Mosquitto of the bench's own on a free port, configured under /tmp (the system broker keeps its settings)."""
    port = _port()
    conf = Path(f"/tmp/redprop-bench-mosquitto-{os.getpid()}.conf")
    conf.write_text(MOSQUITTO_CONF.format(port=port))
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    conf.unlink(missing_ok=True)  # read at start
    return proc, f"mqtt://127.0.0.1:{port}"


async def build_city(url: str) -> dict:
    settings = load_settings({**os.environ, "REDPROP_DATABASE_URL": url, "REDPROP_CROSS_SCOPE_DATABASE_URL": url})
    host = load_plugins(settings)
    db = Database(url)
    try:
        city = await host.pm.hook.redprop_demo_city().build(db, host)
    finally:
        await db.dispose()
    return city.compounds


async def stored(db: Database, compound_id, fleet) -> int:
    async with db.session(Scope.of([compound_id])) as session:
        return await session.scalar(select(func.count()).select_from(Reading).where(Reading.device_id.in_([d.id for d in fleet])))


async def phase(db: Database, compound_id, fleet, sender, rate: float, seconds: float, batch: int) -> dict:
    before = await stored(db, compound_id, fleet)
    started = time.monotonic()
    stats = await simulator.run(fleet, sender, rate=rate, duration=seconds, batch=batch)
    sent_in = time.monotonic() - started
    count, last_change, last = before, time.monotonic(), -1
    # until every reading sent is stored, or nothing more arrives for 10 s (a backlog must not spill into the next phase)
    while count - before < stats.readings and time.monotonic() - last_change < 10:
        count = await stored(db, compound_id, fleet)
        if count != last:
            last, last_change = count, time.monotonic()
        await asyncio.sleep(0.2)
    done_in = last_change - started
    got = count - before
    return {
        "sent": stats.readings,
        "stored": got,
        "failed_messages": stats.failed,
        "send_seconds": round(sent_in, 1),
        "stored_per_second": round(got / done_in),
        "offered_per_second": round(stats.readings / sent_in),
        **({"http_statuses": dict(sorted(stats.statuses.items()))} if stats.statuses else {}),
    }


async def ready(db: Database, compound_id, fleet, port: int, mqtt_url: str, timeout: float = 180) -> None:
    """Until the server answers and the subscriber stores (a loaded machine starts them slowly; a fixed wait lost the
    first phase's messages): a probe reading over MQTT every second until one is stored, ``/healthz`` until 200."""
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            await asyncio.sleep(1)
    probe = simulator.MqttSender(mqtt_url, compound_id)
    before = await stored(db, compound_id, fleet)
    while await stored(db, compound_id, fleet) == before:
        if time.monotonic() > deadline:
            raise SystemExit("the MQTT subscriber stores nothing")
        ts, body = simulator.message_of(fleet[0], [{"metric": "flow", "value": 1.0, "at": int(time.time())}])
        await probe.send(fleet[0], ts, body, simulator.Stats())
        await asyncio.sleep(1)
    await probe.close()


async def latency(db: Database, compound_id, fleet, trials: int, mqtt_url: str) -> dict:
    tanks = [d for d in fleet if d.kind == "tank_level"]
    background = [d for d in fleet if d.kind != "tank_level"]
    load = asyncio.create_task(
        simulator.run(background, simulator.MqttSender(mqtt_url, compound_id), rate=2000, duration=trials * 1.5 + 5, batch=20)
    )
    probe = simulator.MqttSender(mqtt_url, compound_id)
    samples = []
    await asyncio.sleep(2)
    for i in range(trials):
        tank = tanks[i % len(tanks)]
        async with db.transaction(Scope.of([compound_id])) as session:  # the previous alarm of this tank is resolved
            await session.execute(update(Alarm).where(Alarm.device_id == tank.id, Alarm.state != "resolved").values(state="resolved"))
        sent = time.time()
        body = json.dumps({"readings": [{"metric": "level", "value": 0.1}]}, separators=(",", ":")).encode()
        await probe.send(tank, int(sent), body, simulator.Stats())
        opened = None
        deadline = time.monotonic() + 10
        while opened is None and time.monotonic() < deadline:
            async with db.session(Scope.of([compound_id])) as session:
                opened = await session.scalar(
                    select(Alarm.created_at).where(
                        Alarm.device_id == tank.id, Alarm.state == "open", Alarm.created_at >= dt.datetime.fromtimestamp(sent - 1, dt.UTC)
                    )
                )
            if opened is None:
                await asyncio.sleep(0.01)
        if opened is not None:
            samples.append((opened.timestamp() - sent) * 1000)
        await asyncio.sleep(0.5)
    await probe.close()
    await load
    samples.sort()
    return {
        "trials": trials,
        "opened": len(samples),
        "p50_ms": round(samples[len(samples) // 2]) if samples else None,
        "p95_ms": round(samples[max(int(len(samples) * 0.95) - 1, 0)]) if samples else None,
        "max_ms": round(samples[-1]) if samples else None,
    }


async def main_async(args, url: str, owner: str) -> None:
    procs = []
    try:
        broker, mqtt_url = start_broker()
        procs.append(broker)
        compounds = await build_city(owner if args.backend == "postgresql" else url)
        a1 = compounds["A1"]
        port = _port()
        env = {
            **os.environ,
            "REDPROP_DATABASE_URL": url,
            "REDPROP_CROSS_SCOPE_DATABASE_URL": owner,
            "REDPROP_BROKER_URL": "stub://",
            "REDPROP_MQTT_URL": mqtt_url,
            "PYTHONPATH": str(ROOT),
        }
        procs.append(start(["worker", "--mqtt"], env))
        # `redprop serve` itself, HTTP only: no access log (a line per request cost more than a batch), no embedded
        # worker or MQTT subscriber (in production jobs run in `redprop worker` on a real broker)
        server_env = {**env, "REDPROP_MQTT_ENABLED": "0", "REDPROP_EMBEDDED_WORKER": "0", "REDPROP_ACCESS_LOG": "0"}
        procs.append(start(["serve", "--host", "127.0.0.1", "--port", str(port)], server_env))
        db = Database(url)
        try:
            fleet = await simulator.prepare(db, a1, args.devices)
            await ready(db, a1, fleet, port, mqtt_url)
            results = {
                "mqtt": await phase(db, a1, fleet, simulator.MqttSender(mqtt_url, a1), args.rate, args.seconds, 20),
                "http": await phase(
                    db, a1, fleet, simulator.HttpSender(f"http://127.0.0.1:{port}", a1, concurrency=16), args.rate, args.seconds, 50
                ),
                f"http_{args.http_batch}_a_request": await phase(
                    db,
                    a1,
                    fleet,
                    simulator.HttpSender(f"http://127.0.0.1:{port}", a1, concurrency=8),
                    args.rate,
                    args.seconds,
                    args.http_batch,
                ),
                f"http_gateway_{args.gateway}_messages_of_50": await phase(
                    db,
                    a1,
                    fleet,
                    simulator.GatewaySender(f"http://127.0.0.1:{port}", a1, per_request=args.gateway, concurrency=8),
                    args.rate,
                    args.seconds,
                    50,
                ),
                "alarm_latency": await latency(db, a1, fleet, args.trials, mqtt_url),
            }
        finally:
            await db.dispose()
        load = [round(x, 2) for x in os.getloadavg()]
        print(
            json.dumps(
                {"backend": args.backend, "devices": args.devices, "rate": args.rate, "load_average_1_5_15": load, **results}, indent=2
            )
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


async def _asgi_post(app, path: str, headers: dict[str, str], body: bytes) -> int:
    """One POST through the ASGI application in this process, no server and no HTTP client: the app's own cost."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    delivered = False
    status = 0

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def profile_http(url: str, owner: str, requests: int, batch: int, gateway: int, top: int) -> dict:
    """The HTTP ingestion path in-process: ``requests`` POSTs of ``batch`` readings (or gateway POSTs of ``gateway``
    messages of ``batch`` readings), one at a time, through the ASGI app; CPU seconds of this process per request
    (the database works in its own processes), and a cProfile of the same run on stderr."""
    import cProfile
    import pstats
    import random

    from sqlalchemy import event as sqlalchemy_event

    from core.app import create_app
    from plugins.smart_property.services.ingest import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    compounds = await build_city(owner)
    a1 = compounds["A1"]
    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": url,
            "REDPROP_CROSS_SCOPE_DATABASE_URL": owner,
            "REDPROP_BROKER_URL": "stub://",
            "REDPROP_EMBEDDED_WORKER": "0",
            "REDPROP_MQTT_ENABLED": "0",
            # the policy poller reads its whole window of changes every 0.5 s in every process, whatever the
            # requests: not the request's cost, so it sleeps through the measurement
            "REDPROP_POLICY_POLL_SECONDS": "3600",
        }
    )
    app = create_app(settings)
    db = Database(url)
    rng = random.Random(1)
    try:
        fleet = await simulator.prepare(db, a1, 200)
        base = f"/api/v1/compounds/{a1}/smart_property"

        def one_request(i: int) -> tuple[str, dict[str, str], bytes]:
            if not gateway:
                device = fleet[i % len(fleet)]
                ts, body = simulator.message_of(device, simulator.readings_of(device, time.time(), batch, rng))
                headers = {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(device.secret, ts, body), "content-type": "application/json"}
                return f"{base}/devices/{device.id}/telemetry", headers, body
            messages = []
            for k in range(gateway):
                device = fleet[(i * gateway + k) % len(fleet)]
                ts, body = simulator.message_of(device, simulator.readings_of(device, time.time(), batch, rng))
                messages.append(
                    {"device_id": str(device.id), "timestamp": ts, "signature": sign(device.secret, ts, body), "body": body.decode()}
                )
            return f"{base}/gateway/telemetry", {"content-type": "application/json"}, json.dumps({"messages": messages}).encode()

        async with app.lifespan():
            for i in range(len(fleet) + 50):  # warm: every device seen once (cached), compiled statements, the pool
                path, headers, body = one_request(i)
                await _asgi_post(app, path, headers, body)
            prepared = [one_request(i) for i in range(requests)]
            statements: list[str] = []

            def count(conn, cursor, statement, *_):
                if "policy_changes" not in statement and "casbin" not in statement:  # the policy poller, not the request
                    statements.append(statement.split(None, 1)[0].upper())

            sqlalchemy_event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", count)
            statuses: dict[int, int] = {}
            profiler = cProfile.Profile()
            cpu, wall = time.process_time(), time.perf_counter()
            profiler.enable()
            for path, headers, body in prepared:
                status = await _asgi_post(app, path, headers, body)
                statuses[status] = statuses.get(status, 0) + 1
            profiler.disable()
            sqlalchemy_event.remove(app.state.db.engine.sync_engine, "before_cursor_execute", count)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            # the same again without the profiler's overhead
            prepared = [one_request(requests + i) for i in range(requests)]
            cpu2, wall2 = time.process_time(), time.perf_counter()
            for path, headers, body in prepared:
                await _asgi_post(app, path, headers, body)
            cpu2, wall2 = time.process_time() - cpu2, time.perf_counter() - wall2
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
        readings = batch * (gateway or 1)
        return {
            "requests": requests,
            "readings_a_request": readings,
            "statuses": statuses,
            "cpu_ms_a_request": round(cpu2 / requests * 1000, 2),
            "wall_ms_a_request": round(wall2 / requests * 1000, 2),
            "cpu_ms_a_request_profiled": round(cpu / requests * 1000, 2),
            "statements_a_request": {k: round(statements.count(k) / requests, 2) for k in sorted(set(statements))},
            "readings_per_cpu_second": round(readings * requests / cpu2),
        }
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rate", type=float, default=8000, help="offered readings per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--http-batch", type=int, default=500, help="readings a request in the second HTTP phase (a buffering gateway)")
    parser.add_argument("--gateway", type=int, default=20, help="messages (of 50 readings) a gateway request in the third HTTP phase")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="instead: N requests through the app in-process, CPU per request and a cProfile"
    )
    parser.add_argument("--profile-batch", type=int, default=50, help="readings a message when profiling")
    parser.add_argument("--profile-gateway", type=int, default=0, help="when profiling: messages a gateway request (0: the device route)")
    args = parser.parse_args()
    url, owner, cleanup = prepare(args.backend)
    try:
        if args.profile:
            result = asyncio.run(profile_http(url, owner, args.profile, args.profile_batch, args.profile_gateway, 30))
            print(json.dumps({"backend": args.backend, "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()], **result}, indent=2))
        else:
            asyncio.run(main_async(args, url, owner))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
