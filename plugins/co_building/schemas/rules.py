"""The rules register (制度)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Output

RuleKind = Literal["committee_rules", "management_statute", "service_standards", "other"]
RuleText = Annotated[str, msgspec.Meta(max_length=50000)]


class RuleIn(Input):
    kind: RuleKind
    title: LongName
    effective_from: dt.date
    body: RuleText = ""


class RuleVersionIn(Input):
    effective_from: dt.date
    body: RuleText = ""
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""


class RuleVersionOut(Output):
    id: uuid.UUID
    series_id: uuid.UUID
    kind: str
    title: str
    body: str
    level: str
    version: int
    effective_from: dt.date
    effective_until: dt.date | None
    status: str
    in_force: bool
    published_at: dt.datetime | None


class RuleOut(Output):
    series_id: uuid.UUID
    kind: str
    title: str
    in_force: RuleVersionOut | None
    history: list[RuleVersionOut]


class CommunityRuleIn(Input):
    community_id: uuid.UUID
    kind: RuleKind
    title: LongName
    effective_from: dt.date
    body: RuleText = ""


class CommunityRuleOut(Output):
    series_id: uuid.UUID
    version: int
    status: str
    compounds: list[uuid.UUID]
