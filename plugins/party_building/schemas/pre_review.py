"""Pre-review (前置把关)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, Output

Opinion = Literal["approve", "approve_with_conditions", "reject"]


class PreReviewRecordIn(Input):
    opinion: Opinion
    opinion_text: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    conditions: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    reviewer_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    """Defaults to the person recording it."""
    reviewed_on: dt.date | None = None
    """The day the organisation decided (defaults to today in the compound's zone; never in the future)."""


class PreReviewOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    matter: str
    matter_zh: str
    matter_en: str
    subject_id: uuid.UUID
    subject_title: str
    link: str
    state: str
    requested_by_name: str
    requested_at: dt.datetime
    opinion_text: str
    conditions: str
    reviewer_name: str
    reviewed_on: dt.date | None
    recorded_at: dt.datetime | None
    allowed: list[str]
