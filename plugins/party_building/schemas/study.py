"""Study and training."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from core.schemas import Input, LongName, Output, Text

# --------------------------------------------------------------------------- study


class StudySessionIn(Input):
    title: LongName
    held_on: dt.date
    hours: Decimal
    organisation_id: uuid.UUID | None = None
    topic: Text = ""
    member_ids: list[uuid.UUID] = []


class AttendanceIn(Input):
    member_ids: list[uuid.UUID]


class StudySessionOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    title: str
    held_on: dt.date
    hours: Decimal
    topic: str
    organisation_id: uuid.UUID | None
    attendees: int


class StudyHoursOut(Output):
    member_id: uuid.UUID
    name: str
    year: int
    sessions: int
    hours: Decimal
