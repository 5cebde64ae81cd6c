"""Meetings, resolutions and action items."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, LongName, Name, Output, Text
from plugins.party_building.schemas.common import (
    AttendeeSide,
    LongText,
    MeetingKind,
    OwnerKind,
)

# --------------------------------------------------------------------------- meetings


class AttendeeIn(Input):
    side: AttendeeSide
    name: Name
    user_id: uuid.UUID | None = None


class MeetingIn(Input):
    kind: MeetingKind
    title: LongName
    scheduled_at: dt.datetime
    organisation_id: uuid.UUID | None = None
    location: Annotated[str, msgspec.Meta(max_length=200)] = ""
    agenda: LongText = ""
    attendees: list[AttendeeIn] = []
    invite_property: bool = True
    """A joint meeting invites the operator's managers of the compound and the owners' committee by default."""
    invite_committee: bool = True
    departments: list[uuid.UUID] = []
    """Departments of the district invited to a joint meeting (城管执法, 公安 …)."""


class SignInIn(Input):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class StaffSignInIn(Input):
    attendee_id: uuid.UUID


class ActionItemIn(Input):
    title: LongName
    owner_kind: OwnerKind
    due_on: dt.date
    owner_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    owner_user_id: uuid.UUID | None = None
    owner_organisation_id: uuid.UUID | None = None
    owner_department_id: uuid.UUID | None = None


class ResolutionIn(Input):
    text: Text
    action_items: list[ActionItemIn] = []


class MinutesIn(Input):
    minutes: LongText
    held_at: dt.datetime | None = None
    resolutions: list[ResolutionIn] = []


class CloseIn(Input):
    evidence: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class AttendeeOut(Output):
    id: uuid.UUID
    side: str
    name: str
    user_id: uuid.UUID | None
    invited: bool
    signed_in_at: dt.datetime | None
    sign_in_method: str | None


class ActionItemOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    meeting_id: uuid.UUID
    resolution_id: uuid.UUID
    title: str
    owner_kind: str
    owner_name: str
    owner_user_id: uuid.UUID | None
    owner_tenant_id: uuid.UUID | None
    due_on: dt.date
    status: str
    overdue: bool
    evidence: str | None
    closed_at: dt.datetime | None
    closed_on_time: bool | None


class ResolutionOut(Output):
    id: uuid.UUID
    seq: int
    text: str
    action_items: list[ActionItemOut] = []


class MeetingOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    kind: str
    title: str
    organisation_id: uuid.UUID | None
    scheduled_at: dt.datetime
    location: str
    agenda: str
    status: str
    held_at: dt.datetime | None
    minutes: str | None
    attendees: list[AttendeeOut] = []
    resolutions: list[ResolutionOut] = []
    sign_in_code: str | None = None
    """Only for those who keep the meeting (meeting write)."""


class OwnerTally(Output):
    """How one owner stands on the board: open, overdue, closed on time, closed late."""

    owner_name: str
    owner_kind: str
    open: int
    overdue: int
    closed_on_time: int
    closed_late: int


class MeetingGapOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    kind: str
    period: str
    period_start: dt.date
    period_end: dt.date
    required: int
    held: int
