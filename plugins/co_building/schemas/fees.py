"""Request and response structs: property fees."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from core.schemas import Input, Name, Output

Period = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class FeeItemIn(Input):
    name: Name
    kind: Literal["area", "fixed", "metered"]
    unit_price: Decimal
    """Yuan per m² per month (area), per room per month (fixed) or per unit (metered); up to 4 decimals."""
    unit: Annotated[str, msgspec.Meta(max_length=20)] = ""
    due_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 30
    active: bool = True
    area_basis: Literal["building", "exclusive"] = "building"
    """For ``area`` items: the building area (建筑面积, most contracts) or the exclusive area (专有部分面积)."""


class FeeItemOut(Output):
    id: uuid.UUID
    name: str
    kind: str
    unit_price: Decimal
    unit: str
    due_days: int
    active: bool
    area_basis: str = "building"


class FeeTermsIn(Input):
    """The contract's late-fee terms (滞纳金); rates as decimals (0.0005 = 万分之五 a day; cap 0.2 = 20 % of the debt)."""

    late_fee_daily_rate: Decimal
    late_fee_cap_rate: Decimal
    grace_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 0
    contract_clause: Annotated[str, msgspec.Meta(max_length=300)] = ""


class FeeTermsOut(Output):
    late_fee_daily_rate: Decimal | None
    late_fee_cap_rate: Decimal | None
    grace_days: int
    contract_clause: str
    rule: str


class MeterReadingIn(Input):
    fee_item_id: uuid.UUID
    room_id: uuid.UUID
    period: Period
    quantity: Decimal


class GenerateBillsIn(Input):
    period: Period


class GenerateBillsOut(Output):
    period: str
    created: int
    skipped: int


class BillLineOut(Output):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount_fen: int


class BillOut(Output):
    id: uuid.UUID
    room_id: uuid.UUID
    room_label: str
    period: str
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    status: str
    due_on: dt.date
    overdue: bool
    reminder_count: int
    lines: list[BillLineOut] = []
    late_fee_fen: int = 0
    """The late fee (滞纳金) accrued today by the compound's terms: whole fen, rounded half up once, capped."""
    late_fee_days: int = 0


class PaymentIn(Input):
    amount_fen: int
    method: Literal["cash", "transfer", "provider"]
    provider: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    reference: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


class PaymentOut(Output):
    id: uuid.UUID
    bill_id: uuid.UUID
    amount_fen: int
    method: str
    provider: str | None
    provider_reference: str | None
    status: str
    receipt_no: str | None
    paid_at: dt.datetime | None
    instructions: str = ""


class ArrearsRow(Output):
    building: str
    rooms_owing: int
    bills: int
    outstanding_fen: int


class ReminderOut(Output):
    bills: int
    notified: int


class ProviderOut(Output):
    name: str
    label_zh: str
    label_en: str
