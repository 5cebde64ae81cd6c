"""co_building tables of red volunteers (红色志愿): profiles, teams, activities and sign-ups, the append-only
points ledger (积分) and the rewards shop."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, UTCDateTime
from core.identity.phones import sealed_phone

SIGNUP_STATES = ("signed_up", "waiting", "checked_in", "checked_out", "cancelled")
ACTIVITY_STATES = ("open", "cancelled")
POINTS_RULES = ("per_hour", "fixed")
LEDGER_KINDS = ("earn", "redeem", "refund", "adjust")
REDEMPTION_STATES = ("pending", "delivered", "cancelled")


class VolunteerTeam(CompoundScoped, Base):
    """A volunteer team (志愿服务队) of the compound, e.g. the party members' vanguard team."""

    __tablename__ = "co_building_volunteer_teams"
    __table_args__ = (UniqueConstraint("compound_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")


class Volunteer(sealed_phone("phone", indexed=False), CompoundScoped, Base):
    """A volunteer profile: a resident or a staff member; ``points_balance`` is the ledger's running sum.

    ``phone`` and ``is_party_member`` are personal data, shown only to roles holding
    ``co_building.volunteer_pii``.
    """

    __tablename__ = "co_building_volunteers"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "team_id"], ["co_building_volunteer_teams.compound_id", "co_building_volunteer_teams.id"]),
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),
        Index(
            "uq_co_building_volunteers_user",
            "compound_id",
            "user_id",
            unique=True,
            sqlite_where=text("user_id IS NOT NULL"),
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index("ix_co_building_volunteers_user", "user_id"),
        CheckConstraint("points_balance >= 0", name="balance_not_negative"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    team_role: Mapped[str] = mapped_column(String(10), default="member")  # leader, member
    name: Mapped[str] = mapped_column(String(100))
    # phone: sealed at rest (phone_cipher), core.identity.phones
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    points_balance: Mapped[int] = mapped_column(Integer, default=0)
    """Changed only together with a ledger row, by a conditional update that never lets it go below zero."""


class VolunteerActivity(CompoundScoped, Base):
    """A volunteer activity with a capacity, a points rule and a secret check-in token (shown as a QR code on site)."""

    __tablename__ = "co_building_volunteer_activities"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "team_id"], ["co_building_volunteer_teams.compound_id", "co_building_volunteer_teams.id"]),
        Index("ix_co_building_volunteer_activities_start", "compound_id", "starts_at"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("signed_up >= 0 AND signed_up <= capacity", name="signed_up_within_capacity"),
        CheckConstraint("points_value >= 0", name="points_not_negative"),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    signed_up: Mapped[int] = mapped_column(Integer, default=0)
    """Places taken (signed up, checked in or out); kept by conditional updates so it never passes ``capacity``."""
    points_rule: Mapped[str] = mapped_column(String(10), default="per_hour")
    points_value: Mapped[int] = mapped_column(Integer, default=10)
    """Points per hour served (``per_hour``) or for taking part (``fixed``)."""
    checkin_token: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


class ActivitySignup(CompoundScoped, Base):
    """A volunteer's place in an activity: signed up or waiting, then checked in and out; or cancelled."""

    __tablename__ = "co_building_activity_signups"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "activity_id"],
            ["co_building_volunteer_activities.compound_id", "co_building_volunteer_activities.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["compound_id", "volunteer_id"], ["co_building_volunteers.compound_id", "co_building_volunteers.id"], ondelete="CASCADE"
        ),
        Index(
            "uq_co_building_activity_signups_live",
            "compound_id",
            "activity_id",
            "volunteer_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_co_building_activity_signups_volunteer", "compound_id", "volunteer_id"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
    )

    activity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    """When the volunteer joined the activity or its waiting list: the waiting list moves up in this order."""
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    checked_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    hours: Mapped[Decimal | None] = mapped_column(ExactDecimal(6, 2))
    points: Mapped[int | None] = mapped_column(Integer)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PointsEntry(CompoundScoped, Base):
    """One line of the points ledger (积分台账): append-only, never updated or deleted.

    ``balance_after`` is the volunteer's balance once this line is applied, so the
    ledger reads like a bank statement and can be checked against the running sum.
    """

    __tablename__ = "co_building_points_ledger"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "volunteer_id"], ["co_building_volunteers.compound_id", "co_building_volunteers.id"]),
        ForeignKeyConstraint(["compound_id", "signup_id"], ["co_building_activity_signups.compound_id", "co_building_activity_signups.id"]),
        ForeignKeyConstraint(["compound_id", "redemption_id"], ["co_building_redemptions.compound_id", "co_building_redemptions.id"]),
        Index("ix_co_building_points_ledger_volunteer", "compound_id", "volunteer_id", "id"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        CheckConstraint("delta <> 0", name="delta_not_zero"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(300), default="")
    signup_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    redemption_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


class LedgerIsAppendOnly(RuntimeError):
    """Someone tried to change or remove a points ledger line (the database refuses it too)."""


@event.listens_for(PointsEntry, "before_update")
@event.listens_for(PointsEntry, "before_delete")
def _refuse_ledger_change(_mapper, _connection, entry: PointsEntry) -> None:
    raise LedgerIsAppendOnly(f"points ledger line {entry.id} cannot be changed or removed; add a correcting line instead")


class Reward(CompoundScoped, Base):
    """An item of the rewards shop (积分兑换) with its price in points and its stock."""

    __tablename__ = "co_building_rewards"
    __table_args__ = (
        UniqueConstraint("compound_id", "name"),
        CheckConstraint("points_cost >= 1", name="cost_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    points_cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Redemption(CompoundScoped, Base):
    """A volunteer's redemption of a reward: pending until handed over (delivered), or cancelled with a refund."""

    __tablename__ = "co_building_redemptions"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "reward_id"], ["co_building_rewards.compound_id", "co_building_rewards.id"]),
        ForeignKeyConstraint(["compound_id", "volunteer_id"], ["co_building_volunteers.compound_id", "co_building_volunteers.id"]),
        Index("ix_co_building_redemptions_volunteer", "compound_id", "volunteer_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    reward_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    handled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


MODELS: list[type] = [VolunteerTeam, Volunteer, VolunteerActivity, ActivitySignup, PointsEntry, Reward, Redemption]
