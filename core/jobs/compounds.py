"""Jobs over compounds: one helper that every plugin job uses.

``for_each_active_compound`` finds the compounds where a module is on (the
control plane's one rule), then runs the job's step for each in a transaction
scoped to that compound alone. A failing compound is logged and reported; it
does not roll back the others, and the next run tries it again.

A frequent job that usually finds nothing to do passes ``pending``: one
set-based, cross-scope look-up of the compounds that may have work now, so a
tick over a city costs one statement, not a transaction per compound (2,000
compounds: 4.3-5.0 s a tick for each of the two every-minute jobs before;
bench/README.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.db import Database, Scope

log = logging.getLogger("redprop.jobs")

Step = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
Pending = Callable[[AsyncSession], Awaitable[Iterable[uuid.UUID]]]
"""Given a cross-scope session, the compounds where the step may have work now: a superset of those where it would
change anything (a compound it leaves out is skipped this time; the next tick asks again)."""


@dataclass
class CompoundRun:
    """What one run over compounds did: each compound's result, and the compounds that failed (with the error)."""

    results: dict[uuid.UUID, Any] = field(default_factory=dict)
    failed: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return len(self.results)

    def total(self) -> int:
        """The sum of the steps' integer results (what a job reports as its count)."""
        return sum(v for v in self.results.values() if isinstance(v, int) and not isinstance(v, bool))


async def active_compounds(db: Database, module: str, *, reason: str) -> list[uuid.UUID]:
    """The compounds where ``module`` is on now (a cross-scope read, logged with ``reason``)."""
    async with db.session(Scope.everything(reason)) as session:
        return await rules().compounds_with_module(session, module)


async def for_each_active_compound(db: Database, module: str, step: Step, *, reason: str, pending: Pending | None = None) -> CompoundRun:
    """Run ``step(session, compound_id)`` once per compound where ``module`` is on, each in its own transaction
    scoped to that compound. ``reason`` names the job in the log of the cross-scope look-ups; ``pending`` (see
    :data:`Pending`) narrows the compounds to those it names."""
    run = CompoundRun()
    compounds = await active_compounds(db, module, reason=reason)
    if pending is not None and compounds:
        async with db.session(Scope.everything(reason)) as session:
            due = set(await pending(session))
        compounds = [c for c in compounds if c in due]
    for compound_id in compounds:
        try:
            async with db.transaction(Scope.of([compound_id])) as session:
                run.results[compound_id] = await step(session, compound_id)
        except Exception as exc:  # one compound's failure must not stop the city
            log.exception("%s failed for compound %s", reason, compound_id)
            run.failed[compound_id] = f"{exc.__class__.__name__}: {exc}"
    if run.failed:
        log.error("%s: %d compound(s) failed, %d done", reason, len(run.failed), run.done)
    return run
