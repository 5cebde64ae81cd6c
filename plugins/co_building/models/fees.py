"""co_building tables: property fees — fee items, meter readings, bills per room and period, payments and receipts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, UTCDateTime, utcnow

FEE_KINDS = ("area", "fixed", "metered")
"""``area``: per m² of the room's area per month; ``fixed``: per room per month; ``metered``: per unit read on a meter."""
PAYMENT_METHODS = ("cash", "transfer", "provider")
BILL_STATUSES = ("unpaid", "partial", "paid")


class FeeItem(CompoundScoped, Base):
    """A fee standard of the compound (收费项目), priced in yuan with up to four decimals; bills are in fen."""

    __tablename__ = "co_building_fee_items"
    __table_args__ = (UniqueConstraint("compound_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    unit: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    due_days: Mapped[int] = mapped_column(Integer, default=30)
    """Days after the period's first day by which the bill is due."""
    area_basis: Mapped[str] = mapped_column(String(10), default="building")
    """For ``area`` items: ``building`` (建筑面积, what most property service contracts charge on) or ``exclusive``
    (专有部分面积, the vote weight)."""


class FeeTerms(CompoundScoped, Base):
    """The compound's late-fee terms (滞纳金) from the property service contract, where it has them: a daily rate on the
    outstanding amount from the day after the due date (after any grace days), capped at a share of that amount."""

    __tablename__ = "co_building_fee_terms"
    __table_args__ = (UniqueConstraint("compound_id", name="uq_co_building_fee_terms_compound_id"),)

    late_fee_daily_rate: Mapped[Decimal] = mapped_column(ExactDecimal(8, 6))
    """E.g. 0.0005 (万分之五 a day)."""
    late_fee_cap_rate: Mapped[Decimal] = mapped_column(ExactDecimal(6, 4))
    """The most a bill's late fee reaches, as a share of its outstanding amount (at most 1: never more than the debt)."""
    grace_days: Mapped[int] = mapped_column(Integer, default=0)
    contract_clause: Mapped[str] = mapped_column(String(300), default="")
    """Where the contract says so (e.g. 《物业服务合同》第十二条)."""


class MeterReading(CompoundScoped, Base):
    """A room's meter reading for a metered fee item and a period (``YYYY-MM``)."""

    __tablename__ = "co_building_meter_readings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "fee_item_id"], ["co_building_fee_items.compound_id", "co_building_fee_items.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "fee_item_id", "room_id", "period"),
    )

    fee_item_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(7))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(12, 3))


class Bill(CompoundScoped, Base):
    """What one room owes for one period (账单)."""

    __tablename__ = "co_building_bills"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "room_id", "period"),
        Index("ix_co_building_bills_status", "compound_id", "status", "period", postgresql_include=["amount_fen", "paid_fen", "due_on"]),
        Index("ix_co_building_bills_period", "compound_id", "period", postgresql_include=["amount_fen", "paid_fen"]),
    )

    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="unpaid")
    due_on: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)


class BillLine(CompoundScoped, Base):
    """One fee item on a bill: quantity × unit price, rounded half up to the fen."""

    __tablename__ = "co_building_bill_lines"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "bill_id"], ["co_building_bills.compound_id", "co_building_bills.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["compound_id", "fee_item_id"], ["co_building_fee_items.compound_id", "co_building_fee_items.id"], ondelete="RESTRICT"
        ),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    fee_item_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(12, 3))
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    amount_fen: Mapped[int] = mapped_column(Integer)


class Payment(CompoundScoped, Base):
    """Money received against a bill, with its receipt number; a repeated ``Idempotency-Key`` finds this row again."""

    __tablename__ = "co_building_payments"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "bill_id"], ["co_building_bills.compound_id", "co_building_bills.id"], ondelete="RESTRICT"),
        UniqueConstraint("compound_id", "idempotency_key", name="uq_co_building_payments_idempotency_key"),
        UniqueConstraint("compound_id", "receipt_no", name="uq_co_building_payments_receipt_no"),
        Index("ix_co_building_payments_status", "compound_id", "status", "created_at"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount_fen: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="succeeded")
    """``pending`` while a provider has not confirmed it (offline: until staff confirm the money arrived); ``succeeded``; ``cancelled``."""
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    receipt_no: Mapped[str | None] = mapped_column(String(40))
    recorded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(200), default="")


MODELS: list[type] = [FeeItem, FeeTerms, MeterReading, Bill, BillLine, Payment]
