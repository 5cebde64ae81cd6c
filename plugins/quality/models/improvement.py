"""Improvement (服务改进): quality's own projection of co_building's requests, and improvement plans with actions.

``RequestFact`` is filled only from co_building's events (filed, completed,
rated) — quality never reads co_building's tables — and feeds the complaint
analytics and the closed-loop view.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, UTCDateTime


class RequestFact(CompoundScoped, Base):
    """What quality knows of one co_building request (id = the request's id)."""

    __tablename__ = "quality_request_facts"
    __table_args__ = (Index("ix_quality_request_facts_filed", "compound_id", "filed_at"),)

    number: Mapped[str] = mapped_column(String(30), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    category: Mapped[str] = mapped_column(String(30), default="")
    room_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    building_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    filed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)


class ImprovementPlan(CompoundScoped, Base):
    """An improvement plan (改进计划) for a compound: the indicator it should move, with its before and after figures."""

    __tablename__ = "quality_improvement_plans"

    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    indicator_code: Mapped[str] = mapped_column(String(80))
    baseline_start: Mapped[dt.date] = mapped_column(Date)
    baseline_end: Mapped[dt.date] = mapped_column(Date)
    review_start: Mapped[dt.date] = mapped_column(Date)
    review_end: Mapped[dt.date] = mapped_column(Date)
    before_value: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 4))
    after_value: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 4))
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ImprovementAction(CompoundScoped, Base):
    """One action of a plan: what, who owns it, by when, done or not."""

    __tablename__ = "quality_improvement_actions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "plan_id"], ["quality_improvement_plans.compound_id", "quality_improvement_plans.id"], ondelete="CASCADE"
        ),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
