"""Structs of visitor passes (访客通行码)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, Output, Phone

VisitorName = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]


class PassIn(Input):
    visitor_name: VisitorName
    visitor_phone: Phone | None = None
    purpose: Annotated[str, msgspec.Meta(max_length=100)] = ""
    valid_from: dt.datetime | None = None
    """Now when omitted."""
    valid_hours: Annotated[int, msgspec.Meta(ge=1, le=168)] = 24
    max_entries: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1


class PassOut(Output):
    id: uuid.UUID
    visitor_name: str
    visitor_phone: str | None
    purpose: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    max_entries: int
    entries_used: int
    state: str
    token: str | None = None
    """The signed token the QR code carries (given to the issuer only)."""


class PassKeyOut(Output):
    """What a gate keeps to verify passes offline."""

    compound_id: uuid.UUID
    algorithm: str
    public_key: str
    """Raw Ed25519 public key, base64url."""
    revoked: list[uuid.UUID]


class EntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """What a gate reports (signed with the gate's device secret)."""

    token: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]


class EntryOut(Output):
    admitted: bool
    result: str
    pass_id: uuid.UUID | None
    entries_left: int | None
