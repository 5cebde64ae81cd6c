"""Process caches that the change log keeps current: what every request would otherwise read again.

A request's principal (who the token belongs to, the active tenant, the compounds it reaches) and a compound's
module states change rarely and are asked on every request. Each process keeps them in a :class:`ProcessCache`;
a model whose rows they are derived from declares it with :class:`Invalidates`::

    class Tenant(Base):
        __invalidates__ = Invalidates(("principals",), columns=("status", "kind"))

Whenever a unit of work writes such a row (a new, changed or deleted row, or a bulk ``insert``/``update``/``delete``
through the ORM), the same transaction appends a ``clear`` row to ``policy_changes``, the log every process already follows
for policy edits (:mod:`core.authz.store`): the writing process clears the named caches as soon as it commits, every
other one on its next poll (twice a second), and each reconcile (every minute) clears them all, which also bounds
what a write outside the ORM (raw SQL, a restore) can leave stale. Entries also age out after ``max_age``; a reader
that must see a change within a bound even where no poller runs (the MQTT consumer of ``redprop worker --mqtt``) passes
its own ``max_age`` to :meth:`ProcessCache.get`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from core.clock import now

CHANGE_OP = "clear"
"""The ``policy_changes.op`` of a cache clearing; ``v0`` names the cache."""

_caches: dict[str, weakref.WeakSet[ProcessCache]] = {}
_cleared_here: set[int] = set()
"""Sequence numbers of ``clear`` rows this process wrote and applied at commit: its poller skips them (clearing again
would only make the next requests read afresh)."""


class ProcessCache:
    """A bounded map of derived values, cleared by name (``clear_named``) when what they derive from changes.

    Safe to share between threads (the MQTT consumer's loop runs beside the application's, whose poller clears)."""

    def __init__(self, name: str, *, size: int = 10_000, max_age: float = 60.0) -> None:
        self.name = name
        self.size = size
        self.max_age = max_age
        self._entries: OrderedDict[Hashable, tuple[float, dt.datetime, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.generation = 0
        """Counts the clearings: a value read from the database before one must not be kept after it."""
        self.hits = self.misses = 0
        _caches.setdefault(name, weakref.WeakSet()).add(self)

    def get(self, key: Hashable, *, max_age: dt.timedelta | None = None) -> Any | None:
        """The value kept for ``key``, if any; given ``max_age``, only one kept less than that long ago by the core
        clock (this caller's bound on how late it sees a change no clearing reached)."""
        found = self._entries.get(key)
        if (
            found is None
            or time.monotonic() - found[0] > self.max_age
            or (max_age is not None and not dt.timedelta(0) <= now() - found[1] < max_age)
        ):
            self.misses += 1
            return None
        self.hits += 1
        return found[2]

    def put(self, key: Hashable, value: Any, *, since: int | None = None) -> None:
        """Keep ``value``; given ``since`` (the :attr:`generation` read before the value was), only if nothing cleared
        the cache while it was being read (else the value may predate the change that cleared it)."""
        stamps = time.monotonic(), now()
        with self._lock:
            if since is not None and since != self.generation:
                return
            self._entries[key] = (*stamps, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


def clear_named(names: Iterable[str]) -> None:
    """Clear every live cache of these names in this process."""
    for name in names:
        for cache in list(_caches.get(name, ())):
            cache.clear()


def clear_all() -> None:
    clear_named(list(_caches))


@dataclass(frozen=True)
class Invalidates:
    """Declared on a model as ``__invalidates__``: which caches its rows feed, and which writes count.

    ``on``: the kinds of write that clear them (``new``, ``changed``, ``deleted``); ``columns``: where given, a
    changed row counts only when one of these attributes changed (a token's last use does not clear principals)."""

    caches: tuple[str, ...]
    on: frozenset[str] = frozenset({"new", "changed", "deleted"})
    columns: tuple[str, ...] | None = None


def _rule(obj_or_class: Any) -> Invalidates | None:
    cls = obj_or_class if isinstance(obj_or_class, type) else type(obj_or_class)
    return getattr(cls, "__invalidates__", None)


def _changed(obj: Any, columns: tuple[str, ...] | None) -> bool:
    state = inspect(obj)
    names = columns if columns is not None else [attr.key for attr in state.mapper.column_attrs]
    return any(state.attrs[name].history.has_changes() for name in names)


def _pending(session: Session, names: Iterable[str]) -> None:
    pending: set[str] = session.info.setdefault("cache_clears", set())
    fresh = [name for name in names if name not in pending]
    if not fresh:
        return
    from core.authz.models import PolicyChange

    for name in fresh:
        pending.add(name)
        row = PolicyChange(op=CHANGE_OP, v0=name)
        session.info.setdefault("cache_clear_rows", []).append(row)
        session.add(row)


@event.listens_for(Session, "before_flush")
def _watch_writes(session: Session, flush_context, instances) -> None:
    names: set[str] = set()
    for kind, objects in (("new", session.new), ("changed", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            rule = _rule(obj)
            if rule is None or kind not in rule.on:
                continue
            if kind == "changed" and not _changed(obj, rule.columns):
                continue
            names.update(rule.caches)
    if names:
        _pending(session, names)


@event.listens_for(Session, "do_orm_execute")
def _watch_bulk_writes(state: ORMExecuteState) -> None:
    kind = "new" if state.is_insert else "changed" if state.is_update else "deleted" if state.is_delete else None
    if kind is None:
        return
    mapper = state.bind_mapper
    rule = _rule(mapper.class_) if mapper is not None else None
    if rule is not None and kind in rule.on:
        _pending(state.session, rule.caches)


@event.listens_for(Session, "after_commit")
def _clear_committed(session: Session) -> None:
    names = session.info.pop("cache_clears", None)
    rows = session.info.pop("cache_clear_rows", ())
    if names:
        clear_named(names)
        _cleared_here.update(row.seq for row in rows if row.seq is not None)


def cleared_here(seq: int) -> bool:
    """Whether this process wrote (and already applied) the ``clear`` row ``seq``; asked once per row by the poller."""
    if seq in _cleared_here:
        _cleared_here.discard(seq)
        return True
    return False


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("cache_clears", None)
    session.info.pop("cache_clear_rows", None)
