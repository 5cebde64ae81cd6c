"""co_building tables: consultation (协商共治) — proposals and co-signers, deliberation meetings, public notices, owners' votes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, UTCDateTime, utcnow

MATTERS = (
    "make_rules",
    "elect_committee",
    "hire_property_company",
    "use_maintenance_fund",
    "other",
    "raise_maintenance_fund",
    "rebuild",
    "change_common_use",
)
"""Civil Code art. 278: items 1–5, 9 (ordinary) and 6–8 (special: raise funds, rebuild, change use of common parts)."""


class Proposal(CompoundScoped, Base):
    """A proposal (议题) by residents; enough co-signers send it to deliberation."""

    __tablename__ = "co_building_proposals"
    __table_args__ = (Index("ix_co_building_proposals_state", "compound_id", "state"),)

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    proposer_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    proposer_name: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="collecting")
    threshold: Mapped[int] = mapped_column(Integer)
    signature_count: Mapped[int] = mapped_column(Integer, default=0)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    outcome: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ProposalSignature(CompoundScoped, Base):
    """A co-signer (联署) of a proposal; one per person."""

    __tablename__ = "co_building_proposal_signatures"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "proposal_id"], ["co_building_proposals.compound_id", "co_building_proposals.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("compound_id", "proposal_id", "user_id"),
    )

    proposal_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeliberationMeeting(CompoundScoped, Base):
    """A deliberation meeting (议事会) on proposals, with participants, minutes and outcome."""

    __tablename__ = "co_building_meetings"

    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default="planned")
    minutes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


class MeetingParticipant(CompoundScoped, Base):
    """Who takes part in a deliberation meeting, on behalf of which party (owners, committee, company, community …)."""

    __tablename__ = "co_building_meeting_participants"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "meeting_id"], ["co_building_meetings.compound_id", "co_building_meetings.id"], ondelete="CASCADE"
        ),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(100))
    side: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)


class PublicNotice(CompoundScoped, Base):
    """A public notice (公示) with its period: residents see it in the portal between ``starts_at`` and ``ends_at``."""

    __tablename__ = "co_building_notices"
    __table_args__ = (Index("ix_co_building_notices_period", "compound_id", "starts_at"),)

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="other")
    """``proposal``, ``meeting``, ``vote`` or ``other``."""
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


class OwnersVote(CompoundScoped, Base):
    """An owners' vote (业主表决) on one matter, counted at close by Civil Code art. 278."""

    __tablename__ = "co_building_votes"
    __table_args__ = (Index("ix_co_building_votes_state", "compound_id", "state"),)

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    matter: Mapped[str] = mapped_column(String(40))
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    total_area: Mapped[Decimal | None] = mapped_column(ExactDecimal(14, 2))
    total_heads: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSON)
    """At close: the four figures (area and head, participation and approval), the rule and whether it passed."""


class VoteRoll(CompoundScoped, Base):
    """The electoral roll fixed when the vote opens: every room, its area and the owner who votes for it."""

    __tablename__ = "co_building_vote_roll"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "vote_id"], ["co_building_votes.compound_id", "co_building_votes.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "vote_id", "room_id"),
        Index("ix_co_building_vote_roll_owner", "compound_id", "vote_id", "owner_key"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_key: Mapped[str] = mapped_column(String(60))
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    area: Mapped[Decimal] = mapped_column(ExactDecimal(10, 2))


class RollLink(CompoundScoped, Base):
    """The committee's correction of a draft vote's roll: the owner of ``room_id`` is the same person as the owner of
    ``same_as_room_id`` (one head, areas summed), with who linked them and when. Frozen when the vote opens."""

    __tablename__ = "co_building_vote_roll_links"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "vote_id"], ["co_building_votes.compound_id", "co_building_votes.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "vote_id", "room_id"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    same_as_room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    linked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    linked_by_name: Mapped[str] = mapped_column(String(100), default="")
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(300), default="")


class Ballot(CompoundScoped, Base):
    """The ballot that counts for one head (one per head); every ballot entered is kept in ``BallotRecord``."""

    __tablename__ = "co_building_ballots"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "vote_id"], ["co_building_votes.compound_id", "co_building_votes.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "vote_id", "owner_key"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_key: Mapped[str] = mapped_column(String(60))
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    choice: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10), default="online")
    """``online`` (the owner in the portal) or ``paper`` (a written ballot recorded by the committee)."""
    cast_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why a paper ballot replaced the owner's online one (e.g. the owner's signed paper form supersedes)."""


class BallotRecord(CompoundScoped, Base):
    """Every ballot ever entered for a head, online or on paper, with who entered it, when and why: the one that counts
    has no ``superseded_at``."""

    __tablename__ = "co_building_ballot_records"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "vote_id"], ["co_building_votes.compound_id", "co_building_votes.id"], ondelete="CASCADE"),
        Index("ix_co_building_ballot_records_head", "compound_id", "vote_id", "owner_key", "entered_at"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_key: Mapped[str] = mapped_column(String(60))
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    room_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The room a paper ballot was entered for (online ballots cast the owner's head)."""
    choice: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    entered_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    entered_by_name: Mapped[str] = mapped_column(String(100), default="")
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    superseded_by_channel: Mapped[str | None] = mapped_column(String(10))


MODELS: list[type] = [
    Proposal,
    ProposalSignature,
    DeliberationMeeting,
    MeetingParticipant,
    PublicNotice,
    OwnersVote,
    VoteRoll,
    RollLink,
    Ballot,
    BallotRecord,
]
