"""co_building tables of featured services (物业特色服务: catalogue, time slots, bookings) and the care list
(关爱对象: people the property company looks after, their scheduled visits)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime
from core.identity.phones import sealed_phone

SERVICE_CATEGORIES = ("home_repair", "cleaning", "parcel", "elder_visit", "other")
BOOKING_STATES = ("booked", "confirmed", "completed", "cancelled", "no_show")
CARE_CATEGORIES = ("elderly_alone", "disabled", "difficulty", "other")
VISIT_STATES = ("planned", "done", "missed")


class FeaturedService(CompoundScoped, Base):
    """A service of the compound's catalogue (特色服务), e.g. home repair, cleaning, parcel keeping, elder visits."""

    __tablename__ = "co_building_services"
    __table_args__ = (
        UniqueConstraint("compound_id", "name"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
        CheckConstraint("cancel_before_hours >= 0", name="cancel_window_not_negative"),
    )

    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    price_fen: Mapped[int] = mapped_column(Integer)
    """Price per booking in fen (0 = free); money is never a float."""
    cancel_before_hours: Mapped[int] = mapped_column(Integer, default=24)
    """A resident cancels free of charge until this many hours before the slot starts."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceSlot(CompoundScoped, Base):
    """A time slot of a service with a capacity; ``booked`` counts its live bookings (kept by conditional updates)."""

    __tablename__ = "co_building_service_slots"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "service_id"], ["co_building_services.compound_id", "co_building_services.id"], ondelete="CASCADE"
        ),
        Index("ix_co_building_service_slots_start", "compound_id", "service_id", "starts_at"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class ServiceBooking(CompoundScoped, Base):
    """A resident's booking of a slot: booked → confirmed → completed; cancelled or no-show on the way."""

    __tablename__ = "co_building_service_bookings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "slot_id"], ["co_building_service_slots.compound_id", "co_building_service_slots.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),
        Index("ix_co_building_service_bookings_user", "user_id"),
        Index("ix_co_building_service_bookings_slot", "compound_id", "slot_id"),
        # one live booking per resident and slot; a cancelled one may be booked again
        Index(
            "uq_co_building_service_bookings_live",
            "compound_id",
            "slot_id",
            "resident_id",
            unique=True,
            sqlite_where=text("status IN ('booked', 'confirmed')"),
            postgresql_where=text("status IN ('booked', 'confirmed')"),
        ),
    )

    slot_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    resident_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    """The account that booked (the resident, or the staff member booking for them by phone)."""
    price_fen: Mapped[int] = mapped_column(Integer)
    """The price when booked: a later price change does not touch existing bookings."""
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="booked")
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")


class CareSubject(sealed_phone("phone", indexed=False), CompoundScoped, Base):
    """A person on the care list (关爱对象): elderly living alone, disabled, a household in difficulty.

    ``phone`` and the ID-card columns carry the names the audit log masks and redacts.
    """

    __tablename__ = "co_building_care_subjects"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "resident_id"], ["residents.compound_id", "residents.id"]),
        ForeignKeyConstraint(["compound_id", "household_id"], ["households.compound_id", "households.id"]),
        CheckConstraint("visit_every_days BETWEEN 1 AND 90", name="visit_frequency"),
    )

    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    household_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    address: Mapped[str] = mapped_column(String(200), default="")
    # phone: sealed at rest (phone_cipher), core.identity.phones
    id_card_cipher: Mapped[bytes | None] = mapped_column()
    id_card_index: Mapped[str | None] = mapped_column(String(40))
    needs: Mapped[str] = mapped_column(Text, default="")
    """What the person needs (medicine, meals, a call every evening …)."""
    visit_every_days: Mapped[int] = mapped_column(Integer, default=7)
    responsible_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CareVisit(CompoundScoped, Base):
    """A visit to a person on the care list: planned by the job with a due date, then done or missed."""

    __tablename__ = "co_building_care_visits"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "subject_id"], ["co_building_care_subjects.compound_id", "co_building_care_subjects.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("compound_id", "subject_id", "due_on"),
        Index("ix_co_building_care_visits_status", "compound_id", "status", "due_on"),
    )

    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_on: Mapped[dt.date] = mapped_column(Date)
    """The last day (tenant's time zone) by which the visit is due."""
    status: Mapped[str] = mapped_column(String(10), default="planned")
    visited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    visited_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    visitor_name: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """When the job found the visit missed (and told the managers)."""


MODELS: list[type] = [FeaturedService, ServiceSlot, ServiceBooking, CareSubject, CareVisit]
