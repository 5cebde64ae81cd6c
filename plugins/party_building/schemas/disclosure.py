"""Disclosure."""

from __future__ import annotations

import datetime as dt
import uuid

from core.schemas import Input, LongName, Output
from plugins.party_building.schemas.common import (
    DisclosureCategory,
    LongText,
)

# --------------------------------------------------------------------------- disclosure


class DisclosureIn(Input):
    category: DisclosureCategory
    title: LongName
    body: LongText
    publish_from: dt.date
    publish_until: dt.date | None = None
    publish: bool = False


class DisclosurePatch(Input):
    category: DisclosureCategory | None = None
    title: LongName | None = None
    body: LongText | None = None
    publish_from: dt.date | None = None
    publish_until: dt.date | None = None


class DisclosureVersionOut(Output):
    version: int
    title: str
    status: str
    publish_from: dt.date
    publish_until: dt.date | None
    created_at: dt.datetime


class DisclosureOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    category: str
    title: str
    body: str
    publish_from: dt.date
    publish_until: dt.date | None
    status: str
    version: int
    published_at: dt.datetime | None
    visible: bool
    """Shown to residents today (published and within its period)."""
    history: list[DisclosureVersionOut] = []
