"""Satisfaction surveys (满意度测评): questionnaire templates, campaigns sent to a compound's households, and their responses.

A campaign copies its template's questions, so editing a template never changes
what was asked. One response per household and campaign: ``household_key`` is
the household's id, or — in an anonymous campaign — a keyed digest of it that
nobody can reverse once the campaign closes (its salt is erased then), and the
row keeps no user, household or precise time.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, Date, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, TenantScoped, UTCDateTime

QUESTION_KINDS = ("rating", "single", "multiple", "text")
DIMENSIONS = ("cleaning", "security", "greening", "repairs", "service_desk", "party_building", "custom")
CAMPAIGN_KINDS = ("campaign", "follow_up")


class SurveyTemplate(TenantScoped, Base):
    """A questionnaire (问卷) a district or an enterprise keeps for its campaigns."""

    __tablename__ = "quality_survey_templates"

    name: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """``[{"key", "text", "kind", "dimension", "options", "required"}]``; ratings are 1–5."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Campaign(CompoundScoped, Base):
    """One compound's share of a survey campaign (测评活动), or the short follow-up of one completed work order."""

    __tablename__ = "quality_campaigns"
    __table_args__ = (
        UniqueConstraint("compound_id", "request_id", name="uq_quality_campaigns_request"),
        Index("ix_quality_campaigns_batch", "batch_id"),
    )

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """Who launched it (the district or the operator); None for a work order's follow-up."""
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """Campaigns launched together for several compounds share it."""
    kind: Mapped[str] = mapped_column(String(20), default="campaign")
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    salt: Mapped[str | None] = mapped_column(String(64))
    """Anonymous campaigns: with the platform's secret it keys the household digest; erased at close."""
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default="open")
    households_total: Mapped[int] = mapped_column(Integer, default=0)
    """Households invited when it opened: the response rate's denominator."""
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """A follow-up's work order (co_building's request id, known only through its events)."""
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """A follow-up goes to the one household that filed the order."""


class Response(CompoundScoped, Base):
    """A household's answers to a campaign; a new submission replaces the earlier one until the campaign closes."""

    __tablename__ = "quality_responses"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "campaign_id"], ["quality_campaigns.compound_id", "quality_campaigns.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "campaign_id", "household_key", name="uq_quality_responses_household"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    household_key: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """None in an anonymous campaign."""
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """Who answered; None in an anonymous campaign."""
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    """The day (never the time: an anonymous answer must not be matched to a login by its moment)."""
    revision: Mapped[int] = mapped_column(Integer, default=1)
