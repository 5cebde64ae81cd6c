"""Inspections (检查考核) and rectification (整改): what the district's inspectors find on site and what the operator must fix.

A plan names the compounds, the dates and the checklist; an inspection records
each checklist item's score (from 0 to the item's maximum) with notes and
photos (attachments of ``quality.inspection``). Findings open a rectification
notice to the compound's operator: items, a deadline in working days, answers
with evidence, acceptance or return of each item, closing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, TenantScoped, UTCDateTime


class InspectionPlan(TenantScoped, Base):
    """An inspection plan (检查计划): which compounds, when, and the checklist."""

    __tablename__ = "quality_inspection_plans"

    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    compound_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    checklist: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """``[{"key", "text", "dimension", "max_score"}]`` (max_score a Decimal string)."""


class Inspection(CompoundScoped, Base):
    """One on-site inspection of a compound; its score is the share of the checklist's points kept, 0–100."""

    __tablename__ = "quality_inspections"
    __table_args__ = (Index("ix_quality_inspections_day", "compound_id", "inspected_on"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    inspector_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    inspector_name: Mapped[str] = mapped_column(String(100), default="")
    score: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2))
    max_total: Mapped[Decimal] = mapped_column(ExactDecimal(10, 2))
    kept_total: Mapped[Decimal] = mapped_column(ExactDecimal(10, 2))
    summary: Mapped[str] = mapped_column(Text, default="")
    rectification_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class InspectionResult(CompoundScoped, Base):
    """One checklist item as found: the score kept, the deduction, a note, and whether it is a finding to fix."""

    __tablename__ = "quality_inspection_results"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "inspection_id"], ["quality_inspections.compound_id", "quality_inspections.id"], ondelete="CASCADE"
        ),
    )

    inspection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(String(300))
    dimension: Mapped[str] = mapped_column(String(40), default="custom")
    max_score: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2))
    score: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    finding: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Rectification(CompoundScoped, Base):
    """A rectification notice (整改通知) to the compound's operator: issued → responded → verified → closed, or returned."""

    __tablename__ = "quality_rectifications"
    __table_args__ = (UniqueConstraint("compound_id", "number"), Index("ix_quality_rectifications_state", "compound_id", "state", "due_at"))

    number: Mapped[str] = mapped_column(String(30))
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The issuing district."""
    operator_tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="issued")
    issued_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    working_days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """When the job found it past its deadline unanswered (the period holding this moment deducts for it)."""
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class RectificationItem(CompoundScoped, Base):
    """One thing to fix: open → answered → accepted, or returned (with a reason) and answered again."""

    __tablename__ = "quality_rectification_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "notice_id"], ["quality_rectifications.compound_id", "quality_rectifications.id"], ondelete="CASCADE"
        ),
    )

    notice_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="open")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str] = mapped_column(Text, default="")
    rounds: Mapped[int] = mapped_column(Integer, default=0)
