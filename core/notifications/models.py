"""Tables of core.notifications: the inbox, per-channel deliveries and each user's channel addresses.

None of them is compound-scoped: a user's inbox spans every compound and tenant
they belong to, so every query filters by the user instead.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped, UTCDateTime, utcnow
from core.identity.phones import sealed_phone
from core.ids import uuid7

DELIVERY_STATUSES = ("pending", "sent", "failed")


class Notification(Base):
    """One item of a user's in-app inbox (always written, whatever other channels are used)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="SET NULL"))
    compound_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The compound it is about, if any (no foreign key: a reference table on Citus, core.citus.REFERENCE)."""
    kind: Mapped[str] = mapped_column(String(80))
    """What happened, e.g. ``co_building.work_order.assigned``: lets the client pick an icon or filter."""
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Delivery(sealed_phone("address", indexed=False), Base):
    """One notification to send through one channel; written pending, sent later by a job."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    notification_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    # address: copied from the preference when notified (a later change of address does not redirect old messages);
    # sealed at rest (address_cipher), core.identity.phones
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationPreference(sealed_phone("address", indexed=False), Base, Timestamped):
    """A user's address on one channel (email, sms, wechat …) and whether to use it; the address (a phone number,
    an email address) is sealed at rest (``address_cipher``, core.identity.phones)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


MODELS: list[type] = [Notification, Delivery, NotificationPreference]
