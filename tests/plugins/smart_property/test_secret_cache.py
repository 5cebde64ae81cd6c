"""The unsealed device secrets cached per process: a rotation, here or in another process, is never answered with the old one."""

from __future__ import annotations

from core.ids import uuid7
from core.security import encrypt_pii
from plugins.smart_property.models import Device
from plugins.smart_property.services import devices


def test_a_cached_secret_follows_a_rotation_made_elsewhere(monkeypatch):
    calls = []
    real = devices.decrypt_pii
    monkeypatch.setattr(devices, "decrypt_pii", lambda sealed: calls.append(1) or real(sealed))
    device = Device(id=uuid7(), secret_sealed=encrypt_pii("first-secret"), secret_version=1)
    assert devices.device_secret(device) == b"first-secret"
    assert devices.device_secret(device) == b"first-secret"
    assert len(calls) == 1  # unsealed once, then from memory

    # another process rotated it: the row read afresh carries a new sealed value and version, no forget_secret here
    device.secret_sealed, device.secret_version = encrypt_pii("second-secret"), 2
    assert devices.device_secret(device) == b"second-secret"
    assert len(calls) == 2

    devices.forget_secret(device.id)
    assert not [k for k in devices._SECRETS if k[0] == device.id]
