"""The district targets and required meeting frequencies."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, ExactDecimal, TenantScoped

# --------------------------------------------------------------------------- district targets


class DistrictTargets(TenantScoped, Base):
    """What a district expects of its compounds (targets of the indicators)."""

    __tablename__ = "party_district_targets"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    committee_party_share: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("50"))
    """Owners' committee members who are party members, in %."""
    secretary_on_committee: Mapped[bool] = mapped_column(Boolean, default=True)
    """The branch secretary sits on the owners' committee (交叉任职)."""
    coverage: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("100"))
    action_items_on_time: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2), default=Decimal("90"))
    study_hours_per_member: Mapped[Decimal] = mapped_column(ExactDecimal(6, 1), default=Decimal("32"))
    """Hours per member per year."""


class MeetingRequirement(TenantScoped, Base):
    """How often a district requires a kind of meeting (e.g. a joint meeting every month)."""

    __tablename__ = "party_meeting_requirements"
    __table_args__ = (UniqueConstraint("tenant_id", "kind"),)

    kind: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(10))
    minimum: Mapped[int] = mapped_column(Integer, default=1)
