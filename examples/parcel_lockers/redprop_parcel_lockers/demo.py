"""Demo rows of parcel_lockers: compound A1 gets the module, two lockers and parcels waiting for the demo residents."""

from __future__ import annotations

import datetime as dt

from core.public import mask_phone, now, uuid7
from redprop_parcel_lockers.models import Locker, Parcel

# the demo residents' phones (README: resident-a1 13800000001, resident-a1b 13800000002)
PHONES = {"resident-a1": "13800000001", "resident-a1b": "13800000002"}


def add_demo_rows(seed) -> None:
    """Enable the module for A1 (as its district would) and describe its lockers and parcels; no one is notified."""
    seed.enable_module("parcel_lockers", "A1")
    compound_id = seed.city.compounds["A1"]
    east = Locker(id=uuid7(), compound_id=compound_id, name="东门快递柜", location="东门岗亭旁", compartments=40)
    north = Locker(id=uuid7(), compound_id=compound_id, name="3号楼快递柜", location="3号楼北侧", compartments=24)
    moment = now()
    rows = [
        ("resident-a1", east, 3, "顺丰速运", "SF1400000001", dt.timedelta(hours=2), None),
        ("resident-a1", north, 7, "中通快递", "ZT7300000002", dt.timedelta(hours=30), None),
        ("resident-a1b", east, 11, "京东物流", "JD0000000003", dt.timedelta(hours=60), None),
        ("resident-a1", east, 5, "圆通速递", "YT0000000004", dt.timedelta(days=3), dt.timedelta(hours=20)),
    ]
    parcels = [
        Parcel(
            id=uuid7(),
            compound_id=compound_id,
            locker_id=locker.id,
            compartment=compartment,
            recipient_user_id=seed.city.users[who],
            phone_masked=mask_phone(PHONES[who]),
            carrier=carrier,
            tracking_number=tracking,
            state="picked_up" if held else "waiting",
            checked_in_at=moment - ago,
            picked_up_at=moment - ago + held if held else None,
        )
        for who, locker, compartment, carrier, tracking, ago, held in rows
    ]
    seed.add(east, north, *parcels)
