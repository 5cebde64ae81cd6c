"""``redprop simulate devices``: simulated devices of a compound send signed telemetry over MQTT or HTTP."""

from __future__ import annotations

import asyncio
import uuid

import click

from core.db import Database
from core.settings import get_settings


@click.group("simulate")
def simulate_group() -> None:
    """Simulators for demos and benchmarks."""


def _progress(stats) -> None:
    click.echo(
        f"\r{stats.elapsed:6.1f} s  {stats.messages:>8} messages  {stats.readings:>9} readings  {stats.rate:>8.0f} readings/s"
        f"  {stats.failed} failed",
        nl=False,
    )


async def _simulate(
    compound_id: uuid.UUID,
    devices: int,
    rate: float,
    duration: float,
    transport: str,
    url: str,
    mqtt_url: str | None,
    batch: int,
    anomaly: float,
):
    from plugins.smart_property.services import simulator

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        fleet = await simulator.prepare(db, compound_id, devices)
    finally:
        await db.dispose()
    if transport == "mqtt":
        sender = simulator.MqttSender(mqtt_url or settings.mqtt_url, compound_id)
    elif transport == "gateway":  # one request carries 20 devices' signed messages
        sender = simulator.GatewaySender(url, compound_id)
    else:
        sender = simulator.HttpSender(url, compound_id)
    return await simulator.run(fleet, sender, rate=rate, duration=duration, batch=batch, anomaly=anomaly, progress=_progress)


@simulate_group.command("devices")
@click.option("--compound", "compound_id", required=True, type=click.UUID, help="Id of the compound the devices belong to.")
@click.option("--devices", default=50, show_default=True, type=click.IntRange(1, 100_000), help="Simulated devices (SIM-0001…).")
@click.option(
    "--rate", default=500.0, show_default=True, type=click.FloatRange(1, 1_000_000), help="Readings per second, all devices together."
)
@click.option("--duration", default=30.0, show_default=True, type=click.FloatRange(0.1), help="Seconds to run.")
@click.option(
    "--transport",
    type=click.Choice(["mqtt", "http", "gateway"]),
    default="mqtt",
    show_default=True,
    help="http: a request per message on the device route; gateway: 20 devices' messages a request on the gateway route.",
)
@click.option("--batch", default=10, show_default=True, type=click.IntRange(1, 5000), help="Readings per message.")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The application's address (HTTP and gateway).")
@click.option("--mqtt-url", default=None, help="The broker (default REDPROP_MQTT_URL).")
@click.option("--anomaly", default=0.0, show_default=True, type=click.FloatRange(0, 1), help="Share of readings far out of range.")
def simulate_devices(compound_id, devices, rate, duration, transport, batch, url, mqtt_url, anomaly) -> None:
    """Simulated devices of a compound publish realistic, signed telemetry at a steady rate, with a progress line."""
    stats = asyncio.run(_simulate(compound_id, devices, rate, duration, transport, url, mqtt_url, batch, anomaly))
    click.echo()
    click.echo(
        f"sent {stats.readings} readings in {stats.messages} messages over {transport} in {stats.elapsed:.1f} s ({stats.rate:.0f}/s), {stats.failed} failed"
    )
    if stats.failed:
        raise SystemExit(1)


COMMANDS = [simulate_group]
