"""Residents joining rooms: invitations per room (住户邀请) and bindings of an account to a room (房屋绑定)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, CompoundScoped, UTCDateTime

RELATIONS = ("owner", "family", "tenant")
"""业主, 家庭成员, 租户: the binding's relation becomes the resident's role (only owners vote)."""


class RoomInvitation(CompoundScoped, Base):
    """A staff member's invitation for one household of one room: a link (and its QR code), valid until
    ``expires_at``, good for one binding; only the digest of its token is kept."""

    __tablename__ = "room_invitations"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),
        UniqueConstraint("compound_id", "digest", name="uq_room_invitations_digest"),  # Citus: compound_id first
    )

    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    relation: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RoomBinding(CompoundScoped, Base):
    """An account bound to a room: asked (pending), approved by staff or by a valid invitation (active),
    refused, or ended at move-out — kept as the history of who lived where, bound by whom and when."""

    __tablename__ = "room_bindings"
    __table_args__ = (
        ForeignKeyConstraint(["compound_id", "room_id"], ["rooms.compound_id", "rooms.id"], ondelete="CASCADE"),
        Index("ix_room_bindings_user", "user_id"),
        Index("ix_room_bindings_status", "compound_id", "status"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    relation: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    via: Mapped[str] = mapped_column(String(20))
    """``invitation`` or ``approval``."""
    name: Mapped[str] = mapped_column(String(100))
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(300), default="")


MODELS = [RoomInvitation, RoomBinding]
