"""Responsibility lists."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, LongName, Output, Text
from plugins.party_building.schemas.common import (
    ResponsibilityPeriod,
    ResponsibilityRole,
)

# --------------------------------------------------------------------------- responsibility lists


class ResponsibilityIn(Input):
    organisation_id: uuid.UUID
    role: ResponsibilityRole
    title: LongName
    period: ResponsibilityPeriod
    description: Text = ""


class CompletionIn(Input):
    completed_on: dt.date
    period_label: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    """Defaults to the period containing ``completed_on``."""
    note: Text = ""


class CompletionOut(Output):
    period_label: str
    completed_on: dt.date
    note: str


class ResponsibilityOut(Output):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    role: str
    title: str
    description: str
    period: str
    current_period: str
    done_this_period: bool
    completions: list[CompletionOut] = []
