"""What the control room's boards (数据大屏) show: devices by state and kind, unresolved alarms by severity, the newest
alarms, and per compound of a district; a few grouped queries whatever the number of devices or compounds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.context import RequestContext
from plugins.smart_property.models import Alarm, Device
from plugins.smart_property.schemas import alarms as s
from plugins.smart_property.services.alarms import ALARM, UNRESOLVED, alarm_out, alarm_query
from tenants.models import Compound

MODULE = "smart_property"
RECENT = 8
"""Unresolved alarms listed on a compound's board (the desk has them all)."""
TOP_COMPOUNDS = 15
"""Compounds in a district's per-compound chart: those with the most unresolved alarms, then the most devices."""


@dataclass
class CompoundRow:
    compound_id: uuid.UUID
    name: str
    online: int = 0
    devices: int = 0
    alarms: int = 0


@dataclass
class Board:
    statuses: dict[str, int] = field(default_factory=dict)
    """Active devices per status (online, offline, unknown)."""
    kinds: list[tuple[str, int, int]] = field(default_factory=list)
    """(kind, online, all) per device kind."""
    severities: dict[str, int] = field(default_factory=dict)
    """Unresolved alarms per severity."""
    recent: list[s.AlarmOut] = field(default_factory=list)
    compounds: list[CompoundRow] = field(default_factory=list)
    compounds_total: int = 0

    @property
    def devices(self) -> int:
        return sum(self.statuses.values())

    @property
    def online(self) -> int:
        return self.statuses.get("online", 0)

    @property
    def open_alarms(self) -> int:
        return sum(self.severities.values())

    @property
    def availability(self) -> int | None:
        """Whole percent of active devices online (None without devices)."""
        return (self.online * 100 + self.devices // 2) // self.devices if self.devices else None


async def _devices(session: AsyncSession, compound_ids: list[uuid.UUID], board: Board) -> None:
    rows = await session.execute(
        select(Device.kind, Device.status, func.count())
        .where(Device.active.is_(True))
        .execution_options(within=compound_ids)
        .group_by(Device.kind, Device.status)
    )
    kinds: dict[str, list[int]] = {}
    for kind, status, n in rows:
        board.statuses[status] = board.statuses.get(status, 0) + n
        tally = kinds.setdefault(kind, [0, 0])
        tally[1] += n
        if status == "online":
            tally[0] += n
    board.kinds = sorted(((k, v[0], v[1]) for k, v in kinds.items()), key=lambda r: (-r[2], r[0]))


async def severity_counts(session: AsyncSession, compound_ids: list[uuid.UUID]) -> dict[str, int]:
    """Unresolved alarms per severity (one statement)."""
    rows = await session.execute(
        select(Alarm.severity, func.count())
        .where(Alarm.state.in_(UNRESOLVED))
        .execution_options(within=compound_ids)
        .group_by(Alarm.severity)
    )
    return {sev: n for sev, n in rows}


async def compound_board(ctx: RequestContext, compound_id: uuid.UUID) -> Board:
    """One compound's board: four statements."""
    board = Board()
    await _devices(ctx.session, [compound_id], board)
    board.severities = await severity_counts(ctx.session, [compound_id])
    rows = (await ctx.session.execute(alarm_query(compound_id, "unresolved").limit(RECENT))).all()
    may = ctx.can(ALARM, "write")
    board.recent = [alarm_out(a, r, d, may_move=may) for a, r, d in rows]
    return board


async def reached_compounds(session: AsyncSession) -> list[uuid.UUID]:
    """The compounds the caller's unit of work reaches (its scope filters the table)."""
    return list((await session.scalars(select(Compound.id).order_by(Compound.id))).all())


async def compounds_with_module(session: AsyncSession, compound_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Those of ``compound_ids`` where smart_property is on (one statement)."""
    states = await rules().module_states(session, compound_ids, [MODULE]) if compound_ids else {}
    return [c for c in compound_ids if states.get(c, {}).get(MODULE, (False, ""))[0]]


async def district_board(session: AsyncSession, compound_ids: list[uuid.UUID]) -> Board:
    """A district's board over ``compound_ids`` (those where the module is on): five statements."""
    board = Board(compounds_total=len(compound_ids))
    if not compound_ids:
        return board
    await _devices(session, compound_ids, board)
    board.severities = await severity_counts(session, compound_ids)
    rows: dict[uuid.UUID, CompoundRow] = {}
    for cid, status, n in await session.execute(
        select(Device.compound_id, Device.status, func.count())
        .where(Device.active.is_(True))
        .execution_options(within=compound_ids)
        .group_by(Device.compound_id, Device.status)
    ):
        row = rows.setdefault(cid, CompoundRow(cid, ""))
        row.devices += n
        row.online += n if status == "online" else 0
    for cid, n in await session.execute(
        select(Alarm.compound_id, func.count())
        .where(Alarm.state.in_(UNRESOLVED))
        .execution_options(within=compound_ids)
        .group_by(Alarm.compound_id)
    ):
        rows.setdefault(cid, CompoundRow(cid, "")).alarms = n
    top = sorted(rows.values(), key=lambda r: (-r.alarms, -r.devices))[:TOP_COMPOUNDS]
    if top:
        names = dict((await session.execute(select(Compound.id, Compound.name).where(Compound.id.in_([r.compound_id for r in top])))).all())
        for row in top:
            row.name = names.get(row.compound_id, "")
    board.compounds = top
    return board
