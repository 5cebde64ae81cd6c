"""Inspections (检查考核) and rectification (整改).

An inspection follows a plan's checklist: each item scores from 0 to its
maximum (a score outside is a 422 naming the item); the inspection's score is
100 × kept / possible, rounded half up. Items marked as findings open a
rectification notice to the compound's operator with a deadline counted in
working days (``core.calendar``). The operator answers each item with evidence
(attachments of ``quality.rectification``); once every item is answered the
notice is *responded*; the district accepts or returns each item with a
reason; all accepted → *verified*, any returned → *returned* (answer again);
then closed. A job marks unanswered notices past their deadline overdue, tells
the district and the operator, and the period holding that moment deducts
the scheme's points for each.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_today, compound_zone
from core.authz.holders import holders
from core.calendar import work_calendar
from core.clock import now
from core.db import serialise
from core.events.services import emit
from core.notifications.services import notify
from core.problems import Problem, invalid, not_found
from core.states import StateMachine
from plugins.quality.models import Inspection, InspectionPlan, InspectionResult, Rectification, RectificationItem
from plugins.quality.schemas import field as s
from plugins.quality.services.common import one_in_compound, one_of_tenant, to_decimal
from tenants.models import Compound

NOTICE = StateMachine(
    "rectification notice",
    {
        "issued": {"respond": "responded"},
        "responded": {"verify": "verified", "return": "returned"},
        "returned": {"respond": "responded"},
        "verified": {"close": "closed"},
        "closed": {},
    },
)
ITEM = StateMachine(
    "rectification item",
    {
        "open": {"answer": "answered"},
        "answered": {"answer": "answered", "accept": "accepted", "return": "returned"},
        "returned": {"answer": "answered"},
        "accepted": {},
    },
)
UNANSWERED = ("issued", "returned")
RECORD_TYPES = [
    {"name": "quality.inspection", "object": "quality.inspection", "model": Inspection},
    {"name": "quality.rectification", "object": "quality.rectification", "model": Rectification},
]
"""Inspection photos and the operator's evidence are attachments of these records."""


# --------------------------------------------------------------------------- plans and inspections


async def create_plan(
    session: AsyncSession, tenant_id: uuid.UUID | None, reachable: set[uuid.UUID] | None, data: s.PlanIn
) -> InspectionPlan:
    if data.ends_on < data.starts_on:
        raise invalid("ends_on", "the plan ends on or after its first day")
    keys: set[str] = set()
    for n, item in enumerate(data.checklist):
        if item.key in keys:
            raise invalid(f"checklist[{n}].key", "used twice")
        keys.add(item.key)
        if not item.max_score.is_finite() or item.max_score <= 0 or item.max_score > 1000:
            raise invalid(f"checklist[{n}].max_score", "must be more than 0 and at most 1000")
    if reachable is not None and not set(data.compound_ids) <= reachable:
        raise invalid("compound_ids", "a compound named is not in your jurisdiction")
    row = InspectionPlan(
        tenant_id=tenant_id,
        name=data.name,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        compound_ids=[str(c) for c in dict.fromkeys(data.compound_ids)],
        checklist=[{"key": i.key, "text": i.text, "dimension": i.dimension, "max_score": str(i.max_score)} for i in data.checklist],
    )
    session.add(row)
    await session.flush()
    return row


def plan_out(row: InspectionPlan) -> s.PlanOut:
    return s.PlanOut(
        id=row.id, name=row.name, starts_on=row.starts_on, ends_on=row.ends_on, compound_ids=row.compound_ids, checklist=row.checklist
    )


async def record_inspection(
    session: AsyncSession, tenant_id: uuid.UUID | None, compound_id: uuid.UUID, user_id: uuid.UUID, inspector: str, data: s.InspectionIn
) -> Inspection:
    """The on-site result: every checklist item scored within its range; findings are kept for the notice."""
    plan = await one_of_tenant(session, InspectionPlan, tenant_id, data.plan_id, "inspection plan")
    if str(compound_id) not in plan.compound_ids:
        raise invalid("plan_id", "this plan does not cover the compound")
    checklist = {i["key"]: i for i in plan.checklist}
    given = {}
    for n, result in enumerate(data.results):
        item = checklist.get(result.key)
        if item is None:
            raise invalid(f"results[{n}].key", "not an item of the plan's checklist")
        if result.key in given:
            raise invalid(f"results[{n}].key", "scored twice")
        top = Decimal(item["max_score"])
        if not result.score.is_finite() or result.score < 0 or result.score > top:
            raise invalid(f"results[{n}].score", f"must lie between 0 and {top}")
        given[result.key] = result
    missing = [k for k in checklist if k not in given]
    if missing:
        raise invalid("results", f"score every item of the checklist (missing: {', '.join(missing)})")
    possible = sum((Decimal(i["max_score"]) for i in plan.checklist), Decimal(0))
    kept = sum((given[k].score for k in checklist), Decimal(0))
    inspection = Inspection(
        compound_id=compound_id,
        tenant_id=tenant_id,
        plan_id=plan.id,
        inspected_on=data.inspected_on or await compound_today(session, compound_id),
        inspector_user_id=user_id,
        inspector_name=inspector,
        max_total=possible,
        kept_total=kept,
        score=to_decimal(Fraction(kept) * 100 / Fraction(possible)),
        summary=data.summary,
    )
    session.add(inspection)
    await session.flush()
    for n, (key, item) in enumerate(checklist.items()):
        r = given[key]
        session.add(
            InspectionResult(
                compound_id=compound_id,
                inspection_id=inspection.id,
                key=key,
                text=item["text"],
                dimension=item["dimension"],
                max_score=Decimal(item["max_score"]),
                score=r.score,
                note=r.note,
                finding=r.finding,
                position=n,
            )
        )
    await session.flush()
    return inspection


async def inspections_out(session: AsyncSession, rows: list[Inspection]) -> list[s.InspectionOut]:
    """A page of inspections with their results (one query for the page)."""
    results: dict[uuid.UUID, list[InspectionResult]] = {r.id: [] for r in rows}
    if rows:
        found = await session.scalars(
            select(InspectionResult)
            .where(InspectionResult.inspection_id.in_(list(results)), InspectionResult.compound_id.in_({r.compound_id for r in rows}))
            .order_by(InspectionResult.position)
        )
        for item in found.all():
            results[item.inspection_id].append(item)
    return [
        s.InspectionOut(
            id=r.id,
            compound_id=r.compound_id,
            plan_id=r.plan_id,
            inspected_on=r.inspected_on,
            inspector_name=r.inspector_name,
            score=str(r.score),
            summary=r.summary,
            rectification_id=r.rectification_id,
            results=[
                s.ResultOut(
                    key=i.key,
                    text=i.text,
                    dimension=i.dimension,
                    max_score=str(i.max_score),
                    score=str(i.score),
                    note=i.note,
                    finding=i.finding,
                )
                for i in results[r.id]
            ],
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- rectification


async def _next_number(session: AsyncSession, compound_id: uuid.UUID) -> str:
    await serialise(session, "quality.rectification_number", compound_id)  # concurrent notices count one after the other
    count = await session.scalar(select(func.count()).select_from(Rectification).where(Rectification.compound_id == compound_id))
    return f"ZG{now():%Y%m%d}-{(count or 0) + 1:04d}"


async def issue_notice(
    session: AsyncSession,
    tenant_id: uuid.UUID | None,
    compound_id: uuid.UUID,
    user_id: uuid.UUID,
    data: s.NoticeIn,
    *,
    inspection_id: uuid.UUID | None = None,
) -> Rectification:
    """A notice to the compound's operator; its deadline is ``working_days`` working days from now, in the compound's zone."""
    compound = await session.scalar(select(Compound).where(Compound.id == compound_id))
    if compound is None:
        raise not_found("compound")
    if compound.operator_tenant_id is None:
        raise invalid("compound", "the compound has no operator to rectify")
    moment = now()
    due = work_calendar().add_working_days(moment, data.working_days, await compound_zone(session, compound_id))
    notice = Rectification(
        compound_id=compound_id,
        number=await _next_number(session, compound_id),
        tenant_id=tenant_id,
        operator_tenant_id=compound.operator_tenant_id,
        title=data.title,
        state="issued",
        issued_by=user_id,
        issued_at=moment,
        working_days=data.working_days,
        due_at=due,
        inspection_id=inspection_id,
    )
    session.add(notice)
    await session.flush()
    for n, text in enumerate(data.items):
        session.add(RectificationItem(compound_id=compound_id, notice_id=notice.id, position=n, text=text))
    await session.flush()
    people = await holders(session, "quality.rectification", "write", compound_id, tenant_ids=[compound.operator_tenant_id])
    if people:
        await notify(
            session,
            people,
            "quality.rectification",
            f"整改通知 {notice.number}：{notice.title}",
            f"请于 {due:%Y-%m-%d} 前逐项答复整改情况。",
            link=console_link(notice),
            compound_id=compound_id,
        )
    emit(
        session,
        "quality.rectification.issued",
        {"notice_id": str(notice.id), "number": notice.number, "due_at": due.isoformat()},
        compound_id=compound_id,
    )
    return notice


async def notice_from_inspection(
    session: AsyncSession,
    tenant_id: uuid.UUID | None,
    compound_id: uuid.UUID,
    inspection_id: uuid.UUID,
    user_id: uuid.UUID,
    data: s.FromInspectionIn,
) -> Rectification:
    """The inspection's findings become the notice's items (once per inspection)."""
    inspection = await one_in_compound(session, Inspection, compound_id, inspection_id, "inspection")
    if inspection.rectification_id is not None:
        raise Problem(409, "already-issued", "Already issued", "this inspection's findings already have a notice", field="inspection")
    findings = (
        await session.scalars(
            select(InspectionResult)
            .where(
                InspectionResult.compound_id == compound_id,
                InspectionResult.inspection_id == inspection.id,
                InspectionResult.finding.is_(True),
            )
            .order_by(InspectionResult.position)
        )
    ).all()
    if not findings:
        raise invalid("inspection", "the inspection recorded no finding to rectify")
    items = [f"{f.text}：{f.note}" if f.note else f.text for f in findings]
    title = data.title or f"{inspection.inspected_on:%Y-%m-%d} 检查发现问题整改"
    notice = await issue_notice(
        session,
        tenant_id,
        compound_id,
        user_id,
        s.NoticeIn(title=title, items=items, working_days=data.working_days),
        inspection_id=inspection.id,
    )
    inspection.rectification_id = notice.id
    await session.flush()
    return notice


def console_link(notice: Rectification) -> str:
    return f"/console/compounds/{notice.compound_id}/quality/rectifications/{notice.id}"


async def _items(session: AsyncSession, notice: Rectification) -> list[RectificationItem]:
    return list(
        (
            await session.scalars(
                select(RectificationItem)
                .where(RectificationItem.compound_id == notice.compound_id, RectificationItem.notice_id == notice.id)
                .order_by(RectificationItem.position)
                .with_for_update()
            )
        ).all()
    )


async def answer_item(
    session: AsyncSession, compound_id: uuid.UUID, notice_id: uuid.UUID, item_id: uuid.UUID, data: s.AnswerIn
) -> Rectification:
    """The operator answers one item; when none is left open or returned, the notice is responded."""
    notice = await one_in_compound(session, Rectification, compound_id, notice_id, "rectification notice")
    if notice.state not in UNANSWERED:
        NOTICE.next(notice.state, "respond")
    items = await _items(session, notice)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise not_found("rectification item")
    item.state = ITEM.next(item.state, "answer")
    item.answer, item.answered_at = data.answer, now()
    if all(i.state in ("answered", "accepted") for i in items):
        notice.state = NOTICE.next(notice.state, "respond")
        notice.responded_at = now()
        people = await holders(session, "quality.rectification", "approve", compound_id, tenant_ids=[notice.tenant_id])
        if people:
            await notify(
                session,
                people,
                "quality.rectification",
                f"整改已答复 {notice.number}",
                notice.title,
                link=console_link(notice),
                compound_id=compound_id,
            )
    await session.flush()
    return notice


async def judge_item(
    session: AsyncSession, compound_id: uuid.UUID, notice_id: uuid.UUID, item_id: uuid.UUID, data: s.VerdictIn
) -> Rectification:
    """The district accepts or returns (with a reason) one answered item; when none waits, the notice is verified or returned."""
    notice = await one_in_compound(session, Rectification, compound_id, notice_id, "rectification notice")
    if notice.state != "responded":
        NOTICE.next(notice.state, "verify")
    if data.verdict == "return" and not data.reason.strip():
        raise invalid("reason", "say why the item is returned")
    items = await _items(session, notice)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise not_found("rectification item")
    item.state = ITEM.next(item.state, data.verdict)
    item.return_reason = data.reason.strip() if data.verdict == "return" else ""
    item.rounds += 1
    if not any(i.state == "answered" for i in items):
        returned = any(i.state == "returned" for i in items)
        notice.state = NOTICE.next(notice.state, "return" if returned else "verify")
        if returned:
            people = await holders(
                session,
                "quality.rectification",
                "write",
                compound_id,
                tenant_ids=[notice.operator_tenant_id] if notice.operator_tenant_id else None,
            )
            if people:
                await notify(
                    session,
                    people,
                    "quality.rectification",
                    f"整改被退回 {notice.number}",
                    "部分整改项未通过验收，请按意见重新整改并答复。",
                    link=console_link(notice),
                    compound_id=compound_id,
                )
        else:
            notice.verified_at = now()
    await session.flush()
    return notice


async def close_notice(session: AsyncSession, compound_id: uuid.UUID, notice_id: uuid.UUID) -> Rectification:
    notice = await one_in_compound(session, Rectification, compound_id, notice_id, "rectification notice")
    notice.state = NOTICE.next(notice.state, "close")
    notice.closed_at = now()
    await session.flush()
    return notice


def notices_query(compound_id: uuid.UUID | None, state: str | None = None):
    """A compound's notices, or (``None``) every notice the session's scope reaches: the district's desk."""
    stmt = select(Rectification)
    if compound_id is not None:
        stmt = stmt.where(Rectification.compound_id == compound_id)
    if state == "overdue":
        stmt = stmt.where(Rectification.overdue_at.is_not(None), Rectification.state.in_(UNANSWERED))
    elif state:
        stmt = stmt.where(Rectification.state == state)
    return stmt.order_by(Rectification.issued_at.desc(), Rectification.id)


async def notices_out(session: AsyncSession, rows: list[Rectification]) -> list[s.NoticeOut]:
    """A page of notices with their items (one query for the page)."""
    items: dict[uuid.UUID, list[RectificationItem]] = {r.id: [] for r in rows}
    if rows:
        found = await session.scalars(
            select(RectificationItem)
            .where(RectificationItem.notice_id.in_(list(items)), RectificationItem.compound_id.in_({r.compound_id for r in rows}))
            .order_by(RectificationItem.position)
        )
        for item in found.all():
            items[item.notice_id].append(item)
    return [
        s.NoticeOut(
            id=r.id,
            compound_id=r.compound_id,
            number=r.number,
            title=r.title,
            state=r.state,
            allowed=NOTICE.allowed(r.state),
            issued_at=r.issued_at,
            due_at=r.due_at,
            working_days=r.working_days,
            overdue=r.overdue_at is not None,
            escalation_level=r.escalation_level,
            responded_at=r.responded_at,
            closed_at=r.closed_at,
            inspection_id=r.inspection_id,
            items=[
                s.ItemOut(
                    id=i.id,
                    position=i.position,
                    text=i.text,
                    state=i.state,
                    answer=i.answer,
                    answered_at=i.answered_at,
                    return_reason=i.return_reason,
                    rounds=i.rounds,
                )
                for i in items[r.id]
            ],
        )
        for r in rows
    ]


def _newly_overdue() -> tuple:
    return Rectification.state.in_(UNANSWERED), Rectification.due_at < now(), Rectification.overdue_at.is_(None)


async def compounds_with_overdue_notices(session: AsyncSession) -> list[uuid.UUID]:
    """The compounds with an unanswered notice past its deadline not yet marked (the job's one look-up over the city)."""
    return list((await session.scalars(select(Rectification.compound_id).where(*_newly_overdue()).distinct())).all())


async def mark_overdue(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """The job's step: unanswered notices past their deadline become overdue (once) and escalate to both sides."""
    late = (await session.scalars(select(Rectification).where(Rectification.compound_id == compound_id, *_newly_overdue()))).all()
    if not late:
        return 0
    districts = {n.tenant_id for n in late}
    operators = {n.operator_tenant_id for n in late if n.operator_tenant_id}
    watchers = await holders(session, "quality.rectification", "approve", compound_id, tenant_ids=list(districts))
    owners = await holders(session, "quality.rectification", "write", compound_id, tenant_ids=list(operators))
    for notice in late:
        notice.overdue_at = now()
        notice.escalation_level = 1
        people = sorted(set(watchers) | set(owners))
        if people:
            await notify(
                session,
                people,
                "quality.rectification_overdue",
                f"整改逾期 {notice.number}",
                f"{notice.title}：已超过整改期限，将按考核方案扣分。",
                link=console_link(notice),
                compound_id=compound_id,
            )
        emit(session, "quality.rectification.escalated", {"notice_id": str(notice.id), "number": notice.number}, compound_id=compound_id)
    await session.flush()
    return len(late)
