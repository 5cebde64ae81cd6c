"""Structs of satisfaction surveys: questions, templates, campaigns, responses and scores."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from core.schemas import Input, LongName, Output

QuestionKind = Literal["rating", "single", "multiple", "text"]
Dimension = Literal["cleaning", "security", "greening", "repairs", "service_desk", "party_building", "custom"]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
Option = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Question(Input, kw_only=True):
    key: Key
    text: LongName
    kind: QuestionKind
    dimension: Dimension = "custom"
    options: list[Option] = []
    required: bool = True


class TemplateIn(Input, kw_only=True):
    name: LongName
    questions: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=40)]


class TemplateOut(Output, kw_only=True):
    id: uuid.UUID
    name: str
    questions: list[dict]
    active: bool


class CampaignIn(Input, kw_only=True):
    """Launch a campaign for the compounds named (the district's or the operator's), from a template."""

    template_id: uuid.UUID
    title: LongName
    compound_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=5000)]
    closes_at: dt.datetime
    anonymous: bool = False


class CampaignOut(Output, kw_only=True):
    id: uuid.UUID
    compound_id: uuid.UUID
    batch_id: uuid.UUID
    kind: str
    title: str
    anonymous: bool
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    households_total: int
    responses: int
    response_rate: str | None
    questions: list[dict]


class ResponseIn(Input, kw_only=True):
    answers: dict[str, Any]


class ResponseOut(Output, kw_only=True):
    campaign_id: uuid.UUID
    revision: int
    submitted_on: dt.date
    answers: dict[str, Any]


class DimensionScore(Output, kw_only=True):
    dimension: str
    score: str
    answers: int


class ScoresOut(Output, kw_only=True):
    """Scores on a 0–100 scale (a rating of 5 is 100, of 1 is 20), per dimension and overall, with the response rate."""

    responses: int
    households_total: int
    response_rate: str | None
    overall: str | None
    dimensions: list[DimensionScore]
    choices: dict[str, dict[str, int]]
