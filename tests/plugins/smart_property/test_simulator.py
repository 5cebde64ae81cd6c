"""``redprop simulate devices``: simulated devices are registered once, and what they send over HTTP and over MQTT
(the real broker) is signed like a device's and stored in full."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import func, select

from core.settings import load_settings
from plugins.smart_property.models import Device, Reading
from plugins.smart_property.services import simulator
from plugins.smart_property.services.mqtt import Subscriber
from tests.plugins.smart_property.support import one
from tests.plugins.smart_property.test_mqtt import _broker_up


async def _stored(db, compound_id, fleet) -> int:
    return await one(db, compound_id, select(func.count()).select_from(Reading).where(Reading.device_id.in_([d.id for d in fleet])))


async def test_the_simulator_registers_its_devices_once_and_posts_signed_batches_over_http(client, city, db):
    a1 = city.compounds["A1"]
    fleet = await simulator.prepare(db, a1, 4)
    again = await simulator.prepare(db, a1, 4)
    assert [d.id for d in fleet] == [d.id for d in again] and [d.code for d in fleet][0] == "SIM-0001"
    assert await one(db, a1, select(func.count()).select_from(Device).where(Device.code.startswith("SIM-"))) == 4
    stats = await simulator.run(fleet, simulator.HttpSender("", a1, client=client), rate=100, duration=1.0, batch=10)
    assert stats.messages >= 1 and stats.failed == 0 and set(stats.statuses) == {202}
    assert await _stored(db, a1, fleet) == stats.readings
    # as a gateway: several devices' messages a request, each still signed by its device
    gateway = simulator.GatewaySender("", a1, per_request=3, client=client)
    more = await simulator.run(fleet, gateway, rate=100, duration=1.0, batch=10)
    assert more.messages >= 3 and more.failed == 0 and set(more.statuses) == {200}
    assert await _stored(db, a1, fleet) == stats.readings + more.readings


async def test_the_simulator_publishes_over_the_real_broker(city, db, database_urls):
    reason = _broker_up()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    a1 = city.compounds["A1"]
    fleet = await simulator.prepare(db, a1, 3)
    settings = load_settings(
        {
            **os.environ,
            "REDPROP_DATABASE_URL": database_urls["app"],
            "REDPROP_CROSS_SCOPE_DATABASE_URL": database_urls["cross"],
            "REDPROP_MQTT_URL": "mqtt://127.0.0.1:1883",
        }
    )
    subscriber = Subscriber(settings, topic=f"redprop/{a1}/+/telemetry").start()
    try:
        assert await asyncio.to_thread(subscriber.connected.wait, 10)
        stats = await simulator.run(fleet, simulator.MqttSender("mqtt://127.0.0.1:1883", a1), rate=60, duration=1.0, batch=5)
        # how many messages fit in the second depends on the machine; that each one arrives whole does not
        assert stats.messages >= 1 and stats.failed == 0 and stats.readings == 5 * stats.messages
        stored = 0
        for _ in range(100):
            stored = await _stored(db, a1, fleet)
            if stored == stats.readings:
                break
            await asyncio.sleep(0.1)
        assert stored == stats.readings
    finally:
        await asyncio.to_thread(subscriber.stop)
