"""A device simulator (``redprop simulate devices``): simulated devices of a compound publish signed, realistic
telemetry over MQTT or HTTP at a steady rate, for the demo and the benchmark.

The simulated devices are ordinary devices of the compound (codes ``SIM-0001``…),
registered on first use; the simulator holds their secrets as a gateway would
(it runs with the platform's data key, like any operator command) and signs
every message exactly as a device does (``services.ingest.sign``), so the
server checks, refuses, stores and evaluates them the way it does real ones.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from core.db import Database, Scope
from core.ids import uuid7
from core.security import encrypt_pii
from plugins.smart_property.models import Device
from plugins.smart_property.services.devices import device_secret, new_secret
from plugins.smart_property.services.ingest import SIGNATURE_HEADER, TIMESTAMP_HEADER, mqtt_payload, sign

PREFIX = "SIM-"
PROFILES: dict[str, tuple[str, float, float]] = {
    # kind: (metric, mean, daily swing) — a water meter's flow, a power meter's kW, a tank's level in metres…
    "water_meter": ("flow", 2.0, 1.2),
    "power_meter": ("kw", 80.0, 35.0),
    "tank_level": ("level", 3.0, 0.8),
    "elevator": ("runs", 6.0, 4.0),
    "ev_charger": ("kw", 7.0, 5.0),
    "other": ("temp", 24.0, 4.0),
}
KINDS = tuple(PROFILES)


@dataclass
class SimDevice:
    id: uuid.UUID
    code: str
    kind: str
    secret: bytes


@dataclass
class Stats:
    messages: int = 0
    readings: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.readings / self.elapsed


async def prepare(db: Database, compound_id: uuid.UUID, count: int) -> list[SimDevice]:
    """The compound's simulated devices ``SIM-0001``…``SIM-<count>``, registered where missing (one transaction)."""
    async with db.transaction(Scope.of([compound_id])) as session:
        existing = {
            d.code: d
            for d in await session.scalars(select(Device).where(Device.compound_id == compound_id, Device.code.startswith(PREFIX)))
        }
        out = []
        for i in range(1, count + 1):
            code = f"{PREFIX}{i:04d}"
            device = existing.get(code)
            if device is None:
                kind = KINDS[(i - 1) % len(KINDS)]
                device = Device(
                    id=uuid7(),
                    compound_id=compound_id,
                    code=code,
                    name=f"模拟设备 {i}",
                    kind=kind,
                    point="simulator",
                    vendor="redprop",
                    model="simulator",
                    secret_sealed=encrypt_pii(new_secret()),
                    secret_version=1,
                    status="unknown",
                    active=True,
                )
                session.add(device)
            device.active = True
            out.append(SimDevice(device.id, code, device.kind, device_secret(device)))
        await session.flush()
    return out


def readings_of(device: SimDevice, at: float, n: int, rng: random.Random, anomaly: float = 0.0) -> list[dict]:
    """``n`` readings of the device's metric around its mean, following the time of day, with a little noise; with
    probability ``anomaly`` one goes far out of range (a tank running dry, a power spike)."""
    metric, mean, swing = PROFILES.get(device.kind, PROFILES["other"])
    day = math.sin((at % 86400) / 86400 * 2 * math.pi - math.pi / 2)
    out = []
    for k in range(n):
        value = mean + swing * day + rng.gauss(0, swing / 10)
        if anomaly and rng.random() < anomaly:
            value = mean * (0.05 if metric == "level" else 3)
        out.append({"metric": metric, "value": round(value, 3), "at": int(at) - (n - 1 - k)})
    return out


def message_of(device: SimDevice, readings: list[dict], at: int | None = None) -> tuple[int, bytes]:
    body = json.dumps({"readings": readings}, separators=(",", ":")).encode()
    return (int(time.time()) if at is None else at), body


class MqttSender:
    """Publishes over MQTT (paho, QoS 1) to ``redprop/<compound>/<device>/telemetry``."""

    def __init__(self, url: str, compound_id: uuid.UUID) -> None:
        import paho.mqtt.client as mqtt

        from plugins.smart_property.services.mqtt import broker_address

        self.compound_id = compound_id
        host, port = broker_address(url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"redprop-sim-{uuid.uuid4().hex[:8]}")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()

    async def send(self, device: SimDevice, timestamp: int, body: bytes, stats: Stats) -> None:
        info = self.client.publish(f"redprop/{self.compound_id}/{device.id}/telemetry", mqtt_payload(device.secret, timestamp, body), qos=1)
        if info.rc != 0:
            stats.failed += 1

    async def close(self) -> None:
        await asyncio.sleep(0.5)  # let QoS 1 acknowledgements come back
        self.client.loop_stop()
        self.client.disconnect()


class HttpSender:
    """POSTs to the device's telemetry route with the signature headers."""

    def __init__(self, base_url: str, compound_id: uuid.UUID, concurrency: int = 16, client=None) -> None:
        import httpx

        self.base = base_url.rstrip("/")
        self.compound_id = compound_id
        self.owned = client is None
        self.client = client or httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency))
        self.gate = asyncio.Semaphore(concurrency)
        self.pending: set[asyncio.Task] = set()

    async def _post(self, device: SimDevice, timestamp: int, body: bytes, stats: Stats) -> None:
        url = f"{self.base}/api/v1/compounds/{self.compound_id}/smart_property/devices/{device.id}/telemetry"
        headers = {
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(device.secret, timestamp, body),
            "Content-Type": "application/json",
        }
        try:
            r = await self.client.post(url, content=body, headers=headers)
            stats.statuses[r.status_code] = stats.statuses.get(r.status_code, 0) + 1
            if r.status_code != 202:
                stats.failed += 1
        except Exception:  # a refused connection counts as a failed message, the run goes on
            stats.failed += 1
        finally:
            self.gate.release()

    async def send(self, device: SimDevice, timestamp: int, body: bytes, stats: Stats) -> None:
        await self.gate.acquire()
        task = asyncio.create_task(self._post(device, timestamp, body, stats))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def close(self) -> None:
        if self.pending:
            await asyncio.gather(*self.pending)
        if self.owned:
            await self.client.aclose()


class GatewaySender(HttpSender):
    """A gateway that buffers its devices' signed messages and POSTs ``per_request`` of them at a time to the
    compound's gateway route (each still signed by its own device)."""

    def __init__(self, base_url: str, compound_id: uuid.UUID, per_request: int = 20, concurrency: int = 8, client=None) -> None:
        super().__init__(base_url, compound_id, concurrency=concurrency, client=client)
        self.per_request = per_request
        self.buffer: list[dict] = []
        self.stats = Stats()

    async def send(self, device: SimDevice, timestamp: int, body: bytes, stats: Stats) -> None:
        self.stats = stats
        self.buffer.append(
            {"device_id": str(device.id), "timestamp": timestamp, "signature": sign(device.secret, timestamp, body), "body": body.decode()}
        )
        if len(self.buffer) >= self.per_request:
            await self._flush(stats)

    async def _flush(self, stats: Stats) -> None:
        batch, self.buffer = self.buffer, []
        await self.gate.acquire()
        task = asyncio.create_task(self._post_batch(batch, stats))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _post_batch(self, batch: list[dict], stats: Stats) -> None:
        url = f"{self.base}/api/v1/compounds/{self.compound_id}/smart_property/gateway/telemetry"
        try:
            r = await self.client.post(url, content=json.dumps({"messages": batch}).encode(), headers={"Content-Type": "application/json"})
            stats.statuses[r.status_code] = stats.statuses.get(r.status_code, 0) + 1
            if r.status_code != 200:
                stats.failed += len(batch)
            else:
                stats.failed += r.json()["refused_messages"]
        except Exception:  # a refused connection counts its messages as failed, the run goes on
            stats.failed += len(batch)
        finally:
            self.gate.release()

    async def close(self) -> None:
        if self.buffer:
            await self._flush(self.stats)
        await super().close()


async def run(
    devices: list[SimDevice],
    sender,
    *,
    rate: float,
    duration: float,
    batch: int = 10,
    anomaly: float = 0.0,
    seed: int = 1,
    progress: Callable[[Stats], None] | None = None,
) -> Stats:
    """Send ``rate`` readings per second for ``duration`` seconds, ``batch`` readings per message, the devices in turn."""
    rng = random.Random(seed)
    stats = Stats()
    per_second = rate / batch
    sent_messages = 0
    turn = 0
    last_report = 0.0
    while stats.elapsed < duration:
        due = int(per_second * stats.elapsed) + 1 - sent_messages
        for _ in range(max(due, 0)):
            device = devices[turn % len(devices)]
            turn += 1
            now = time.time()
            timestamp, body = message_of(device, readings_of(device, now, batch, rng, anomaly))
            await sender.send(device, timestamp, body, stats)
            sent_messages += 1
            stats.messages += 1
            stats.readings += batch
        if progress is not None and stats.elapsed - last_report >= 1:
            last_report = stats.elapsed
            progress(stats)
        await asyncio.sleep(0.005)
    await sender.close()
    if progress is not None:
        progress(stats)
    return stats
