"""Structs of the indicator catalogue, schemes, periods and scores."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Output, Text

Code = Annotated[str, msgspec.Meta(min_length=3, max_length=80, pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")]
Unit = Annotated[str, msgspec.Meta(max_length=20)]


class IndicatorOut(Output, kw_only=True):
    """One entry of the catalogue: declared by a plugin (``source = plugin``) or kept by the district (``manual``)."""

    code: str
    source: Literal["plugin", "manual"]
    plugin: str
    label_zh: str
    label_en: str
    dimension: str
    unit: str
    higher_is_better: bool
    target: str | None
    weight: str | None
    method: str


class ManualIndicatorIn(Input, kw_only=True):
    code: Code
    label_zh: LongName
    label_en: Annotated[str, msgspec.Meta(max_length=200)] = ""
    dimension: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "custom"
    unit: Unit = "score"
    higher_is_better: bool = True
    target: Decimal | None = None
    method: Text = ""


class SchemeItemIn(Input, kw_only=True):
    code: Code
    weight: Decimal
    target: Decimal | None = None
    """Default: the indicator's declared target."""
    zero_at: Decimal | None = None
    """Where the item scores 0; default 0 for higher-is-better, twice the target for lower-is-better."""


class SchemeIn(Input, kw_only=True):
    name: LongName
    items: Annotated[list[SchemeItemIn], msgspec.Meta(min_length=1, max_length=60)]
    star_thresholds: Annotated[list[Decimal], msgspec.Meta(min_length=4, max_length=4)]
    overdue_deduction: Decimal = Decimal("0")
    deduction_cap: Decimal | None = None
    note: Text = ""


class SchemeItemOut(Output, kw_only=True):
    code: str
    source: str
    label_zh: str
    label_en: str
    unit: str
    weight: str
    target: str
    zero_at: str
    higher_is_better: bool


class SchemeOut(Output, kw_only=True):
    id: uuid.UUID
    name: str
    items: list[SchemeItemOut]
    star_thresholds: list[str]
    overdue_deduction: str
    deduction_cap: str | None
    note: str


class PeriodIn(Input, kw_only=True):
    scheme_id: uuid.UUID
    name: LongName
    starts_on: dt.date
    ends_on: dt.date


class PeriodOut(Output, kw_only=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date
    state: str
    allowed: list[str]
    computed_at: dt.datetime | None
    published_at: dt.datetime | None


class PeriodMoveIn(Input, kw_only=True):
    action: Literal["compute", "review", "publish", "reopen"]


class ManualValueIn(Input, kw_only=True):
    code: Code
    value: Decimal


class ScoreItemOut(Output, kw_only=True):
    code: str
    label_zh: str
    value: str | None
    weight: str
    score: str | None


class CompoundScoreOut(Output, kw_only=True):
    compound_id: uuid.UUID
    compound_name: str
    period_id: uuid.UUID
    period_name: str
    composite: str
    stars: int
    deduction: str
    rank_community: int
    rank_street: int
    rank_district: int
    tied: bool
    items: list[ScoreItemOut]


class OperatorScoreOut(Output, kw_only=True):
    operator_tenant_id: uuid.UUID
    operator_name: str
    compounds: int
    composite: str
    stars: int
    rank: int
    tied: bool
