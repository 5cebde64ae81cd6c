"""Inbox and notification-preference structs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, Output

ChannelName = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Address = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class NotificationOut(Output):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None
    tenant_id: uuid.UUID | None
    compound_id: uuid.UUID | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkedOut(Output):
    marked: int
    """How many notifications changed from unread to read."""


class PreferenceIn(Input):
    channel: ChannelName
    address: Address
    """An email address for ``email``, a mainland mobile number for ``sms``, the channel's own id otherwise."""
    enabled: bool = True


class PreferencesIn(Input):
    """The whole set: channels left out are removed."""

    items: Annotated[list[PreferenceIn], msgspec.Meta(max_length=20)]


class PreferenceOut(Output):
    channel: str
    address: str
    enabled: bool


class PreferencesOut(Output):
    items: list[PreferenceOut]
    channels: list[str]
    """Channels installed on this platform besides the inbox (what ``items`` may name)."""
