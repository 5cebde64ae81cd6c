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
from core.events.models import OutboxEvent, ProcessedEvent
from core.ids import uuid7
from core.plugins.manager import PluginHost

log = logging.getLogger("redprop.events")

Reaction = Callable[[AsyncSession], Awaitable[Any]]


def emit(
    session: AsyncSession,
    type: str,
    payload: dict[str, Any] | None = None,
    *,
    compound_id: uuid.UUID | None = None,
    tenant_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> OutboxEvent:
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


async def dispatch_pending(db: Database, send: Callable[[list[str]], None], batch: int = 500, per_message: int = 100) -> int:
    """Hand undispatched events to the broker, oldest first, ``per_message`` ids a message; returns how many.

    A crash between sending and committing sends events twice: handlers are
    idempotent through ``processed_events``, so that costs skipped work only.
    """
    async with db.transaction(Scope.nothing()) as session:  # the outbox is not compound-scoped: no scope needed
        stmt = select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        if db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = (await session.scalars(stmt)).all()
        for i in range(0, len(ids), per_message):
            send([str(event_id) for event_id in ids[i : i + per_message]])
        if ids:
            await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(dispatched_at=now()))
    return len(ids)


class HandlerFailed(RuntimeError):
    """At least one handler failed; the message is retried and only the unfinished work runs again."""


async def _apply(db: Database, handler: str, work: list[tuple[OutboxEvent, Reaction]]) -> None:
    """Apply reactions with their processed-event records in one transaction (one scope per compound)."""
    compounds = {event.compound_id for event, _ in work}
    scope = Scope.of(compounds) if None not in compounds else Scope.everything(f"events for {handler}")
    async with db.transaction(scope) as session:
        for event, _ in work:
            session.add(ProcessedEvent(event_id=event.id, handler=handler, processed_at=now()))
        await session.flush()  # a concurrent duplicate fails here, before any effect
        for _, reaction in work:
            await reaction(session)


async def handle_events(db: Database, host: PluginHost, event_ids: list[uuid.UUID]) -> int:
    """Apply events to every plugin's reaction, each (event, plugin) at most once; returns reactions applied.

    A handler's reactions for the whole message commit together; if that
    fails, they are retried one event at a time so one bad event cannot hold
    back the others.
    """
    async with db.session(Scope.nothing()) as session:
        events = (await session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(event_ids)).order_by(OutboxEvent.id))).all()
        done = set(
            (
                await session.execute(select(ProcessedEvent.event_id, ProcessedEvent.handler).where(ProcessedEvent.event_id.in_(event_ids)))
            ).all()
        )
    if len(events) < len(event_ids):
        log.warning("%d event(s) of a message not found", len(event_ids) - len(events))
    work: dict[str, list[tuple[OutboxEvent, Reaction]]] = {}
    failures: list[str] = []
    for event in events:
        for name, reaction in host.call_each("redprop_handle_event", event=event_dict(event)):
            if reaction is None or (event.id, name) in done:
                continue
            if isinstance(reaction, Exception):
                failures.append(f"{name} on {event.id}: {reaction}")
                continue
            work.setdefault(name, []).append((event, reaction))
    applied = 0
    for name, items in work.items():
        if len(items) > 1:
            try:
                await _apply(db, name, items)
                applied += len(items)
                continue
            except Exception:
                log.info("batch of %d for %s failed; applying one by one", len(items), name)
        for item in items:
            try:
                await _apply(db, name, [item])
                applied += 1
            except IntegrityError:
                log.info("event %s already handled by %s", item[0].id, name)
            except Exception as exc:
                log.exception("handler %s failed on event %s (%s)", name, item[0].id, item[0].type)
                failures.append(f"{name} on {item[0].id}: {exc.__class__.__name__}: {exc}")
    if failures:
        raise HandlerFailed("; ".join(failures[:20]))
    return applied
