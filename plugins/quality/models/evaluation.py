"""Evaluation (考核评价): manual indicators, the district's schemes, evaluation periods and the scores they produce.

A scheme chooses indicators (declared by the enabled plugins, or manual ones
the district keeps) with weights summing to 100, targets, the value at which an
item scores nothing, deductions and the star thresholds. A period applies a
scheme to the district's compounds over [start, end); its scores are frozen
once it is published.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, TenantScoped, UTCDateTime


class ManualIndicator(TenantScoped, Base):
    """An indicator inspectors enter by hand per compound and period (e.g. 消防设施完好率 from a site visit)."""

    __tablename__ = "quality_manual_indicators"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(80))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    dimension: Mapped[str] = mapped_column(String(40), default="custom")
    unit: Mapped[str] = mapped_column(String(20), default="score")
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    target: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 4))
    method: Mapped[str] = mapped_column(Text, default="")
    """How it is measured (计算方法)."""


class Scheme(TenantScoped, Base):
    """A district's evaluation scheme (考核方案)."""

    __tablename__ = "quality_schemes"

    name: Mapped[str] = mapped_column(String(200))
    star_thresholds: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Minimum composite (Decimal strings) for 2, 3, 4 and 5 stars; below the first is one star."""
    overdue_deduction: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2), default=Decimal("0"))
    """Points off the composite for each rectification notice that fell overdue in the period."""
    deduction_cap: Mapped[Decimal | None] = mapped_column(ExactDecimal(8, 2))
    """At most this many points off in one period (None: no cap)."""
    note: Mapped[str] = mapped_column(Text, default="")


class SchemeItem(TenantScoped, Base):
    """One indicator of a scheme with its weight, target and the value where it scores zero."""

    __tablename__ = "quality_scheme_items"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("quality_schemes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))
    """``plugin`` (computed through redprop_indicators) or ``manual`` (entered per compound)."""
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(20), default="")
    weight: Mapped[Decimal] = mapped_column(ExactDecimal(8, 4))
    target: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    zero_at: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Period(TenantScoped, Base):
    """An evaluation period (考核周期) of a district: draft → computed → reviewed → published."""

    __tablename__ = "quality_periods"

    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("quality_schemes.id"))
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    """Exclusive."""
    state: Mapped[str] = mapped_column(String(20), default="draft")
    scheme_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    """The scheme as computed (items, thresholds, deductions), so a later edit of the scheme changes no result."""
    computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ManualValue(CompoundScoped, Base):
    """A manual indicator's value for a compound in a period."""

    __tablename__ = "quality_manual_values"
    __table_args__ = (UniqueConstraint("compound_id", "period_id", "code"),)

    period_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("quality_periods.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(80))
    value: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    entered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class CompoundScore(CompoundScoped, Base):
    """A compound's result in a period: the items, deductions, composite, stars and its three ranks."""

    __tablename__ = "quality_compound_scores"
    __table_args__ = (UniqueConstraint("compound_id", "period_id"),)

    period_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("quality_periods.id", ondelete="CASCADE"), index=True)
    operator_tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    community_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    street_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    items: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """``[{"code", "value", "score", "weight"}]`` with Decimal strings (None where no data)."""
    deduction: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2), default=Decimal("0"))
    composite: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2))
    stars: Mapped[int] = mapped_column(Integer)
    rank_community: Mapped[int] = mapped_column(Integer, default=0)
    rank_street: Mapped[int] = mapped_column(Integer, default=0)
    rank_district: Mapped[int] = mapped_column(Integer, default=0)
    tied: Mapped[bool] = mapped_column(Boolean, default=False)
    """Shares its district rank with another compound."""


class OperatorScore(TenantScoped, Base):
    """An operating enterprise's result in a district's period: the mean of its compounds' composites."""

    __tablename__ = "quality_operator_scores"
    __table_args__ = (UniqueConstraint("period_id", "operator_tenant_id"),)

    period_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("quality_periods.id", ondelete="CASCADE"), index=True)
    operator_tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    compounds: Mapped[int] = mapped_column(Integer)
    composite: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2))
    stars: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    tied: Mapped[bool] = mapped_column(Boolean, default=False)
