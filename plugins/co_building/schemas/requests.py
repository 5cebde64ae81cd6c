"""Request and response structs: service requests and work orders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Output, Phone, Text

Kind = Literal["repair", "complaint", "suggestion", "enquiry", "praise"]
Category = Literal[
    "plumbing", "electrical", "elevator", "doors_windows", "sanitation", "greening", "security", "parking", "noise", "facilities", "other"
]
Priority = Literal["normal", "urgent"]
Location = Literal["room", "public"]
Channel = Literal["portal", "phone", "visit", "app"]
Action = Literal["assign", "reassign", "accept", "start", "complete", "close", "reopen", "cancel"]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
Hours = Annotated[int, msgspec.Meta(ge=1, le=2000)]


class RequestIn(Input):
    kind: Kind
    category: Category
    title: LongName
    description: Text = ""
    location: Location = "room"
    room_id: uuid.UUID | None = None
    priority: Priority = "normal"
    channel: Channel = "portal"
    resident_id: uuid.UUID | None = None
    """Staff filing on a resident's behalf (a phone call): whose request it is."""
    contact_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    contact_phone: Phone | None = None


class TransitionIn(Input):
    action: Action
    assignee_user_id: uuid.UUID | None = None
    note: Text = ""


class RatingIn(Input):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    tags: Annotated[list[Tag], msgspec.Meta(max_length=10)] = []
    comment: Text = ""


class NoteIn(Input):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class HandoverIn(Input):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


Basis = Literal["clock", "working_hours", "working_days"]


class TimeLimitIn(Input):
    category: Category | Literal["*"]
    priority: Priority
    response_hours: Hours
    completion_hours: Hours
    """In the basis's unit: hours (``clock``, ``working_hours``) or days (``working_days``)."""
    basis: Basis | None = None
    """How the limits count; omitted: the platform's default for the category and priority (urgent, safety and leaks on the clock)."""


class TimeLimitOut(Output):
    category: str
    priority: str
    response_hours: int
    completion_hours: int
    basis: str
    """``clock`` (24×7), ``working_hours`` or ``working_days`` (then the two limits are in days)."""
    source: str
    """``tenant`` (set by the enterprise) or ``default`` (the platform's)."""


class RequestEventOut(Output):
    at: dt.datetime
    action: str
    from_state: str | None
    to_state: str | None
    actor: str
    note: str


class RequestOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    number: str
    kind: str
    category: str
    priority: str
    location: str
    channel: str
    title: str
    description: str
    room_id: uuid.UUID | None
    room_label: str | None
    state: str
    allowed_actions: list[str]
    contact_name: str
    contact_phone: str | None
    assignee_user_id: uuid.UUID | None
    assignee_name: str | None
    created_at: dt.datetime
    response_due_at: dt.datetime
    completion_due_at: dt.datetime
    limit_basis: str
    """How the limits count: ``clock`` (24×7), ``working_hours`` or ``working_days``."""
    responded_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    response_breached: bool
    completion_breached: bool
    escalation_level: int
    rating: int | None
    rating_tags: list[str]
    rating_comment: str
    reopen_count: int
    return_visit_due: bool
    me_too_count: int
    beyond_powers: bool
    case_status: str | None
    case_reference: str | None
    mine: bool
    timeline: list[RequestEventOut] = []


class RoomChoice(Output):
    room_id: uuid.UUID
    label: str


class MeTooOut(Output):
    request_id: uuid.UUID
    me_too_count: int


class BreachReport(Output):
    marked: int
    escalated: int
