"""Rules and alarms (告警): thresholds, silence and event codes raise alarms; one open alarm per rule and device.

A rule that keeps firing updates its open alarm (last value, last moment,
occurrences) instead of opening another: the partial unique index on unresolved
alarms makes that hold across concurrent workers too. Staff acknowledge and
resolve; the condition going away marks the alarm cleared, never resolved.
A new alarm is announced by ``smart_property.alarm.raised`` with the rule's
action — co_building opens a work order, coordination a case — and resolving
it by ``smart_property.alarm.resolved``.
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.holders import holders
from core.clock import now
from core.context import RequestContext
from core.events.services import emit
from core.ids import uuid7
from core.notifications.services import notify
from core.pagination import Page, paginate
from core.problems import invalid, not_found
from core.states import StateMachine
from plugins.smart_property.models import Alarm, Device, Rule
from plugins.smart_property.schemas import alarms as s

ALARM = "smart_property.alarm"
RULE = "smart_property.rule"
ALARMS = StateMachine(
    "alarm",
    {
        "open": {"acknowledge": "acknowledged", "resolve": "resolved"},
        "acknowledged": {"resolve": "resolved"},
        "resolved": {},
    },
)
"""open → acknowledged → resolved (or resolved straight away)."""
UNRESOLVED = ("open", "acknowledged")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
DEFAULT_OFFLINE_MINUTES = 15
"""A device not heard from for this long is offline, unless an offline rule for its kind says otherwise."""


@dataclass
class Firing:
    """A rule's condition observed on a device: fired (value, moment) or seen normal (cleared)."""

    rule: Rule
    device: Device
    at: dt.datetime
    value: float | None = None
    metric: str | None = None
    fired: bool = True
    count: int = 1


# --------------------------------------------------------------------------- rules


def check_rule(data: s.RuleIn) -> None:
    """Each kind names what it needs, and only that (422 naming the field)."""
    if data.kind == "threshold":
        for name in ("metric", "operator", "threshold"):
            if getattr(data, name) is None:
                raise invalid(name, "a threshold rule names a metric, an operator and a threshold")
    elif data.kind == "offline" and data.offline_minutes is None:
        raise invalid("offline_minutes", "an offline rule says after how many minutes")
    elif data.kind == "event" and not data.event_code:
        raise invalid("event_code", "an event rule names the event code")
    if data.action in ("work_order", "coordination_case") and not data.category:
        raise invalid("category", "a rule that opens a work order or a case names its category")


def rule_out(rule: Rule) -> s.RuleOut:
    return s.RuleOut(
        id=rule.id,
        name=rule.name,
        device_kind=rule.device_kind,
        kind=rule.kind,
        metric=rule.metric,
        operator=rule.operator,
        threshold=rule.threshold,
        offline_minutes=rule.offline_minutes,
        event_code=rule.event_code,
        severity=rule.severity,
        action=rule.action,
        category=rule.category,
        active=rule.active,
    )


async def create_rule(session: AsyncSession, compound_id: uuid.UUID, data: s.RuleIn) -> Rule:
    check_rule(data)
    rule = Rule(
        id=uuid7(),
        compound_id=compound_id,
        name=data.name.strip(),
        device_kind=data.device_kind,
        kind=data.kind,
        metric=data.metric if data.kind == "threshold" else None,
        operator=data.operator if data.kind == "threshold" else None,
        threshold=data.threshold if data.kind == "threshold" else None,
        offline_minutes=data.offline_minutes if data.kind == "offline" else None,
        event_code=data.event_code if data.kind == "event" else None,
        severity=data.severity,
        action=data.action,
        category=data.category,
        active=data.active,
    )
    session.add(rule)
    await session.flush()
    return rule


async def list_rules(session: AsyncSession, compound_id: uuid.UUID, limit: int, offset: int) -> Page[s.RuleOut]:
    stmt = select(Rule).where(Rule.compound_id == compound_id).order_by(Rule.device_kind, Rule.name)
    rows, total = await paginate(session, stmt, limit, offset)
    return Page(items=[rule_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def rules_for(session: AsyncSession, compound_id: uuid.UUID, kinds: Iterable[str]) -> dict[str, list[Rule]]:
    """Active rules by device kind (one query)."""
    found: dict[str, list[Rule]] = {}
    kinds = set(kinds)
    if not kinds:
        return found
    rows = await session.scalars(select(Rule).where(Rule.compound_id == compound_id, Rule.active.is_(True), Rule.device_kind.in_(kinds)))
    for rule in rows:
        found.setdefault(rule.device_kind, []).append(rule)
    return found


def threshold_fires(rule: Rule, value: float) -> bool:
    return rule.operator is not None and rule.threshold is not None and COMPARE[rule.operator](value, rule.threshold)


# --------------------------------------------------------------------------- raising and clearing


def _describe(f: Firing) -> str:
    rule = f.rule
    where = f"{f.device.name}（{f.device.code}）"
    if rule.kind == "threshold":
        return f"{where} 读数 {f.value:g}（{rule.operator} {rule.threshold:g}）：{rule.name}"
    if rule.kind == "offline":
        return f"{where} 超过 {rule.offline_minutes} 分钟无心跳：{rule.name}"
    return f"{where} 上报事件：{rule.name}"  # the event's code (fault, tamper) is the device's word, not the reader's


async def apply_firings(session: AsyncSession, compound_id: uuid.UUID, firings: list[Firing]) -> int:
    """Open, update or clear alarms for what was observed; returns how many alarms were opened.

    One query finds the unresolved alarms of every (rule, device) concerned; new ones are inserted under a
    savepoint so a concurrent worker that opened the same alarm first turns this one into an update.
    """
    if not firings:
        return 0
    merged: dict[tuple[uuid.UUID, uuid.UUID], Firing] = {}
    for f in firings:  # per rule and device: the last firing with their count, else the last normal reading
        key = (f.rule.id, f.device.id)
        seen = merged.get(key)
        if seen is None or not seen.fired:
            merged[key] = f
        elif f.fired:
            f.count += seen.count
            merged[key] = f
    device_ids = {k[1] for k in merged}
    rule_ids = {k[0] for k in merged}
    existing = {
        (a.rule_id, a.device_id): a
        for a in await session.scalars(
            select(Alarm).where(
                Alarm.compound_id == compound_id,
                Alarm.state.in_(UNRESOLVED),
                Alarm.rule_id.in_(rule_ids),
                Alarm.device_id.in_(device_ids),
            )
        )
    }
    opened: list[Alarm] = []
    for key, f in merged.items():
        alarm = existing.get(key)
        if not f.fired:
            if alarm is not None and alarm.cleared_at is None:
                alarm.cleared_at = f.at
            continue
        if alarm is not None:
            _update(alarm, f)
            continue
        alarm = Alarm(
            id=uuid7(),
            compound_id=compound_id,
            rule_id=f.rule.id,
            device_id=f.device.id,
            severity=f.rule.severity,
            state="open",
            metric=f.metric or f.rule.metric or f.rule.event_code or ("offline" if f.rule.kind == "offline" else None),
            value=f.value,
            description=_describe(f),
            first_at=f.at,
            last_at=f.at,
            occurrences=f.count,
        )
        try:
            async with session.begin_nested():
                session.add(alarm)
                await session.flush()
        except IntegrityError:  # opened meanwhile by another worker: update that one
            current = await session.scalar(
                select(Alarm).where(
                    Alarm.compound_id == compound_id,
                    Alarm.state.in_(UNRESOLVED),
                    Alarm.rule_id == f.rule.id,
                    Alarm.device_id == f.device.id,
                )
            )
            if current is not None:
                _update(current, f)
            continue
        opened.append(alarm)
        _announce(session, alarm, f.rule, f.device)
    if opened:
        await _tell_control_room(session, compound_id, opened)
    return len(opened)


def _update(alarm: Alarm, f: Firing) -> None:
    alarm.last_at = max(alarm.last_at, f.at)
    alarm.occurrences += f.count
    alarm.value = f.value if f.value is not None else alarm.value
    alarm.cleared_at = None


def _announce(session: AsyncSession, alarm: Alarm, rule: Rule, device: Device) -> None:
    emit(
        session,
        "smart_property.alarm.raised",
        {
            "alarm_id": str(alarm.id),
            "device_id": str(device.id),
            "device_type": device.kind,
            "rule": rule.name,
            "severity": alarm.severity,
            "metric": alarm.metric,
            "value": alarm.value,
            "action": rule.action,
            "category": rule.category,
            "building_id": str(device.building_id) if device.building_id else None,
            "description": alarm.description,
        },
        compound_id=alarm.compound_id,
    )


async def _tell_control_room(session: AsyncSession, compound_id: uuid.UUID, alarms: list[Alarm]) -> None:
    """Who holds ``write`` on alarms in the compound (the control room) gets one notification per new alarm."""
    users = await holders(session, ALARM, "write", compound_id)
    if not users:
        return
    for alarm in alarms:
        await notify(
            session,
            users,
            "smart_property.alarm.raised",
            f"设备告警（{ {'critical': '紧急', 'warning': '警告', 'info': '提示'}[alarm.severity] }）",
            alarm.description[:200],
            link=f"/console/compounds/{compound_id}/smart_property/alarms",
            compound_id=compound_id,
        )


# --------------------------------------------------------------------------- the desk


def alarm_query(compound_id: uuid.UUID, state: str | None = None, severity: str | None = None) -> Select:
    stmt = select(Alarm, Rule, Device).join(Rule, (Rule.compound_id == Alarm.compound_id) & (Rule.id == Alarm.rule_id))
    stmt = stmt.join(Device, (Device.compound_id == Alarm.compound_id) & (Device.id == Alarm.device_id)).where(
        Alarm.compound_id == compound_id
    )
    if state == "unresolved":
        stmt = stmt.where(Alarm.state.in_(UNRESOLVED))
    elif state:
        stmt = stmt.where(Alarm.state == state)
    if severity:
        stmt = stmt.where(Alarm.severity == severity)
    return stmt.order_by(Alarm.state.desc(), Alarm.last_at.desc())


def alarm_out(alarm: Alarm, rule: Rule, device: Device, *, may_move: bool) -> s.AlarmOut:
    return s.AlarmOut(
        id=alarm.id,
        rule_id=rule.id,
        rule_name=rule.name,
        device_id=device.id,
        device_code=device.code,
        device_name=device.name,
        severity=alarm.severity,
        state=alarm.state,
        action=rule.action,
        metric=alarm.metric,
        value=alarm.value,
        description=alarm.description,
        first_at=alarm.first_at,
        last_at=alarm.last_at,
        occurrences=alarm.occurrences,
        cleared_at=alarm.cleared_at,
        acknowledged_at=alarm.acknowledged_at,
        resolved_at=alarm.resolved_at,
        resolution=alarm.resolution,
        allowed=ALARMS.allowed(alarm.state) if may_move else [],
    )


async def list_alarms(ctx: RequestContext, *, state: str | None, severity: str | None, limit: int, offset: int) -> Page[s.AlarmOut]:
    assert ctx.compound_id is not None
    rows, total = await paginate(ctx.session, alarm_query(ctx.compound_id, state, severity), limit, offset)
    may = ctx.can(ALARM, "write")
    return Page(items=[alarm_out(a, r, d, may_move=may) for a, r, d in rows], total=total, limit=limit, offset=offset)


async def move_alarm(ctx: RequestContext, alarm_id: uuid.UUID, data: s.AlarmMoveIn) -> s.AlarmOut:
    """Acknowledge or resolve (409 naming the allowed moves otherwise); resolving tells the plugins that acted on it."""
    assert ctx.compound_id is not None
    row = (await ctx.session.execute(alarm_query(ctx.compound_id).where(Alarm.id == alarm_id).with_for_update(of=Alarm))).first()
    if row is None:
        raise not_found("alarm")
    alarm, rule, device = row
    alarm.state = ALARMS.next(alarm.state, data.action)
    moment = now()
    if data.action == "acknowledge":
        alarm.acknowledged_at, alarm.acknowledged_by = moment, ctx.user_id
    else:
        if alarm.acknowledged_at is None:
            alarm.acknowledged_at, alarm.acknowledged_by = moment, ctx.user_id
        alarm.resolved_at, alarm.resolved_by, alarm.resolution = moment, ctx.user_id, data.note.strip()
        emit(
            ctx.session,
            "smart_property.alarm.resolved",
            {"alarm_id": str(alarm.id)},
            compound_id=alarm.compound_id,
            actor_user_id=ctx.user_id,
        )
    await ctx.session.flush()
    return alarm_out(alarm, rule, device, may_move=True)
