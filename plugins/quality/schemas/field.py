"""Structs of inspections and rectification."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Output, Text

Key = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]


class ChecklistItem(Input, kw_only=True):
    key: Key
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    max_score: Decimal
    dimension: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "custom"


class PlanIn(Input, kw_only=True):
    name: LongName
    starts_on: dt.date
    ends_on: dt.date
    compound_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=5000)]
    checklist: Annotated[list[ChecklistItem], msgspec.Meta(min_length=1, max_length=100)]


class PlanOut(Output, kw_only=True):
    id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date
    compound_ids: list[str]
    checklist: list[dict]


class ResultIn(Input, kw_only=True):
    key: Key
    score: Decimal
    note: Text = ""
    finding: bool = False


class InspectionIn(Input, kw_only=True):
    plan_id: uuid.UUID
    inspected_on: dt.date | None = None
    results: Annotated[list[ResultIn], msgspec.Meta(min_length=1, max_length=100)]
    summary: Text = ""


class ResultOut(Output, kw_only=True):
    key: str
    text: str
    dimension: str
    max_score: str
    score: str
    note: str
    finding: bool


class InspectionOut(Output, kw_only=True):
    id: uuid.UUID
    compound_id: uuid.UUID
    plan_id: uuid.UUID | None
    inspected_on: dt.date
    inspector_name: str
    score: str
    summary: str
    rectification_id: uuid.UUID | None
    results: list[ResultOut]


class NoticeIn(Input, kw_only=True):
    title: LongName
    items: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]], msgspec.Meta(min_length=1, max_length=50)]
    working_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 5


class FromInspectionIn(Input, kw_only=True):
    title: LongName | None = None
    working_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 5


class AnswerIn(Input, kw_only=True):
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class VerdictIn(Input, kw_only=True):
    verdict: Literal["accept", "return"]
    reason: Text = ""


class ItemOut(Output, kw_only=True):
    id: uuid.UUID
    position: int
    text: str
    state: str
    answer: str
    answered_at: dt.datetime | None
    return_reason: str
    rounds: int


class NoticeOut(Output, kw_only=True):
    id: uuid.UUID
    compound_id: uuid.UUID
    number: str
    title: str
    state: str
    allowed: list[str]
    issued_at: dt.datetime
    due_at: dt.datetime
    working_days: int
    overdue: bool
    escalation_level: int
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None
    inspection_id: uuid.UUID | None
    items: list[ItemOut]
