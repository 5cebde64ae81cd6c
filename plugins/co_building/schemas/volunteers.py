"""Request and response structs of red volunteers: profiles, teams, activities, sign-ups, points, rewards, rankings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Name, Output, Phone, Text

Short = Annotated[str, msgspec.Meta(max_length=300)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class TeamIn(Input):
    name: Name
    description: Text = ""


class TeamOut(Output):
    id: uuid.UUID
    name: str
    description: str
    members: int = 0


class VolunteerIn(Input):
    """Register a volunteer. A resident registers themself (no other field needed); staff name the person."""

    name: Name | None = None
    resident_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    phone: Phone | None = None
    is_party_member: bool = False
    team_id: uuid.UUID | None = None
    team_role: Literal["leader", "member"] = "member"
    skills: Short = ""


class VolunteerPatch(Input):
    phone: Phone | None = None
    is_party_member: bool | None = None
    team_id: uuid.UUID | None = None
    team_role: Literal["leader", "member"] | None = None
    skills: Short | None = None
    active: bool | None = None


class VolunteerOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    name: str
    user_id: uuid.UUID | None
    resident_id: uuid.UUID | None
    team_id: uuid.UUID | None
    team_role: str
    skills: str
    active: bool
    points_balance: int
    phone: str | None
    is_party_member: bool | None
    """None when the caller's role does not see party membership (personal data)."""
    masked: bool


class ActivityIn(Input):
    title: LongName
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    points_rule: Literal["per_hour", "fixed"] = "per_hour"
    points_value: int = 10
    description: Text = ""
    place: Annotated[str, msgspec.Meta(max_length=200)] = ""
    team_id: uuid.UUID | None = None


class ActivityOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    title: str
    description: str
    place: str
    team_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    signed_up: int
    waiting: int
    points_rule: str
    points_value: int
    status: str
    my_signup: SignupOut | None = None


class SignupIn(Input):
    volunteer_id: uuid.UUID | None = None
    """Organisers sign a volunteer up; a resident signs themself up (their profile is created if needed)."""


class SignupOut(Output):
    id: uuid.UUID
    activity_id: uuid.UUID
    volunteer_id: uuid.UUID
    volunteer_name: str
    status: str
    waiting_position: int | None
    queued_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    hours: Decimal | None
    points: int | None


class CheckInIn(Input):
    token: Token
    """The activity's check-in token, read from the QR code shown on site."""


class AttendanceIn(Input):
    """An organiser records a check-in or check-out (default: now)."""

    at: dt.datetime | None = None


class LedgerEntryOut(Output):
    id: uuid.UUID
    volunteer_id: uuid.UUID
    volunteer_name: str
    delta: int
    balance_after: int
    kind: str
    reason: str
    created_at: dt.datetime


class AdjustmentIn(Input):
    volunteer_id: uuid.UUID
    delta: int
    reason: Annotated[str, msgspec.Meta(min_length=2, max_length=300)]


class RewardIn(Input):
    name: Name
    points_cost: int
    stock: int = 0
    description: Text = ""


class RewardPatch(Input):
    points_cost: int | None = None
    add_stock: int | None = None
    """Items received (positive) or written off (negative)."""
    description: Text | None = None
    active: bool | None = None


class RewardOut(Output):
    id: uuid.UUID
    name: str
    description: str
    points_cost: int
    stock: int
    active: bool


class RedeemIn(Input):
    quantity: int = 1
    volunteer_id: uuid.UUID | None = None
    """Organisers redeem for a volunteer at the service desk; a resident redeems their own points."""


class RedemptionOut(Output):
    id: uuid.UUID
    reward_id: uuid.UUID
    reward_name: str
    volunteer_id: uuid.UUID
    volunteer_name: str
    quantity: int
    points: int
    status: str
    created_at: dt.datetime
    handled_at: dt.datetime | None


class BalanceOut(Output):
    volunteer_id: uuid.UUID | None
    balance: int
    hours: Decimal


class RankingRow(Output):
    rank: int
    volunteer_id: uuid.UUID
    name: str
    compound_id: uuid.UUID
    compound_name: str
    hours: Decimal
    points: int


class RankingOut(Output):
    scope: str
    by: str
    start: dt.date | None
    end: dt.date | None
    rows: list[RankingRow]
