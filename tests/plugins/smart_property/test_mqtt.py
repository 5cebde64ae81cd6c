"""MQTT ingestion against the real broker (Mosquitto on 127.0.0.1:1883; CI starts it): signed batches published to
``redprop/<compound>/<device>/telemetry`` are stored, a bad signature is refused and counted."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select

from core.clock import now
from core.db import Scope
from core.settings import load_settings
from plugins.smart_property.models import Reading, Refusal
from plugins.smart_property.services.ingest import mqtt_payload
from plugins.smart_property.services.mqtt import Subscriber
from tests.plugins.smart_property.support import body_of, register


def _broker_up() -> str | None:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=2).close()
        return None
    except OSError as exc:
        return f"Mosquitto unreachable on 127.0.0.1:1883: {exc}"


async def test_mqtt_ingestion_against_the_real_broker(client, as_user, city, db, database_urls):
    reason = _broker_up()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    a1 = city.compounds["A1"]
    headers = await as_user("ent-a-admin")
    made = await register(client, headers, a1, kind="power_meter")
    device, secret = made["device"], made["secret"]
    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": database_urls["app"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": database_urls["cross"],
            "REDPROP_MQTT_URL": "mqtt://127.0.0.1:1883",
        }
    )
    topic_filter = f"redprop/{a1}/+/telemetry"  # this test's compound only (other runs may share the broker)
    subscriber = Subscriber(settings, topic=topic_filter).start()
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    try:
        assert await asyncio.to_thread(subscriber.connected.wait, 10)
        publisher.connect("127.0.0.1", 1883)
        publisher.loop_start()
        ts = int(now().timestamp())
        for i in range(10):
            body = body_of([{"metric": "kwh", "value": 100.0 + i, "at": ts - 10 + i}, {"metric": "kw", "value": 3.5}])
            publisher.publish(made["topic"], mqtt_payload(secret, ts, body), qos=1).wait_for_publish(5)
        publisher.publish(
            made["topic"], mqtt_payload("wrong-secret", ts, body_of([{"metric": "kwh", "value": 1.0}])), qos=1
        ).wait_for_publish(5)
        stored = 0
        for _ in range(100):
            async with db.session(Scope.of([a1])) as session:
                stored = await session.scalar(select(func.count()).select_from(Reading).where(Reading.device_id == uuid.UUID(device["id"])))
                refused = await session.scalar(
                    select(func.sum(Refusal.count)).where(Refusal.reason == "bad_signature", Refusal.transport == "mqtt")
                )
            if stored == 20 and refused == 1:
                break
            await asyncio.sleep(0.1)
        assert stored == 20 and refused == 1
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        await asyncio.to_thread(subscriber.stop)
