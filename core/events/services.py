"""Emit events with the change (outbox), move them to the broker, apply them once per handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.db import Database, Scope
from core.ids import uuid7
from core.events.models import OutboxEvent, ProcessedEvent
from core.plugins.manager import PluginHost

log = logging.getLogger("redprop.events")

Reaction = Callable[[AsyncSession], Awaitable[Any]]


def emit(session: AsyncSession, type: str, payload: dict[str, Any] | None = None, *, compound_id: uuid.UUID | None = None, tenant_id: uuid.UUID | None = None, actor_user_id: uuid.UUID | None = None) -> OutboxEvent:
    """Record a domain event in the caller's transaction: it exists exactly when the change does."""
    audit = session.info.get("audit")
    event = OutboxEvent(
        id=uuid7(),
        type=type,
        payload=payload or {},
        compound_id=compound_id,
        tenant_id=tenant_id if tenant_id is not None else getattr(audit, "tenant_id", None),
        actor_user_id=actor_user_id if actor_user_id is not None else getattr(audit, "user_id", None),
        occurred_at=now(),
    )
    session.add(event)
    return event


def event_dict(event: OutboxEvent) -> dict[str, Any]:
    """The plain form handed to plugins (no ORM objects cross the hook)."""
    return {
        "id": str(event.id),
        "type": event.type,
        "tenant_id": str(event.tenant_id) if event.tenant_id else None,
        "compound_id": str(event.compound_id) if event.compound_id else None,
        "actor_user_id": str(event.actor_user_id) if event.actor_user_id else None,
        "payload": event.payload,
        "occurred_at": event.occurred_at.isoformat(),
    }


async def dispatch_pending(db: Database, send: Callable[[str], None], batch: int = 500) -> int:
    """Hand undispatched events to the broker, oldest first; returns how many.

    A crash between sending and committing sends an event twice: handlers are
    idempotent through ``processed_events``, so that costs a skipped message.
    """
    async with db.transaction(Scope.everything("event dispatcher")) as session:
        stmt = select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        if db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = (await session.scalars(stmt)).all()
        for event_id in ids:
            send(str(event_id))
        if ids:
            await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(dispatched_at=now()))
    return len(ids)


class HandlerFailed(RuntimeError):
    """At least one handler failed; the message is retried and only those handlers run again."""


async def handle_event(db: Database, host: PluginHost, event_id: uuid.UUID) -> list[str]:
    """Apply one event to every plugin's reaction, each at most once; returns the handlers that ran."""
    async with db.session(Scope.everything("event handling")) as session:
        event = await session.get(OutboxEvent, event_id)
        if event is None:
            log.warning("event %s not found (rolled back?)", event_id)
            return []
        data = event_dict(event)
        done = set((await session.scalars(select(ProcessedEvent.handler).where(ProcessedEvent.event_id == event_id))).all())
    scope = Scope.of([event.compound_id]) if event.compound_id else Scope.everything(f"event {event.type}")
    ran, failures = [], []
    for name, reaction in host.call_each("redprop_handle_event", event=data):
        if name in done or reaction is None:
            continue
        if isinstance(reaction, Exception):
            failures.append(f"{name}: {reaction}")
            continue
        try:
            async with db.transaction(scope) as session:
                session.add(ProcessedEvent(event_id=event_id, handler=name, processed_at=now()))
                await session.flush()  # a concurrent duplicate fails here, before the effect
                await reaction(session)
            ran.append(name)
        except IntegrityError:
            log.info("event %s already handled by %s", event_id, name)
        except Exception as exc:
            log.exception("handler %s failed on event %s (%s)", name, event_id, event.type)
            failures.append(f"{name}: {exc.__class__.__name__}: {exc}")
    if failures:
        raise HandlerFailed("; ".join(failures))
    return ran
