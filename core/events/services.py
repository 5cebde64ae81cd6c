"""Emit events with the change (outbox), move them to the broker, apply them once per reaction, sweep up lost ones."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.db import Database, Scope
from core.events import catalogue
from core.events.models import OutboxEvent, ProcessedEvent
from core.ids import uuid7

if TYPE_CHECKING:
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
    """Record a domain event in the caller's transaction: it exists exactly when the change does.

    The type must be declared in the catalogue (``redprop_event_types``) by the
    emitting plugin, with exactly the payload's keys as fields; otherwise this
    raises :class:`core.events.catalogue.EventCatalogueError`.
    """
    payload = payload or {}
    catalogue.check(type, payload, sys._getframe(1).f_globals.get("__name__"))
    audit = session.info.get("audit")
    event = OutboxEvent(
        id=uuid7(),
        type=type,
        payload=payload,
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
            await session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(dispatched_at=now(), dispatches=OutboxEvent.dispatches + 1)
            )
    return len(ids)


class HandlerFailed(RuntimeError):
    """At least one handler failed; the message is retried and only the unfinished work runs again."""


def reactions_for(host: PluginHost, event: dict[str, Any]) -> tuple[list[tuple[str, Reaction]], list[str]]:
    """Every reaction the plugins have to ``event`` under its handler key, and the hooks that failed.

    A plugin answers None, one reaction (key: the plugin's name), a list of
    reactions (key: ``<plugin>:<function name>``) or a dict of them (key:
    ``<plugin>:<dict key>``); each key is applied at most once per event.
    """
    found: list[tuple[str, Reaction]] = []
    failures: list[str] = []
    for plugin, answer in host.call_each("redprop_handle_event", event=event):
        if answer is None:
            continue
        if isinstance(answer, Exception):
            failures.append(f"{plugin} on {event['id']}: {answer}")
            continue
        try:
            found.extend(_keyed(plugin, answer))
        except TypeError as exc:
            log.error("plugin %s answered event %s badly: %s", plugin, event["id"], exc)
            failures.append(f"{plugin} on {event['id']}: {exc}")
    return found, failures


def _keyed(plugin: str, answer: Any) -> list[tuple[str, Reaction]]:
    if callable(answer):
        return [(plugin, answer)]
    if isinstance(answer, Mapping):
        items = [(str(name), reaction) for name, reaction in answer.items()]
    elif isinstance(answer, list | tuple):
        items = [(getattr(reaction, "__name__", ""), reaction) for reaction in answer]
    else:
        raise TypeError(f"a reaction, a list or a dict of reactions, or None; not {answer!r}")
    keyed: dict[str, Reaction] = {}
    for name, reaction in items:
        if reaction is None:
            continue
        key = f"{plugin}:{name}"
        if not callable(reaction) or not name or name == "<lambda>":
            raise TypeError(f"reaction {name!r} of {plugin} needs to be a named async function (or return a dict)")
        if key in keyed or len(key) > 120:
            raise TypeError(f"reaction key {key!r} is repeated or longer than 120 characters")
        keyed[key] = reaction
    return list(keyed.items())


class AlreadyHandled(Exception):
    """The processed-event row exists: another worker applied this reaction (only this counts as a duplicate;
    an integrity error raised by the reaction itself is a failure, retried and reported)."""


async def _apply(db: Database, handler: str, work: list[tuple[OutboxEvent, Reaction]]) -> None:
    """Apply reactions with their processed-event records in one transaction (one scope per compound)."""
    compounds = {event.compound_id for event, _ in work}
    scope = Scope.of(compounds) if None not in compounds else Scope.everything(f"events for {handler}")
    async with db.transaction(scope) as session:
        for event, _ in work:
            session.add(ProcessedEvent(event_id=event.id, handler=handler, processed_at=now()))
        try:
            await session.flush()  # a concurrent duplicate fails here, before any effect
        except IntegrityError as exc:
            raise AlreadyHandled(handler) from exc
        for _, reaction in work:
            await reaction(session)


async def _mark_handled(db: Database, event_ids: list[uuid.UUID]) -> None:
    if event_ids:
        async with db.transaction(Scope.nothing()) as session:
            await session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(event_ids), OutboxEvent.handled_at.is_(None)).values(handled_at=now())
            )


async def handle_events(db: Database, host: PluginHost, event_ids: list[uuid.UUID]) -> int:
    """Apply events to every reaction the plugins have, each (event, handler key) at most once; returns reactions applied.

    A handler's reactions for the whole message commit together; if that
    fails, they are retried one event at a time so one bad event cannot hold
    back the others. An event all of whose reactions are applied is marked
    handled (the sweep leaves it alone, retention may trim it later).
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
    unfinished: set[uuid.UUID] = set()
    for event in events:
        reactions, hook_failures = reactions_for(host, event_dict(event))
        if hook_failures:
            failures.extend(hook_failures)
            unfinished.add(event.id)
        for key, reaction in reactions:
            if (event.id, key) not in done:
                work.setdefault(key, []).append((event, reaction))
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
            except AlreadyHandled:
                log.info("event %s already handled by %s", item[0].id, name)
            except Exception as exc:
                log.exception("handler %s failed on event %s (%s)", name, item[0].id, item[0].type)
                failures.append(f"{name} on {item[0].id}: {exc.__class__.__name__}: {exc}")
                unfinished.add(item[0].id)
    await _mark_handled(db, [event.id for event in events if event.id not in unfinished and event.handled_at is None])
    if failures:
        raise HandlerFailed("; ".join(failures[:20]))
    return applied


async def sweep_stalled(
    db: Database,
    host: PluginHost,
    send: Callable[[list[str]], None],
    *,
    timeout_seconds: float,
    max_dispatches: int = 5,
    batch: int = 500,
    per_message: int = 100,
) -> int:
    """Send again the events dispatched over ``timeout_seconds`` ago that some reaction still lacks; returns how many.

    A message can be lost between dispatch and handling (the embedded worker's
    process dies with its in-memory queue, a broker loses a message): the
    outbox row says it was dispatched, ``processed_events`` says which
    reactions ran. Events whose reactions all ran are marked handled instead;
    after ``max_dispatches`` sends an event is left to the dead letters and the log.
    """
    cutoff = now() - dt.timedelta(seconds=timeout_seconds)
    async with db.transaction(Scope.nothing()) as session:
        stmt = (
            select(OutboxEvent)
            .where(OutboxEvent.handled_at.is_(None), OutboxEvent.dispatched_at < cutoff, OutboxEvent.dispatches < max_dispatches)
            .order_by(OutboxEvent.dispatched_at)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        events = (await session.scalars(stmt)).all()
        if not events:
            return 0
        ids = [event.id for event in events]
        done = set(
            (await session.execute(select(ProcessedEvent.event_id, ProcessedEvent.handler).where(ProcessedEvent.event_id.in_(ids)))).all()
        )
        settled: list[uuid.UUID] = []
        stalled: list[OutboxEvent] = []
        for event in events:
            reactions, failures = reactions_for(host, event_dict(event))
            if not failures and all((event.id, key) in done for key, _ in reactions):
                settled.append(event.id)
            else:
                stalled.append(event)
        if settled:
            await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(settled)).values(handled_at=now()))
        resend = [str(event.id) for event in stalled]
        for i in range(0, len(resend), per_message):
            send(resend[i : i + per_message])
        for event in stalled:
            if event.dispatches + 1 >= max_dispatches:
                log.error("event %s (%s) still unhandled after %d dispatches; the sweep stops here", event.id, event.type, max_dispatches)
        if stalled:
            log.warning("re-dispatched %d event(s) unhandled for over %ss", len(stalled), timeout_seconds)
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([event.id for event in stalled]))
                .values(dispatched_at=now(), dispatches=OutboxEvent.dispatches + 1)
            )
    return len(stalled)
