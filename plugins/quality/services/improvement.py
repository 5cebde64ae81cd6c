"""Improvement (服务改进): quality's projection of co_building's requests, complaint analytics, improvement plans, the closed loop.

The projection is filled from co_building's events only (``request.filed``
carries kind and category; ``request.completed`` the room and the filer, from
which the household and building are found here; ``request.rated`` the
rating). Analytics: complaints by category, by building (hot spots), the
households that complained again within 30 days, and the monthly trend.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.plugins.figures import indicator_values
from core.plugins.manager import PluginHost
from core.problems import conflict, invalid, not_found
from plugins.quality.models import ImprovementAction, ImprovementPlan, RequestFact
from plugins.quality.schemas import improvement as s
from plugins.quality.services.common import dec, household_of, one_in_compound, to_decimal
from tenants.models import Building, Household, Room, Unit

REPEAT_DAYS = 30


async def _fact(session: AsyncSession, compound_id: uuid.UUID, request_id: uuid.UUID) -> RequestFact:
    row = await session.scalar(select(RequestFact).where(RequestFact.compound_id == compound_id, RequestFact.id == request_id))
    if row is None:
        row = RequestFact(compound_id=compound_id, id=request_id)
        session.add(row)
    return row


async def _place(session: AsyncSession, compound_id: uuid.UUID, room_id: uuid.UUID) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The room's building and (first) household."""
    found = (
        await session.execute(
            select(Unit.building_id, Household.id)
            .select_from(Room)
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .join(Household, (Household.compound_id == Room.compound_id) & (Household.room_id == Room.id), isouter=True)
            .where(Room.compound_id == compound_id, Room.id == room_id)
            .limit(1)
        )
    ).first()
    return (found[0], found[1]) if found else (None, None)


async def project(session: AsyncSession, compound_id: uuid.UUID, event: dict[str, Any]) -> None:
    """Keep the projection of one request current from a co_building event."""
    payload, kind = event["payload"], event["type"]
    fact = await _fact(session, compound_id, uuid.UUID(str(payload["request_id"])))
    at = dt.datetime.fromisoformat(event["occurred_at"]) if event.get("occurred_at") else now()
    for key in ("number", "kind", "category"):
        if payload.get(key):
            setattr(fact, key, payload[key])
    if kind == "co_building.request.filed":
        fact.filed_at = fact.filed_at or at
    if payload.get("room_id"):
        fact.room_id = uuid.UUID(str(payload["room_id"]))
        fact.building_id, household = await _place(session, compound_id, fact.room_id)
        fact.household_id = fact.household_id or household
    if payload.get("filed_for_user_id"):
        fact.household_id = (
            await household_of(session, compound_id, uuid.UUID(str(payload["filed_for_user_id"])), fact.room_id) or fact.household_id
        )
    if kind == "co_building.request.completed":
        fact.completed_at = at
    if kind == "co_building.request.rated":
        fact.rating = int(payload["rating"])
    await session.flush()


def _window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC), dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC)


async def complaint_analytics(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> s.ComplaintAnalytics:
    """Complaints filed in [start, end) in the compounds: categories, buildings, repeats within 30 days, months."""
    lo, hi = _window(start, end)
    facts = (
        await session.scalars(
            select(RequestFact)
            .where(
                RequestFact.compound_id.in_(compound_ids),
                RequestFact.kind == "complaint",
                RequestFact.filed_at >= lo,
                RequestFact.filed_at < hi,
            )
            .order_by(RequestFact.filed_at)
        )
    ).all()
    buildings = {b.id: b.name for b in (await session.scalars(select(Building).where(Building.compound_id.in_(compound_ids)))).all()}
    categories = Counter(f.category for f in facts)
    by_building = Counter(buildings.get(f.building_id, "—") for f in facts if f.building_id)
    months = Counter(f"{f.filed_at:%Y-%m}" for f in facts if f.filed_at)
    last: dict[uuid.UUID, dt.datetime] = {}
    repeats: Counter[str] = Counter()
    households: set[uuid.UUID] = set()
    for f in facts:
        if f.household_id is None or f.filed_at is None:
            continue
        before = last.get(f.household_id)
        if before is not None and f.filed_at - before <= dt.timedelta(days=REPEAT_DAYS):
            households.add(f.household_id)
            repeats[f.category] += 1
        last[f.household_id] = f.filed_at
    top = lambda c: [s.Series(label=k, value=v) for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]  # noqa: E731
    return s.ComplaintAnalytics(
        total=len(facts),
        categories=top(categories),
        buildings=top(by_building),
        repeat_households=len(households),
        repeats=top(repeats),
        months=[s.Series(label=k, value=v) for k, v in sorted(months.items())],
    )


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months, whole months, up to and including today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1), today + dt.timedelta(days=1)


async def loop_figures(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> s.LoopOut:
    """The closed loop 需求表达 → 服务满足 → 评价参与 from the projection and the surveys: requests by kind, completed,
    rated, the mean rating, by month; survey scores; the stars of the latest published period."""
    from plugins.quality.services.evaluation import latest_stars
    from plugins.quality.services.surveys import scores

    lo, hi = _window(start, end)
    facts = (
        await session.scalars(
            select(RequestFact).where(RequestFact.compound_id.in_(compound_ids), RequestFact.filed_at >= lo, RequestFact.filed_at < hi)
        )
    ).all()
    kinds = Counter(f.kind or "other" for f in facts)
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for f in facts:
        counts = months[f"{f.filed_at:%Y-%m}"]
        counts[0] += 1
        counts[1] += f.completed_at is not None
        counts[2] += f.rating is not None
    ratings = [f.rating for f in facts if f.rating is not None]
    stars = Counter(await latest_stars(session, compound_ids))
    return s.LoopOut(
        start=start,
        end=end,
        compounds=len(compound_ids),
        demand=[s.Series(label=k, value=v) for k, v in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))],
        filed=len(facts),
        completed=sum(1 for f in facts if f.completed_at is not None),
        rated=len(ratings),
        mean_rating=dec(to_decimal(Fraction(sum(ratings), len(ratings)))) if ratings else None,
        months=[s.LoopMonth(month=m, filed=c[0], completed=c[1], rated=c[2]) for m, c in sorted(months.items())],
        survey=await scores(session, compound_ids, start=start, end=end),
        stars=[s.Series(label=str(n), value=stars.get(n, 0)) for n in range(1, 6)],
    )


def plans_query(compound_id: uuid.UUID):
    return (
        select(ImprovementPlan)
        .where(ImprovementPlan.compound_id == compound_id)
        .order_by(ImprovementPlan.created_at.desc(), ImprovementPlan.id)
    )


async def complete_action(
    session: AsyncSession, compound_id: uuid.UUID, plan_id: uuid.UUID, action_id: uuid.UUID, day: dt.date
) -> ImprovementPlan:
    """Mark an action done (once); when every action is done the plan is ``done``."""
    plan = await one_in_compound(session, ImprovementPlan, compound_id, plan_id, "improvement plan")
    actions = (
        await session.scalars(
            select(ImprovementAction).where(ImprovementAction.compound_id == compound_id, ImprovementAction.plan_id == plan.id)
        )
    ).all()
    action = next((a for a in actions if a.id == action_id), None)
    if action is None:
        raise not_found("improvement action")
    if action.done_on is not None:
        raise conflict("this action is already done", field="action")
    action.done_on = day
    if all(a.done_on is not None for a in actions):
        plan.state = "done"
    await session.flush()
    return plan


# --------------------------------------------------------------------------- plans


async def _value(session: AsyncSession, host: PluginHost, compound_id: uuid.UUID, code: str, start: dt.date, end: dt.date):
    for v in await indicator_values(session, host, compound_id, start, end):
        if v.code == code:
            return v.value
    return None


async def create_plan(
    session: AsyncSession, host: PluginHost, compound_id: uuid.UUID, user_id: uuid.UUID, data: s.PlanIn
) -> ImprovementPlan:
    """A plan names the indicator it should move; its 'before' figure is measured now over the baseline window."""
    codes = {item["code"] for _, item in host.declared("redprop_indicators")}
    if data.indicator_code not in codes:
        raise invalid("indicator_code", "no such indicator")
    for a, b, field in ((data.baseline_start, data.baseline_end, "baseline_end"), (data.review_start, data.review_end, "review_end")):
        if b <= a:
            raise invalid(field, "the window ends after it starts")
    plan = ImprovementPlan(
        compound_id=compound_id,
        title=data.title,
        problem=data.problem,
        indicator_code=data.indicator_code,
        baseline_start=data.baseline_start,
        baseline_end=data.baseline_end,
        review_start=data.review_start,
        review_end=data.review_end,
        created_by=user_id,
        before_value=await _value(session, host, compound_id, data.indicator_code, data.baseline_start, data.baseline_end),
    )
    session.add(plan)
    await session.flush()
    for a in data.actions:
        session.add(ImprovementAction(compound_id=compound_id, plan_id=plan.id, text=a.text, owner=a.owner, due_on=a.due_on))
    await session.flush()
    return plan


async def measure_after(session: AsyncSession, host: PluginHost, plan: ImprovementPlan) -> ImprovementPlan:
    """The 'after' figure over the review window (measured again whenever asked)."""
    plan.after_value = await _value(session, host, plan.compound_id, plan.indicator_code, plan.review_start, plan.review_end)
    await session.flush()
    return plan


async def plans_out(session: AsyncSession, rows: list[ImprovementPlan]) -> list[s.PlanOut]:
    actions: dict[uuid.UUID, list[ImprovementAction]] = {r.id: [] for r in rows}
    if rows:
        for a in (
            await session.scalars(
                select(ImprovementAction).where(ImprovementAction.plan_id.in_(list(actions))).order_by(ImprovementAction.due_on)
            )
        ).all():
            actions[a.plan_id].append(a)
    return [
        s.PlanOut(
            id=r.id,
            title=r.title,
            problem=r.problem,
            indicator_code=r.indicator_code,
            baseline_start=r.baseline_start,
            baseline_end=r.baseline_end,
            review_start=r.review_start,
            review_end=r.review_end,
            before_value=dec(r.before_value),
            after_value=dec(r.after_value),
            state=r.state,
            actions=[s.ActionOut(id=a.id, text=a.text, owner=a.owner, due_on=a.due_on, done_on=a.done_on) for a in actions[r.id]],
        )
        for r in rows
    ]
