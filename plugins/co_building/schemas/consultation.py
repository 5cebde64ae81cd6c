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
    raised_by_me: bool = False
    """The caller raised it (and so cannot co-sign it)."""


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
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    """Required when the owner has already voted online: why the paper ballot supersedes it (the owner is told)."""


class RollLinkIn(Input):
    room_id: uuid.UUID
    same_as_room_id: uuid.UUID
    """The owner of ``room_id`` is the same person as the owner of this room: one head, areas summed."""
    note: Annotated[str, msgspec.Meta(max_length=300)] = ""


class RollRoomOut(Output):
    room_id: uuid.UUID
    room_label: str
    area: Decimal
    linked_to_room_id: uuid.UUID | None
    linked_by: str | None
    linked_at: dt.datetime | None
    note: str


class RollHeadOut(Output):
    """One head on a vote's roll: an owner (a person, however many rooms), or the developer's rooms together."""

    owner_key: str
    owner_name: str
    developer: bool
    area: Decimal
    rooms: list[RollRoomOut]


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
    ballots_entered: int = 0
    """Every ballot entered, superseded ones included (the history)."""
    paper_over_online: int = 0
    """Heads whose online ballot a paper ballot replaced, with a stated reason."""


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
    pre_review: str | None = None
    """Where the community party organisation's pre-review stands (``core.review.STATES``); None: the matter needs none."""
    pre_review_opinion: str = ""
    pre_review_conditions: str = ""
    pre_review_by: str = ""


class BallotOut(Output):
    """A ballot entered for a head: the one that ``counts``, or one it superseded (kept with who, when and why)."""

    owner_name: str
    choice: str
    channel: str
    cast_at: dt.datetime
    changes: int
    entered_by: str = ""
    reason: str = ""
    room_label: str | None = None
    counts: bool = True
    superseded_at: dt.datetime | None = None
