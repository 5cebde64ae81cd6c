"""Helpers of the smart_property tests: register devices, sign and post telemetry, read rows without HTTP."""

from __future__ import annotations

import json
import time
import uuid

from sqlalchemy import select

from core.clock import now
from core.db import Scope
from plugins.smart_property.services.ingest import sign


def base(compound_id) -> str:
    return f"/api/v1/compounds/{compound_id}/smart_property"


async def register(client, headers, compound_id, kind="elevator", code=None, **extra) -> dict:
    body = {"code": code or f"D-{uuid.uuid4().hex[:8]}", "name": f"测试设备 {kind}", "kind": kind, **extra}
    r = await client.post(f"{base(compound_id)}/devices", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def body_of(readings=(), events=()) -> bytes:
    return json.dumps({"readings": list(readings), "events": list(events)}, separators=(",", ":")).encode()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(now().timestamp()) if timestamp is None else timestamp
    return {"X-Redprop-Timestamp": str(ts), "X-Redprop-Signature": sign(secret, ts, body), "Content-Type": "application/json"}


async def post_telemetry(client, compound_id, device_id, secret, body: bytes, timestamp: int | None = None, signature: str | None = None):
    headers = signed_headers(secret, body, timestamp)
    if signature is not None:
        headers["X-Redprop-Signature"] = signature
    return await client.post(f"{base(compound_id)}/devices/{device_id}/telemetry", content=body, headers=headers)


async def rows(db, compound_id, stmt):
    async with db.session(Scope.of([compound_id])) as session:
        return list((await session.execute(stmt)).all())


async def one(db, compound_id, stmt):
    async with db.session(Scope.of([compound_id])) as session:
        return await session.scalar(stmt)


def epoch() -> int:
    return int(now().timestamp()) if now() else int(time.time())


__all__ = ["base", "register", "body_of", "signed_headers", "post_telemetry", "rows", "one", "select", "epoch"]
