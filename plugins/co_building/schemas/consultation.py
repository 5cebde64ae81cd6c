"""Request and response structs: consultation (proposals, deliberation meetings, public notices, owners' votes)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, LongName, Name, Output

Body = Annotated[str, msgspec.Meta(max_length=10000)]
Matter = Literal[
    "make_rules",
    "elect_committee",
    "hire_property_company",
    "use_maintenance_fund",
    "other",
    "raise_maintenance_fund",
    "rebuild",
    "change_common_use",
]
Choice = Literal["approve", "reject", "abstain"]


class ProposalIn(Input):
    title: LongName
    body: Body = ""


class ProposalOut(Output):
    id: uuid.UUID
    title: str
    body: str
    proposer_name: str
    state: str
    threshold: int
    signature_count: int
    signed_by_me: bool
    meeting_id: uuid.UUID | None
    outcome: str
    created_at: dt.datetime


class DecisionIn(Input):
    decision: Literal["adopted", "rejected", "to_vote"]
    outcome: Body = ""


class ParticipantIn(Input):
    name: Name
    side: Literal["owners", "committee", "property_company", "community", "party_organisation", "department", "other"]
    user_id: uuid.UUID | None = None


class MeetingIn(Input):
    title: LongName
    scheduled_at: dt.datetime
    location: Annotated[str, msgspec.Meta(max_length=200)] = ""
    proposal_ids: list[uuid.UUID] = []
    participants: Annotated[list[ParticipantIn], msgspec.Meta(max_length=200)] = []


class MinutesIn(Input):
    minutes: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    outcome: Body = ""
    attended: list[str] = []
    """Names of the participants who attended."""


class ParticipantOut(Output):
    name: str
    side: str
    attended: bool


class MeetingOut(Output):
    id: uuid.UUID
    title: str
    scheduled_at: dt.datetime
    location: str
    state: str
    minutes: str
    outcome: str
    held_at: dt.datetime | None
    participants: list[ParticipantOut]
    proposals: list[ProposalOut]


class NoticeIn(Input):
    title: LongName
    starts_at: dt.datetime
    ends_at: dt.datetime
    body: Body = ""


class NoticeOut(Output):
    id: uuid.UUID
    title: str
    body: str
    source: str
    source_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    current: bool


class VoteIn(Input):
    title: LongName
    matter: Matter
    closes_at: dt.datetime
    description: Body = ""
    proposal_id: uuid.UUID | None = None


class BallotIn(Input):
    choice: Choice


class PaperBallotIn(Input):
    room_id: uuid.UUID
    choice: Choice


class VoteResult(Output):
    rule: str
    special: bool
    total_area: Decimal
    total_heads: int
    participating_area: Decimal
    participating_heads: int
    approving_area: Decimal
    approving_heads: int
    quorum_met: bool
    passed: bool
    reasons: list[str]


class VoteOut(Output):
    id: uuid.UUID
    title: str
    description: str
    matter: str
    special: bool
    state: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime
    closed_at: dt.datetime | None
    total_area: Decimal | None
    total_heads: int | None
    ballots_cast: int
    my_ballot: str | None
    may_vote: bool
    result: VoteResult | None


class BallotOut(Output):
    owner_name: str
    choice: str
    channel: str
    cast_at: dt.datetime
    changes: int
