"""Demo rows of smart_property: devices in the demo compounds, rules, a day of telemetry, an open elevator-fault alarm
(whose event asks co_building for a work order) — made through the plugin's own services."""

from __future__ import annotations

import datetime as dt
import json
import random

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.ids import uuid7
from core.security import encrypt_pii
from plugins.smart_property.models import Device, Reading, Rule
from plugins.smart_property.services.devices import new_secret
from plugins.smart_property.services.ingest import Message, ingest, sign
from tenants.models import Building

DEVICES = (
    ("EL-1-1", "1号楼1单元电梯", "elevator", "1单元"),
    ("EL-2-1", "2号楼1单元电梯", "elevator", "1单元"),
    ("GT-E", "东门门禁", "access_gate", "东门"),
    ("GT-W", "西门门禁", "access_gate", "西门"),
    ("FP-1", "消防主机", "fire_panel", "消控室"),
    ("SD-1-1", "1号楼烟感", "smoke_detector", "1单元楼道"),
    ("WM-1", "总水表", "water_meter", "泵房"),
    ("PM-1", "总电表", "power_meter", "配电室"),
    ("TL-1", "屋顶水箱", "tank_level", "1号楼屋顶"),
    ("CAM-1", "南门摄像头", "camera", "南门"),
    ("PB-1", "地库道闸", "parking_barrier", "地库入口"),
    ("EV-1", "充电桩1号", "ev_charger", "地面停车场"),
)
RULES = (
    ("电梯故障", "elevator", "event", {"event_code": "fault"}, "critical", "work_order", "elevator"),
    ("电梯困人", "elevator", "event", {"event_code": "trapped"}, "critical", "work_order", "elevator"),
    ("烟感报警", "smoke_detector", "event", {"event_code": "smoke"}, "critical", "notify", ""),
    ("消防通道占用", "camera", "event", {"event_code": "fire_lane_blocked"}, "warning", "coordination_case", "fire_lane_blocked"),
    ("水箱液位过低", "tank_level", "threshold", {"metric": "level", "operator": "<", "threshold": 0.5}, "warning", "notify", ""),
    ("门禁离线", "access_gate", "offline", {"offline_minutes": 10}, "warning", "notify", ""),
)
METRICS = {
    "water_meter": ("flow", 2.0, 1.0),
    "power_meter": ("kw", 80.0, 30.0),
    "tank_level": ("level", 3.0, 0.6),
    "elevator": ("runs", 6.0, 4.0),
}


def demo_rows(seed) -> None:
    seed.then(_demo)


async def _demo(session: AsyncSession, city) -> None:
    rng = random.Random(12)
    moment = now()
    for key in ("A1", "A2", "C1"):
        compound_id = city.compounds[key]
        buildings = list(await session.scalars(select(Building).where(Building.compound_id == compound_id).order_by(Building.name)))
        secrets: dict = {}
        devices = []
        for code, name, kind, point in DEVICES:
            secret = new_secret()
            device = Device(
                id=uuid7(),
                compound_id=compound_id,
                code=code,
                name=name,
                kind=kind,
                building_id=buildings[1 if code.startswith("EL-2") else 0].id
                if buildings and kind in ("elevator", "smoke_detector")
                else None,
                point=point,
                vendor="海康威视" if kind in ("camera", "access_gate") else "通力" if kind == "elevator" else "安阳智联",
                model=f"{kind.upper()[:3]}-2024",
                secret_sealed=encrypt_pii(secret),
                status="online",
                last_seen_at=moment - dt.timedelta(minutes=rng.randint(0, 4)),
                status_changed_at=moment - dt.timedelta(days=1),
            )
            secrets[device.id] = secret
            devices.append(device)
        session.add_all(devices)
        for name, kind, rule_kind, extra, severity, action, category in RULES:
            session.add(
                Rule(
                    id=uuid7(),
                    compound_id=compound_id,
                    name=name,
                    device_kind=kind,
                    kind=rule_kind,
                    severity=severity,
                    action=action,
                    category=category,
                    **extra,
                )
            )
        await session.flush()
        rows = []
        for device in devices:  # a day of telemetry, every 15 minutes
            spec = METRICS.get(device.kind)
            if spec is None:
                continue
            metric, mean, spread = spec
            for step in range(96):
                at = moment - dt.timedelta(minutes=15 * (96 - step))
                value = round(max(mean + rng.uniform(-spread, spread), 0.6 if metric == "level" else 0.0), 2)
                rows.append(
                    {
                        "compound_id": compound_id,
                        "id": uuid7(),
                        "device_id": device.id,
                        "metric": metric,
                        "at": at,
                        "value": value,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )
        await session.execute(insert(Reading.__table__), rows)
        if key == "A1":  # the elevator reports a fault, signed like a real one: an open alarm, and a work order through the event
            elevator = devices[0]
            ts = int(moment.timestamp())
            body = json.dumps({"readings": [], "events": [{"code": "fault", "at": ts - 120}]}).encode()
            await ingest(session, compound_id, [Message(str(elevator.id), body, str(ts), sign(secrets[elevator.id], ts, body))], "http")
