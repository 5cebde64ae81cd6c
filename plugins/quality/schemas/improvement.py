"""Structs of complaint analytics and improvement plans."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, LongName, Name, Output, Text
from plugins.quality.schemas.surveys import ScoresOut


class ActionIn(Input, kw_only=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    owner: Name
    due_on: dt.date


class PlanIn(Input, kw_only=True):
    title: LongName
    problem: Text = ""
    indicator_code: Annotated[str, msgspec.Meta(min_length=3, max_length=80)]
    baseline_start: dt.date
    baseline_end: dt.date
    review_start: dt.date
    review_end: dt.date
    actions: Annotated[list[ActionIn], msgspec.Meta(max_length=30)] = []


class ActionOut(Output, kw_only=True):
    id: uuid.UUID
    text: str
    owner: str
    due_on: dt.date
    done_on: dt.date | None


class PlanOut(Output, kw_only=True):
    id: uuid.UUID
    title: str
    problem: str
    indicator_code: str
    baseline_start: dt.date
    baseline_end: dt.date
    review_start: dt.date
    review_end: dt.date
    before_value: str | None
    after_value: str | None
    state: str
    actions: list[ActionOut]


class Series(Output, kw_only=True):
    label: str
    value: int


class ComplaintAnalytics(Output, kw_only=True):
    """Complaints in [start, end): top categories, hot spots by building, repeat households (30 days), monthly trend."""

    total: int
    categories: list[Series]
    buildings: list[Series]
    repeat_households: int
    repeats: list[Series]
    months: list[Series]


class LoopMonth(Output, kw_only=True):
    month: str
    filed: int
    completed: int
    rated: int


class LoopOut(Output, kw_only=True):
    """需求表达 → 服务满足 → 评价参与 over [start, end) for one compound or a district's compounds."""

    start: dt.date
    end: dt.date
    compounds: int
    demand: list[Series]
    filed: int
    completed: int
    rated: int
    mean_rating: str | None
    months: list[LoopMonth]
    survey: ScoresOut
    stars: list[Series]
    """How many compounds hold 1…5 stars in their latest published period."""
