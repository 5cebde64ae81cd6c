"""The outbox, the record of handled events, dead letters and scheduler ticks."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.ids import uuid7


class OutboxEvent(Base):
    """A domain event written in the same transaction as the change it reports."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_pending", "dispatched_at", "id"),
        Index("ix_outbox_unhandled", "dispatched_at", postgresql_where=text("handled_at IS NULL"), sqlite_where=text("handled_at IS NULL")),
        Index("ix_outbox_handled", "handled_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    type: Mapped[str] = mapped_column(String(120))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    compound_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """When it was last handed to the broker (the sweep sends it again when it stays unhandled)."""
    dispatches: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many times it was handed to the broker; the sweep gives up after a few."""
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """When every reaction it calls for had its ``processed_events`` row; retention trims from here."""


class ProcessedEvent(Base):
    """One handler has applied one event; its effect committed in the same transaction."""

    __tablename__ = "processed_events"

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    handler: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadLetter(Base):
    """A job message that failed all its retries; an operator lists and retries it from the CLI."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(120))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retried_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ScheduleTick(Base):
    """A claimed tick of a periodic job: the primary key is the lock between workers."""

    __tablename__ = "schedule_ticks"
    __table_args__ = (Index("ix_schedule_ticks_claimed_at", "claimed_at"),)

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    tick: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(120), default="")


MODELS: list[type] = [OutboxEvent, ProcessedEvent, DeadLetter, ScheduleTick]
