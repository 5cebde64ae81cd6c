"""Counting the SQL statements a request (or a job) runs: one helper for every statement-count test.

The application's background loops (the policy poller, the embedded worker's dispatcher and scheduler) share its
engines, so a statement they slip in while a request runs is not the request's: :data:`BACKGROUND` names what they
touch, and :func:`least` takes the fewest of a few identical runs (a stray statement only ever adds). ``SET LOCAL`` is
the data scope, once per transaction, and is not counted either.

::

    from core.testing.statements import least, recording

    with recording(app) as seen:          # app, Database or engine
        await client.get(url, headers=h)
    len(seen)

    count, response = await least(lambda: client.get(url, headers=h))
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from sqlalchemy import event

BACKGROUND = (
    "policy_changes",
    "casbin_rules",
    "outbox",
    "processed_events",
    "schedule_ticks",
    "dead_letters",
    "pg_catalog",
)
"""What the background loops read and write while a request runs (matched as substrings of the statement)."""


def _engines(target: Any) -> list[Any]:
    db = getattr(getattr(target, "state", None), "db", None) or target  # an app, or a Database, or an engine
    engines = [getattr(db, "engine", db), getattr(db, "cross_engine", None)]
    unique = {id(e): e for e in engines if e is not None}
    return [getattr(e, "sync_engine", e) for e in unique.values()]


def counted(statement: str, ignore: tuple[str, ...] = BACKGROUND) -> bool:
    """Whether a statement is the work's own (not the scope, not a background loop's)."""
    return not statement.startswith("SET LOCAL") and not any(word in statement for word in ignore)


@contextlib.contextmanager
def recording(target: Any, *, ignore: tuple[str, ...] = BACKGROUND, parameters: bool = False) -> Iterator[list[Any]]:
    """The statements the target's engines (the app's request engine and cross-scope engine) run inside the block;
    with ``parameters``, ``(statement, parameters)`` pairs (to run them again, as the benchmarks' EXPLAIN does)."""
    seen: list[Any] = []

    def one(_conn, _cursor, statement, bound, *_args, **_kw) -> None:
        if counted(statement, ignore):
            seen.append((statement, tuple(bound or ())) if parameters else statement)

    engines = _engines(target)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", one)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", one)


async def least(
    target: Any, work: Callable[[], Awaitable[Any]], *, tries: int = 3, ignore: tuple[str, ...] = BACKGROUND
) -> tuple[int, Any]:
    """The fewest statements of ``tries`` identical runs of ``work`` and the last run's result."""
    counts, result = [], None
    for _ in range(tries):
        with recording(target, ignore=ignore) as seen:
            result = await work()
        counts.append(len(seen))
    return min(counts), result


__all__ = ["BACKGROUND", "counted", "least", "recording"]
