"""The MQTT subscriber (paho-mqtt): devices publish signed batches to ``redprop/<compound>/<device>/telemetry``.

Messages are taken from the broker on paho's network thread and queued; a
consumer thread with its own event loop drains the queue in batches (up to
:data:`BATCH` messages or :data:`LINGER` seconds), groups them by compound
and hands each group to :func:`services.ingest.ingest` in one transaction
scoped to that compound — the same checks, refusal counters and rules as
HTTP. Several workers share the load through the shared subscription
``$share/redprop/…`` (each message goes to one of them).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

from core.db import Database, Scope
from core.settings import Settings
from plugins.smart_property.services.ingest import REFUSED, Message, ingest, split_mqtt_payload

log = logging.getLogger("redprop.smart_property.mqtt")

TOPIC = "redprop/+/+/telemetry"
SHARED_TOPIC = f"$share/redprop/{TOPIC}"
BATCH = 500
"""Messages a transaction at most (10,000 readings at 20 a message): larger batches do not write faster, they only
hold the next readings, and their alarms, back longer."""
LINGER = 0.05


def broker_address(url: str) -> tuple[str, int]:
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    if parsed.scheme not in ("mqtt", "tcp", ""):
        raise ValueError(f"REDPROP_MQTT_URL: only mqtt://host:port is supported, not {url!r}")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


def parse_topic(topic: str) -> tuple[uuid.UUID, str] | None:
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "redprop" or parts[3] != "telemetry":
        return None
    try:
        return uuid.UUID(parts[1]), parts[2]
    except ValueError:
        return None


class Subscriber:
    """One process's subscription: paho's network loop plus a consumer thread writing batches."""

    def __init__(self, settings: Settings, *, topic: str = SHARED_TOPIC) -> None:
        self.settings = settings
        self.host, self.port = broker_address(settings.mqtt_url)
        self.topic = topic
        self.inbox: queue.Queue[tuple[str, bytes]] = queue.Queue(maxsize=200_000)
        self.stored = 0
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"redprop-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # paho's thread ---------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        client.subscribe(self.topic, qos=1)
        log.info("MQTT subscriber connected to %s:%s, topic %s", self.host, self.port, self.topic)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # ready once the broker has acknowledged the subscription: a message published before that is not ours
        # (a test that published right after the connection lost its first message on a loaded machine)
        if not any(rc.is_failure for rc in reason_codes):
            self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT broker connection lost (%s); paho reconnects", reason_code)

    def _on_message(self, client, userdata, msg) -> None:
        try:
            self.inbox.put_nowait((msg.topic, msg.payload))
        except queue.Full:  # the database is not keeping up: drop, count, and say so
            REFUSED[("mqtt", "overload")] += 1

    # the consumer ----------------------------------------------------------

    def start(self) -> Subscriber:
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._consume()), name="redprop-mqtt-consumer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.client.disconnect()
        self.client.loop_stop()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _take(self) -> list[tuple[str, bytes]]:
        items: list[tuple[str, bytes]] = []
        try:
            items.append(self.inbox.get(timeout=0.2))
        except queue.Empty:
            return items
        deadline = time.monotonic() + LINGER
        while len(items) < BATCH:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                items.append(self.inbox.get(timeout=left))
            except queue.Empty:
                break
        return items

    async def _consume(self) -> None:
        db = Database.from_settings(self.settings)
        try:
            while not self._stop.is_set() or not self.inbox.empty():
                items = await asyncio.to_thread(self._take)
                if items:
                    await self.store(db, items)
        finally:
            await db.dispose()

    async def store(self, db: Database, items: list[tuple[str, bytes]]) -> int:
        """Verify and store a batch of (topic, payload) pairs, one transaction per compound."""
        by_compound: dict[uuid.UUID, list[Message]] = collections.defaultdict(list)
        for topic, payload in items:
            where = parse_topic(topic)
            if where is None:
                REFUSED[("mqtt", "malformed")] += 1
                continue
            timestamp, signature, body = split_mqtt_payload(payload)
            by_compound[where[0]].append(Message(device_id=where[1], body=body, timestamp=timestamp, signature=signature))
        stored = 0
        for compound_id, messages in by_compound.items():
            try:
                async with db.transaction(Scope.of([compound_id])) as session:
                    result = await ingest(session, compound_id, messages, "mqtt")
                stored += sum(o.accepted for o in result.outcomes)
            except Exception:  # one compound's failure must not stop the others
                log.exception("MQTT batch for compound %s failed", compound_id)
        self.stored += stored
        return stored


def start(settings: Settings, host=None) -> Callable[[], None]:
    """``redprop_background_services``'s start: subscribe and return the stop callable."""
    return Subscriber(settings).start().stop


def enabled(settings: Settings) -> bool:
    return settings.mqtt_enabled


BACKGROUND_SERVICES = [{"name": "smart_property.mqtt", "option": "mqtt", "enabled": enabled, "start": start}]
