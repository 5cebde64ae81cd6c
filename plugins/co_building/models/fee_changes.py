"""co_building tables: a change of a fee standard in use (调价) — it takes effect only after the community party
organisation's pre-review (前置把关, standard §4) approved it, on or after its date."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, ExactDecimal, UTCDateTime


class FeeChange(CompoundScoped, Base):
    """A proposed new unit price for a fee item: ``proposed`` → ``applied`` (the item's price changes) or ``withdrawn``."""

    __tablename__ = "co_building_fee_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["compound_id", "fee_item_id"], ["co_building_fee_items.compound_id", "co_building_fee_items.id"], ondelete="CASCADE"
        ),
    )

    fee_item_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    old_unit_price: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="proposed")
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))


MODELS: list[type] = [FeeChange]
