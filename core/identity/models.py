"""Users, their memberships in tenants, API tokens and failed-login records."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.caches import Invalidates
from core.db import Base, Timestamped, UTCDateTime, utcnow
from core.identity.phones import SealedPhone
from core.ids import uuid7


class User(SealedPhone, Base, Timestamped):
    """A person who logs in: staff by username, residents by phone number (encrypted, found by its blind index)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("phone_index"),)
    __invalidates__ = Invalidates(("principals",), on=frozenset({"changed", "deleted"}), columns=("username", "display_name", "is_active"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")


class Membership(Base, Timestamped):
    """A user's membership in a tenant (a user may belong to several and picks the active one)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class AuthToken(Base):
    """A bearer token, stored only as its digest, bound to one active tenant."""

    __tablename__ = "auth_tokens"
    __invalidates__ = Invalidates(
        ("principals",), on=frozenset({"changed", "deleted"}), columns=("user_id", "tenant_id", "expires_at", "revoked")
    )

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginFailure(Base):
    """One failed login: the string typed, the account it named (if any) and the source address — the string and the
    address as keyed hashes (``core.identity.services.login_index``, ``core.security.address_index``): they are only
    compared, and the string is often a phone number.

    Counted per account and per address; past a threshold each attempt waits longer (core.identity.services).
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_login_at", "login", "at"),
        Index("ix_login_failures_user_at", "user_id", "at"),
        Index("ix_login_failures_source_at", "source", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    login: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
