"""Pre-review (前置把关, standard §4): requests from other plugins (through ``core.review``), the organisation's
opinion, and the reviewer object party_building answers ``redprop_pre_reviewer`` with."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import review as core_review
from core.authz.holders import holders
from core.clock import now
from core.context import RequestContext
from core.events.services import emit
from core.notifications.services import notify
from core.problems import invalid, not_found
from core.states import StateMachine
from plugins.party_building import schemas as s
from plugins.party_building.models import PreReview
from plugins.party_building.services.common import local_today

MODULE = "party_building"
OBJECT = "party_building.pre_review"
PRE_REVIEW = StateMachine(
    "pre-review",
    {
        "requested": {"approve": "approve", "approve_with_conditions": "approve_with_conditions", "reject": "reject"},
        "approve": {},
        "approve_with_conditions": {},
        "reject": {},
    },
)
"""A request is answered once; a rejected matter, changed, is asked again (a new request)."""
STATES = tuple(PRE_REVIEW.states)


def _status(row: PreReview) -> core_review.PreReview:
    return core_review.PreReview(
        matter=row.matter,
        subject_id=row.subject_id,
        state=row.state,
        review_id=row.id,
        opinion_text=row.opinion_text,
        conditions=row.conditions,
        reviewer_name=row.reviewer_name,
        reviewed_on=row.reviewed_on,
        requested_by_name=row.requested_by_name,
    )


def _latest(compound_id: uuid.UUID, subjects: Mapping[str, Sequence[uuid.UUID]]):
    """The latest request of each subject of each matter (``subjects``: matter → subject ids), in one statement."""
    asked = or_(*(and_(PreReview.matter == matter, PreReview.subject_id.in_(list(ids))) for matter, ids in subjects.items()))
    ranked = (
        select(
            PreReview.id,
            func.row_number()
            .over(
                partition_by=(PreReview.matter, PreReview.subject_id),
                order_by=(PreReview.requested_at.desc(), PreReview.id.desc()),
            )
            .label("rank"),
        )
        .where(PreReview.compound_id == compound_id, asked)
        .subquery()
    )
    return select(PreReview).join(ranked, ranked.c.id == PreReview.id).where(PreReview.compound_id == compound_id, ranked.c.rank == 1)


async def latest_reviews(
    session: AsyncSession, compound_id: uuid.UUID, subjects: Mapping[str, Sequence[uuid.UUID]]
) -> dict[str, dict[uuid.UUID, core_review.PreReview]]:
    """The latest review of each subject, by matter (core.review.PreReviewer.statuses)."""
    subjects = {matter: ids for matter, ids in subjects.items() if ids}
    if not subjects:
        return {}
    found: dict[str, dict[uuid.UUID, core_review.PreReview]] = {}
    for row in (await session.scalars(_latest(compound_id, subjects))).all():
        found.setdefault(row.matter, {})[row.subject_id] = _status(row)
    return found


async def request_review(
    session: AsyncSession,
    compound_id: uuid.UUID,
    matter: str,
    subject_id: uuid.UUID,
    title: str,
    link: str,
    user_id: uuid.UUID | None,
    requested_by_name: str = "",
) -> PreReview:
    """A new request, unless one waits or has let the matter go on already (then that one): the reviewers are told."""
    current = (await session.scalars(_latest(compound_id, {matter: [subject_id]}))).first()
    if current is not None and current.state != "reject":
        return current
    if not requested_by_name and user_id is not None:
        from core.identity.models import User

        requested_by_name = await session.scalar(select(User.display_name).where(User.id == user_id)) or ""
    row = PreReview(
        compound_id=compound_id,
        matter=matter,
        subject_id=subject_id,
        subject_title=title.strip()[:200],
        link=link[:300],
        state="requested",
        requested_by_user_id=user_id,
        requested_by_name=requested_by_name[:100],
        requested_at=now(),
    )
    session.add(row)
    await session.flush()
    emit(
        session,
        "party_building.pre_review.requested",
        {"pre_review_id": str(row.id), "matter": matter, "subject_id": str(subject_id), "title": row.subject_title},
        compound_id=compound_id,
    )
    reviewers = await holders(session, OBJECT, "approve", compound_id)
    m_zh, _ = core_review.MATTERS[matter]
    await notify(
        session,
        reviewers,
        "party_building.pre_review",
        f"待前置把关：{m_zh}",
        f"{row.subject_title}（{row.requested_by_name or '—'} 提请）",
        link=f"/console/compounds/{compound_id}/party_building/pre-reviews/{row.id}",
        compound_id=compound_id,
    )
    return row


async def record_review(ctx: RequestContext, compound_id: uuid.UUID, review_id: uuid.UUID, data: s.PreReviewRecordIn) -> PreReview:
    """The organisation's opinion (who, on which day, with what conditions); the requester is told."""
    session = ctx.session
    row = await get_review(session, compound_id, review_id, for_update=True)
    target = PRE_REVIEW.next(row.state, data.opinion)
    today = await local_today(session, compound_id)
    reviewed_on = data.reviewed_on or today
    if reviewed_on > today:
        raise invalid("reviewed_on", "the review cannot be dated in the future")
    if reviewed_on < row.requested_at.date() - dt.timedelta(days=1):
        raise invalid("reviewed_on", "the review cannot be dated before it was requested")
    if data.opinion == "approve_with_conditions" and not (data.conditions or "").strip():
        raise invalid("conditions", "say the conditions of an approval with conditions")
    if data.opinion == "reject" and not (data.opinion_text or "").strip():
        raise invalid("opinion_text", "give the reason for a rejection")
    row.state = target
    row.opinion_text = (data.opinion_text or "").strip()
    row.conditions = (data.conditions or "").strip() if data.opinion == "approve_with_conditions" else ""
    row.reviewer_user_id = ctx.user_id
    row.reviewer_name = ((data.reviewer_name or "").strip() or ctx.principal.display_name)[:100]
    row.reviewed_on = reviewed_on
    row.recorded_at = now()
    await session.flush()
    emit(
        session,
        "party_building.pre_review.recorded",
        {
            "pre_review_id": str(row.id),
            "matter": row.matter,
            "subject_id": str(row.subject_id),
            "opinion": row.state,
            "reviewer_name": row.reviewer_name,
            "reviewed_on": reviewed_on.isoformat(),
        },
        compound_id=compound_id,
    )
    if row.requested_by_user_id is not None:
        o_zh, _ = core_review.OPINIONS[row.state]
        await notify(
            session,
            [row.requested_by_user_id],
            "party_building.pre_review",
            f"前置把关意见：{o_zh}",
            f"{row.subject_title}：{row.opinion_text or o_zh}" + (f"（条件：{row.conditions}）" if row.conditions else ""),
            link=row.link or None,
            compound_id=compound_id,
        )
    return row


async def get_review(session: AsyncSession, compound_id: uuid.UUID, review_id: uuid.UUID, *, for_update: bool = False) -> PreReview:
    stmt = select(PreReview).where(PreReview.compound_id == compound_id, PreReview.id == review_id)
    row = (await session.scalars(stmt.with_for_update() if for_update else stmt)).first()
    if row is None:
        raise not_found("pre-review")
    return row


def reviews_query(compound_id: uuid.UUID, *, state: str | None = None):
    stmt = select(PreReview).where(PreReview.compound_id == compound_id)
    if state:
        stmt = stmt.where(PreReview.state == state)
    return stmt.order_by((PreReview.state == "requested").desc(), PreReview.requested_at.desc(), PreReview.id)


def review_out(row: PreReview) -> s.PreReviewOut:
    m_zh, m_en = core_review.MATTERS.get(row.matter, (row.matter, row.matter))
    return s.PreReviewOut(
        id=row.id,
        compound_id=row.compound_id,
        matter=row.matter,
        matter_zh=m_zh,
        matter_en=m_en,
        subject_id=row.subject_id,
        subject_title=row.subject_title,
        link=row.link,
        state=row.state,
        requested_by_name=row.requested_by_name,
        requested_at=row.requested_at,
        opinion_text=row.opinion_text,
        conditions=row.conditions,
        reviewer_name=row.reviewer_name,
        reviewed_on=row.reviewed_on,
        recorded_at=row.recorded_at,
        allowed=PRE_REVIEW.allowed(row.state),
    )


class PartyPreReviewer:
    """What party_building answers ``redprop_pre_reviewer`` with (core.review.PreReviewer)."""

    module = MODULE

    async def statuses(self, session, compound_id, subjects):
        return await latest_reviews(session, compound_id, subjects)

    async def request(self, session, compound_id, matter, subject_id, title, link, user_id):
        return _status(await request_review(session, compound_id, matter, subject_id, title, link, user_id))


# --------------------------------------------------------------------------- waiting on a person's home


async def waiting_reviews(session: AsyncSession, user_id: uuid.UUID, compound_ids: list[uuid.UUID], moment: dt.datetime) -> dict:
    """Requests waiting for the organisation's opinion, oldest first (those over 5 days count as urgent)."""
    where = (PreReview.compound_id.in_(compound_ids), PreReview.state == "requested")
    count, urgent = (
        await session.execute(
            select(func.count(), func.count().filter(PreReview.requested_at < moment - dt.timedelta(days=5))).where(*where)
        )
    ).one()
    rows = (await session.scalars(select(PreReview).where(*where).order_by(PreReview.requested_at, PreReview.id).limit(5))).all()
    items = [
        {
            "title": f"{core_review.MATTERS.get(r.matter, (r.matter,))[0]}：{r.subject_title}",
            "href": f"/console/compounds/{r.compound_id}/party_building/pre-reviews/{r.id}",
            "when": r.requested_at,
        }
        for r in rows
    ]
    href = (
        f"/console/compounds/{compound_ids[0]}/party_building/pre-reviews"
        if len(compound_ids) == 1
        else (items[0]["href"] if items else "")
    )
    by_compound = dict(
        (await session.execute(select(PreReview.compound_id, func.count()).where(*where).group_by(PreReview.compound_id))).all()
    )
    return {"count": int(count), "urgent": int(urgent), "items": items, "href": href, "by_compound": by_compound}
