"""Request and response bodies of cases, routing, time limits, whistles and department performance."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from core.schemas import Input, LongName, Output, Text

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]


class CaseIn(Input):
    """A case reported by property staff, a grid worker or the community."""

    compound_id: uuid.UUID
    category: Code
    title: LongName
    description: Text = ""
    priority: Code = "normal"
    location: Code = "compound"
    """``compound``, ``building``, ``room`` or ``point`` (a free place, described in ``point``)."""
    building_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    point: Annotated[str, msgspec.Meta(max_length=200)] = ""
    source: Code = "staff"
    """Who reports: ``staff`` (the property company), ``grid`` (a grid worker) or ``community``."""


class MoveIn(Input):
    """A move of the case's state machine; ``note`` is the reason of a return or rejection."""

    action: Code
    note: Text = ""
    department_id: uuid.UUID | None = None
    """For ``dispatch``: the department, where the routing table has none for the category (or to override it)."""


class NoteIn(Input):
    note: Text = ""


class WhistleIn(Input):
    """吹哨: summon departments to the case; each must report in within ``hours`` working hours."""

    department_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=10)]
    note: Text = ""
    hours: Annotated[int, msgspec.Meta(ge=1, le=72)] = 2


class RouteIn(Input):
    category: Code
    department_id: uuid.UUID | None = None
    """None removes the line (cases of the category then stay with the community)."""


class TimeLimitIn(Input):
    category: Code
    priority: Code
    response_hours: Annotated[int, msgspec.Meta(ge=1, le=240)]
    resolution_days: Annotated[int, msgspec.Meta(ge=1, le=90)]


class CaseEventOut(Output):
    action: str
    from_state: str | None
    to_state: str | None
    actor_label: str
    note: str
    at: dt.datetime


class WhistleCallOut(Output):
    id: uuid.UUID
    department_id: uuid.UUID
    department_name: str
    called_by_label: str
    note: str
    called_at: dt.datetime
    due_at: dt.datetime
    reported_at: dt.datetime | None
    report_note: str
    missed: bool


class CaseOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    compound_name: str
    number: str
    source: str
    source_id: str | None
    category: str
    priority: str
    title: str
    description: str
    location: str
    building_id: uuid.UUID | None
    room_id: uuid.UUID | None
    point: str
    department_id: uuid.UUID | None
    department_name: str | None
    state: str
    reason: str
    reporter_label: str
    escalation_level: int
    level: str
    """``none``, ``community``, ``street`` or ``district``."""
    response_due_at: dt.datetime
    resolution_due_at: dt.datetime
    response_breached: bool
    resolution_breached: bool
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed: list[str]
    """The moves the caller may make now (buttons to offer)."""
    may_report_in: bool = False
    timeline: list[CaseEventOut] = []
    calls: list[WhistleCallOut] = []


class RouteOut(Output):
    category: str
    department_id: uuid.UUID | None
    department_name: str | None


class TimeLimitOut(Output):
    category: str
    priority: str
    response_hours: int
    resolution_days: int
    default: bool


class DepartmentOut(Output):
    id: uuid.UUID
    name: str
    kind: str


class DepartmentPerformance(Output):
    """A department's workload and performance over the cases dispatched to it (and the whistles it was summoned by)."""

    department_id: uuid.UUID
    name: str
    open: int
    resolved: int
    on_time: int
    on_time_rate: Decimal | None
    """Percent of resolved cases resolved before their limit (None when none were resolved)."""
    rejected: int
    calls: int
    missed_report_ins: int


class DeadlineReport(Output):
    breached: int
    escalated: int
    missed_report_ins: int
