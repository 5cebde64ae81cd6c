"""The device registry (设备台账): register devices, show each secret once, rotate it, list with location and status."""

from __future__ import annotations

import secrets
import uuid
from collections import OrderedDict

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.context import RequestContext
from core.ids import uuid7
from core.pagination import Page, paginate
from core.problems import conflict, invalid, not_found
from core.security import decrypt_pii, encrypt_pii
from plugins.smart_property.models import Device
from plugins.smart_property.schemas import devices as s
from tenants.models import Building, Unit

DEVICE = "smart_property.device"


def new_secret() -> str:
    """A fresh ingestion secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


SECRET_CACHE_SIZE = 20_000
"""How many unsealed device secrets a process keeps in memory (a cache hit saves a decryption per message)."""
_SECRETS: OrderedDict[tuple[uuid.UUID, int, bytes], bytes] = OrderedDict()


def device_secret(device: Device) -> bytes:
    """The device's secret, unsealed for HMAC verification (never logged, never returned after creation).

    Unsealed once per device and secret version and kept in this process's memory: the key holds the sealed value
    itself, so a rotation (here or in another process, which changes the sealed value and the version) is never
    answered with the old secret; :func:`rotate_secret` also drops the device's entries at once.
    """
    key = (device.id, device.secret_version, device.secret_sealed)
    secret = _SECRETS.get(key)
    if secret is None:
        secret = (decrypt_pii(device.secret_sealed) or "").encode()
        _SECRETS[key] = secret
        if len(_SECRETS) > SECRET_CACHE_SIZE:
            _SECRETS.popitem(last=False)
    return secret


def forget_secret(device_id: uuid.UUID) -> None:
    """Drop a device's unsealed secrets and its ingestion snapshot from this process's caches (after a rotation, a
    change or a retirement; other processes learn it from the row itself, see :mod:`services.hot`)."""
    from plugins.smart_property.services.hot import forget_device

    for key in [k for k in _SECRETS if k[0] == device_id]:
        del _SECRETS[key]
    forget_device(device_id)


def topic_of(device: Device) -> str:
    return f"redprop/{device.compound_id}/{device.id}/telemetry"


def http_path_of(device: Device) -> str:
    return f"/api/v1/compounds/{device.compound_id}/smart_property/devices/{device.id}/telemetry"


async def _locations(session: AsyncSession, compound_id: uuid.UUID, devices: list[Device]) -> dict[uuid.UUID, str]:
    """Building and unit names of the devices' locations (two queries whatever the page size)."""
    building_ids = {d.building_id for d in devices if d.building_id}
    unit_ids = {d.unit_id for d in devices if d.unit_id}
    names: dict[uuid.UUID, str] = {}
    if building_ids:
        rows = await session.execute(
            select(Building.id, Building.name).where(Building.compound_id == compound_id, Building.id.in_(building_ids))
        )
        names.update({r.id: r.name for r in rows})
    if unit_ids:
        rows = await session.execute(select(Unit.id, Unit.name).where(Unit.compound_id == compound_id, Unit.id.in_(unit_ids)))
        names.update({r.id: r.name for r in rows})
    return names


def _out(device: Device, names: dict[uuid.UUID, str]) -> s.DeviceOut:
    location = " ".join(x for x in (names.get(device.building_id), names.get(device.unit_id), device.point) if x)
    return s.DeviceOut(
        id=device.id,
        code=device.code,
        name=device.name,
        kind=device.kind,
        building_id=device.building_id,
        unit_id=device.unit_id,
        location=location,
        point=device.point,
        vendor=device.vendor,
        model=device.model,
        status=device.status,
        last_seen_at=device.last_seen_at,
        active=device.active,
        secret_version=device.secret_version,
    )


async def devices_out(session: AsyncSession, compound_id: uuid.UUID, devices: list[Device]) -> list[s.DeviceOut]:
    names = await _locations(session, compound_id, devices)
    return [_out(d, names) for d in devices]


def device_query(compound_id: uuid.UUID, kind: str | None = None, status: str | None = None) -> Select:
    stmt = select(Device).where(Device.compound_id == compound_id)
    if kind:
        stmt = stmt.where(Device.kind == kind)
    if status:
        stmt = stmt.where(Device.status == status)
    return stmt.order_by(Device.kind, Device.code)


async def list_devices(
    session: AsyncSession, compound_id: uuid.UUID, *, kind: str | None, status: str | None, limit: int, offset: int
) -> Page[s.DeviceOut]:
    rows, total = await paginate(session, device_query(compound_id, kind, status), limit, offset)
    return Page(items=await devices_out(session, compound_id, rows), total=total, limit=limit, offset=offset)


async def get_device(session: AsyncSession, compound_id: uuid.UUID, device_id: uuid.UUID) -> Device:
    device = await session.scalar(select(Device).where(Device.compound_id == compound_id, Device.id == device_id))
    if device is None:
        raise not_found("device")
    return device


async def _check_location(session: AsyncSession, compound_id: uuid.UUID, building_id: uuid.UUID | None, unit_id: uuid.UUID | None) -> None:
    if building_id is not None:
        if await session.scalar(select(Building.id).where(Building.compound_id == compound_id, Building.id == building_id)) is None:
            raise invalid("building_id", "no such building in this compound")
    if unit_id is not None:
        unit = await session.scalar(select(Unit).where(Unit.compound_id == compound_id, Unit.id == unit_id))
        if unit is None:
            raise invalid("unit_id", "no such unit in this compound")
        if building_id is not None and unit.building_id != building_id:
            raise invalid("unit_id", "the unit is not in the given building")


async def register_device(ctx: RequestContext, data: s.DeviceIn) -> s.DeviceSecret:
    """Register a device; the answer carries its secret, which is never shown again."""
    session, compound_id = ctx.session, ctx.compound_id
    assert compound_id is not None
    await _check_location(session, compound_id, data.building_id, data.unit_id)
    if await session.scalar(select(Device.id).where(Device.compound_id == compound_id, Device.code == data.code)) is not None:
        raise invalid("code", "another device of this compound has this code", status=409)
    secret = new_secret()
    device = Device(
        id=uuid7(),
        compound_id=compound_id,
        code=data.code,
        name=data.name.strip(),
        kind=data.kind,
        building_id=data.building_id,
        unit_id=data.unit_id,
        point=data.point.strip(),
        vendor=data.vendor.strip(),
        model=data.model.strip(),
        secret_sealed=encrypt_pii(secret),
        secret_version=1,
        status="unknown",
        active=True,
    )
    session.add(device)
    await session.flush()
    return await _secret_out(session, device, secret)


async def _secret_out(session: AsyncSession, device: Device, secret: str) -> s.DeviceSecret:
    out = (await devices_out(session, device.compound_id, [device]))[0]
    return s.DeviceSecret(device=out, secret=secret, topic=topic_of(device), http_path=http_path_of(device))


async def rotate_secret(ctx: RequestContext, device_id: uuid.UUID) -> s.DeviceSecret:
    """A new secret (the old one stops working at once), shown this once."""
    assert ctx.compound_id is not None
    device = await get_device(ctx.session, ctx.compound_id, device_id)
    if not device.active:
        raise conflict("a retired device gets no new secret")
    secret = new_secret()
    forget_secret(device.id)
    device.secret_sealed = encrypt_pii(secret)
    device.secret_version += 1
    device.secret_rotated_at = now()
    await ctx.session.flush()
    return await _secret_out(ctx.session, device, secret)


async def update_device(ctx: RequestContext, device_id: uuid.UUID, data: s.DevicePatch) -> s.DeviceOut:
    assert ctx.compound_id is not None
    device = await get_device(ctx.session, ctx.compound_id, device_id)
    forget_secret(device.id)
    for name in ("name", "point", "vendor", "model", "active"):
        value = getattr(data, name)
        if value is not None:
            setattr(device, name, value.strip() if isinstance(value, str) else value)
    await ctx.session.flush()
    return (await devices_out(ctx.session, device.compound_id, [device]))[0]
