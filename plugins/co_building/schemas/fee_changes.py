"""Changing a fee standard in use (调价)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from core.schemas import Input, Output


class FeeChangeIn(Input):
    fee_item_id: uuid.UUID
    unit_price: Decimal
    effective_on: dt.date
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class FeeChangeOut(Output):
    id: uuid.UUID
    fee_item_id: uuid.UUID
    old_unit_price: Decimal
    unit_price: Decimal
    effective_on: dt.date
    reason: str
    state: str
    applied_at: dt.datetime | None
    pre_review: str
