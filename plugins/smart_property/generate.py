"""smart_property's part of a generated city (``redprop generate city``, issue 17): each compound's gate, meters,
tank and one elevator per building (secrets sealed as registration seals them) and the last six hours of their
readings, every fifteen minutes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.security import encrypt_pii
from plugins.smart_property.models import Device, Reading
from plugins.smart_property.services.demo import METRICS

HOURS = 6


def register(city: Any) -> None:
    city.per_compounds("smart_property", make)


def make(batch: Any) -> None:
    rng = batch.rng("smart_property")
    now: dt.datetime = batch.now
    devices, readings = [], []
    for compound in batch.compounds:
        fixed = [
            ("GATE-1", "东门门禁", "access_gate", None),
            ("WM-1", "总水表", "water_meter", None),
            ("PM-1", "总电表", "power_meter", None),
            ("TANK-1", "二次供水水箱", "tank_level", None),
        ]
        lifts = [(f"EL-{i + 1}", f"{i + 1}号楼电梯", "elevator", building) for i, building in enumerate(compound.buildings[:8])]
        for code, name, kind, building in fixed + lifts:
            device = batch.new_id()
            devices.append(
                {
                    "compound_id": compound.id,
                    "id": device,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "building_id": building,
                    "unit_id": None,
                    "point": "",
                    "vendor": "通力" if kind == "elevator" else "安阳智联",
                    "model": f"{kind.upper()[:3]}-2024",
                    "secret_sealed": encrypt_pii(f"{rng.getrandbits(128):032x}"),
                    "status": "online",
                    "last_seen_at": now - dt.timedelta(minutes=rng.randrange(0, 5)),
                    "status_changed_at": now - dt.timedelta(days=1),
                }
            )
            spec = METRICS.get(kind)
            if spec is None:
                continue
            metric, mean, spread = spec
            for step in range(HOURS * 4):
                at = now - dt.timedelta(minutes=15 * (HOURS * 4 - step))
                value = round(max(mean + rng.uniform(-spread, spread), 0.6 if metric == "level" else 0.0), 2)
                readings.append(
                    {"compound_id": compound.id, "id": batch.new_id(), "device_id": device, "metric": metric, "at": at, "value": value}
                )
    batch.add(Device, devices)
    batch.add(Reading, readings)
