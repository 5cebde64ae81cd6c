"""Request and response bodies of social forces, publicity and model selections."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from core.schemas import Input, LongName, Name, Output, Text

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class ForceIn(Input):
    kind: Code
    name: LongName
    contact_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    contact_phone: Annotated[str, msgspec.Meta(pattern=r"^1[3-9][0-9]{9}$")] | None = None
    description: Text = ""


class ForceOut(Output):
    id: uuid.UUID
    kind: str
    name: str
    contact_name: str
    contact_phone: str | None
    """Masked for callers who do not manage the registry."""
    description: str
    projects: int


class ProjectIn(Input):
    title: LongName
    starts_on: dt.date
    compound_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=200)] = []
    ends_on: dt.date | None = None
    description: Text = ""


class ProjectOut(Output):
    id: uuid.UUID
    force_id: uuid.UUID
    force_name: str
    title: str
    description: str
    starts_on: dt.date
    ends_on: dt.date | None
    compound_ids: list[uuid.UUID]


class ArticleIn(Input):
    kind: Code
    title: LongName
    body: Annotated[str, msgspec.Meta(max_length=20000)] = ""
    theme: Code = "other"
    compound_id: uuid.UUID | None = None


class ArticleOut(Output):
    id: uuid.UUID
    kind: str
    theme: str
    title: str
    body: str
    compound_id: uuid.UUID | None
    author_label: str
    published_at: dt.datetime


class SelectionIn(Input):
    kind: Code
    title: LongName
    description: Text = ""


class SelectionMoveIn(Input):
    action: Code


class NominationIn(Input):
    nominee: Name
    reason: Text = ""


class ReviewIn(Input):
    approve: bool
    note: Annotated[str, msgspec.Meta(max_length=300)] = ""


class VoteIn(Input):
    nomination_id: uuid.UUID


class NominationOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    compound_name: str
    nominee: str
    reason: str
    status: str
    review_note: str
    votes: int


class SelectionOut(Output):
    id: uuid.UUID
    kind: str
    title: str
    description: str
    state: str
    allowed: list[str]
    nominations: list[NominationOut]
    """The approved ones for residents; all for the community."""
    my_vote: uuid.UUID | None
    total_votes: int
