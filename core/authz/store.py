"""Policies in the database, one fast enforcer per process, and how changes reach every process.

Writes insert the rule and a ``policy_changes`` row in the caller's
transaction; after commit the writing process applies them at once, and every
other process applies the log's new rows on its next poll (twice a second), so
no request ever reloads the whole policy. Polls re-read a trailing window of
the log (a change committed out of order is not skipped) and a background
reconcile rebuilds the enforcer from the rules every minute.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import pathlib
from dataclasses import dataclass, field

from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core import caches
from core.authz.enforcer import ANY_DOMAIN, FastEnforcer
from core.authz.models import CasbinRule, PolicyChange, RoleDefinition
from core.clock import now

log = logging.getLogger("redprop.authz")

Line = tuple[str, ...]
PRINCIPALS = "principals"
"""The process cache of resolved principals (:mod:`core.authz.guard`)."""


@dataclass
class RoleTemplate:
    """A role shipped by core or a plugin, with its permissions."""

    name: str
    tenant_kinds: tuple[str, ...]
    label_zh: str
    label_en: str
    source: str
    permissions: set[tuple[str, str]] = field(default_factory=set)


def read_policy_files(paths: list[tuple[str, pathlib.Path]]) -> dict[str, RoleTemplate]:
    """Parse ``policies.csv`` files: ``r, name, kinds(|-separated), label_zh, label_en`` and ``p, role, *, object, action``."""
    roles: dict[str, RoleTemplate] = {}
    pending: list[tuple[str, str, str, str, str]] = []
    for source, path in paths:
        with open(path, encoding="utf-8") as fh:
            for lineno, row in enumerate(csv.reader(fh), start=1):
                cells = [c.strip() for c in row]
                if not cells or not cells[0] or cells[0].startswith("#"):
                    continue
                if cells[0] == "r" and len(cells) == 5:
                    roles[cells[1]] = RoleTemplate(cells[1], tuple(k for k in cells[2].split("|") if k), cells[3], cells[4], source)
                elif cells[0] == "p" and len(cells) == 5:
                    if cells[2] != ANY_DOMAIN:
                        raise ValueError(f"{path}:{lineno}: role templates use domain '*'")
                    pending.append((source, cells[1], cells[3], cells[4], f"{path}:{lineno}"))
                else:
                    raise ValueError(f"{path}:{lineno}: expected an r line (5 cells) or a p line (5 cells)")
    for _source, role, obj, act, where in pending:
        if role not in roles:
            raise ValueError(f"{where}: role {role!r} has no r line")
        roles[role].permissions.add((obj, act))
    return roles


class PolicyStore:
    """The process's enforcer and its link to the ``casbin_rules`` table.

    ``policy_changes.seq`` comes from a sequence: two writers take 10 and 11,
    and 11 may commit first. A poller that only asked for ``seq > last`` would
    skip 10 for ever, so each poll re-reads a trailing window of ``window``
    sequence numbers below the highest seen and applies what it has not applied
    yet (adds and removes are idempotent, and changes that commit out of order
    were concurrent, so they touch different lines). Beyond the window, a full
    reconcile every ``reconcile_seconds`` rebuilds the enforcer from the rules.
    """

    def __init__(self, *, window: int = 1000, reconcile_seconds: float = 60.0) -> None:
        self.enforcer = FastEnforcer()
        self.last_seq = 0
        self.window = window
        self.reconcile_seconds = reconcile_seconds
        self.applied: set[int] = set()
        self.reconciled_at = now()
        self.templates: dict[str, RoleTemplate] = {}
        self._task: asyncio.Task | None = None

    # ---------------------------------------------------------------- reading

    async def load(self, session: AsyncSession) -> None:
        """Read every rule (at start-up, on a ``reload`` change and on the reconcile timer).

        The window's sequence numbers are read before the rules: a change that
        commits in between is in the rules and applied again by the next poll,
        which is harmless; none is counted as applied without being in the rules.
        """
        last = int(await session.scalar(select(func.coalesce(func.max(PolicyChange.seq), 0))) or 0)
        seen = set((await session.scalars(select(PolicyChange.seq).where(PolicyChange.seq > last - self.window))).all())
        rules = (await session.scalars(select(CasbinRule))).all()
        enforcer = FastEnforcer()
        enforcer.load(rule.as_line() for rule in rules)
        self.enforcer, self.last_seq, self.applied, self.reconciled_at = enforcer, last, seen, now()
        caches.clear_all()  # the reconcile also bounds what a write outside the ORM left stale

    async def poll(self, session: AsyncSession) -> int:
        """Apply the changes not applied yet in the trailing window (and reconcile when due); returns how many."""
        if (now() - self.reconciled_at).total_seconds() >= self.reconcile_seconds:
            await self.load(session)
            return 0
        floor = self.last_seq - self.window
        changes = (await session.scalars(select(PolicyChange).where(PolicyChange.seq > floor).order_by(PolicyChange.seq))).all()
        fresh = [change for change in changes if change.seq not in self.applied]
        for change in fresh:
            if change.op == "reload":
                await self.load(session)
                return len(fresh)
            if change.seq <= self.last_seq:
                log.info("policy change %d committed after %d: applied late", change.seq, self.last_seq)
            if change.op == caches.CHANGE_OP:
                if not caches.cleared_here(change.seq):
                    caches.clear_named([change.v0])
            else:
                _apply(self.enforcer, change.op, _line(change.ptype, change.v0, change.v1, change.v2, change.v3))
            self.applied.add(change.seq)
            self.last_seq = max(self.last_seq, change.seq)
        floor = self.last_seq - self.window
        self.applied = {seq for seq in self.applied if seq > floor}
        return len(fresh)

    def start_polling(self, sessions, interval: float) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    async with sessions() as session:
                        await self.poll(session)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("policy poll failed; retrying")

        self._task = asyncio.create_task(loop(), name="redprop-policy-poll")

    async def stop_polling(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    # ---------------------------------------------------------------- writing

    def attach(self, session: AsyncSession) -> None:
        """Let writes in ``session`` reach this process's enforcer as soon as they commit."""
        session.info["policy_store"] = self


def _line(ptype: str, v0: str, v1: str, v2: str, v3: str = "") -> Line:
    return (ptype, v0, v1, v2, v3) if ptype == "p" else (ptype, v0, v1, v2)


async def add_rule(session: AsyncSession, line: Line) -> bool:
    """Add a ``p`` or ``g`` line (no-op when present); logged for the other processes."""
    ptype, v0, v1, v2, *rest = line
    v3 = rest[0] if rest else ""
    exists = await session.scalar(
        select(CasbinRule.id).where(
            CasbinRule.ptype == ptype, CasbinRule.v0 == v0, CasbinRule.v1 == v1, CasbinRule.v2 == v2, CasbinRule.v3 == v3
        )
    )
    if exists:
        return False
    _add_new(session, ptype, v0, v1, v2, v3)
    return True


def _add_new(session: AsyncSession, ptype: str, v0: str, v1: str, v2: str, v3: str) -> None:
    """Add a line known to be missing, with its change-log row (no look-up: a batch of them is one flush)."""
    session.add(CasbinRule(ptype=ptype, v0=v0, v1=v1, v2=v2, v3=v3))
    session.add(PolicyChange(op="add", ptype=ptype, v0=v0, v1=v1, v2=v2, v3=v3))
    session.info.setdefault("policy_changes", []).append(("add", _line(ptype, v0, v1, v2, v3)))


async def remove_rule(session: AsyncSession, line: Line) -> bool:
    ptype, v0, v1, v2, *rest = line
    v3 = rest[0] if rest else ""
    result = await session.execute(
        delete(CasbinRule).where(
            CasbinRule.ptype == ptype, CasbinRule.v0 == v0, CasbinRule.v1 == v1, CasbinRule.v2 == v2, CasbinRule.v3 == v3
        )
    )
    if not result.rowcount:
        return False
    session.add(PolicyChange(op="remove", ptype=ptype, v0=v0, v1=v1, v2=v2, v3=v3))
    session.info.setdefault("policy_changes", []).append(("remove", _line(ptype, v0, v1, v2, v3)))
    return True


@event.listens_for(Session, "after_commit")
def _apply_committed_policy(session: Session) -> None:
    changes = session.info.pop("policy_changes", None)
    store: PolicyStore | None = session.info.get("policy_store")
    if not changes or store is None:
        return
    for op, line in changes:
        _apply(store.enforcer, op, line)


def _apply(enforcer: FastEnforcer, op: str, line: Line) -> None:
    """One add or remove; a grouping line (a role held) also changes who its holder is (the cached principals)."""
    held = line[0] == "g" and line[2] in enforcer.direct_roles(line[1], line[3])
    (enforcer.add if op == "add" else enforcer.remove)(line)
    if line[0] == "g" and held != (op == "add"):  # applied again by the poll after this process's commit: no change
        caches.clear_named([PRINCIPALS])


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back_policy(session: Session) -> None:
    session.info.pop("policy_changes", None)


async def sync_templates(session: AsyncSession, templates: dict[str, RoleTemplate]) -> int:
    """Make the database's template lines (domain ``*``) and role rows equal the shipped files."""
    wanted = {("p", role, ANY_DOMAIN, obj, act) for role, t in templates.items() for obj, act in t.permissions}
    rows = (await session.scalars(select(CasbinRule).where(CasbinRule.ptype == "p", CasbinRule.v1 == ANY_DOMAIN))).all()
    have = {r.as_line() for r in rows if not r.v0.startswith("custom:")}
    changed = 0
    for ptype, v0, v1, v2, v3 in sorted(wanted - have):
        _add_new(session, ptype, v0, v1, v2, v3)
        changed += 1
    for line in sorted(have - wanted):
        changed += await remove_rule(session, line)
    existing = {r.name: r for r in (await session.scalars(select(RoleDefinition).where(RoleDefinition.tenant_id.is_(None)))).all()}
    for name, t in templates.items():
        row = existing.get(name)
        kinds = ",".join(t.tenant_kinds)
        if row is None:
            session.add(
                RoleDefinition(name=name, tenant_id=None, tenant_kinds=kinds, label_zh=t.label_zh, label_en=t.label_en, source=t.source)
            )
            changed += 1
        elif (row.tenant_kinds, row.label_zh, row.label_en, row.source) != (kinds, t.label_zh, t.label_en, t.source):
            row.tenant_kinds, row.label_zh, row.label_en, row.source = kinds, t.label_zh, t.label_en, t.source
            changed += 1
    for name, row in existing.items():
        if name not in templates:
            await session.delete(row)
            changed += 1
    return changed


async def sync_templates_safely(sessions, templates: dict[str, RoleTemplate]) -> None:
    """Template sync at start-up; a process racing another one retries once."""
    for attempt in range(2):
        try:
            async with sessions() as session:
                await sync_templates(session, templates)
                await session.commit()
            return
        except IntegrityError:
            if attempt:
                raise
