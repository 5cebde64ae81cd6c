"""Tables of parcel_lockers (快递柜): the compound's lockers and the parcels checked into them.

Both are compound-scoped (compound_id first in every key, row-level security in the migration). A parcel keeps only
the SHA-256 digest of its pickup code, never the code, and the recipient's phone only masked.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.public import Base, CompoundScoped, UTCDateTime


class Locker(CompoundScoped, Base):
    """A parcel locker (快递柜) standing in the compound, with a number of compartments (格口)."""

    __tablename__ = "parcel_lockers_lockers"

    name: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200), default="")
    compartments: Mapped[int] = mapped_column(Integer)


class Parcel(CompoundScoped, Base):
    """A parcel a member of staff checked into a locker compartment for a resident: waiting, then picked up."""

    __tablename__ = "parcel_lockers_parcels"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "locker_id"], ["parcel_lockers_lockers.compound_id", "parcel_lockers_lockers.id"]),
        Index("ix_parcel_lockers_parcels_code", "compound_id", "code_digest"),
        Index("ix_parcel_lockers_parcels_recipient", "compound_id", "recipient_user_id"),
    )

    locker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    compartment: Mapped[int] = mapped_column(Integer)
    recipient_user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    phone_masked: Mapped[str] = mapped_column(String(11))
    carrier: Mapped[str] = mapped_column(String(100))
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    checked_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(timezone=True))
    checked_in_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    code_digest: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the compound and the pickup code; None until the resident asks for a code, and again once used."""
    code_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(timezone=True))
    picked_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(timezone=True))
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(timezone=True))


MODELS: list[type] = [Locker, Parcel]
