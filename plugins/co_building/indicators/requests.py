"""co_building indicators and dashboard widgets: service requests and work orders (接诉即办)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.plugins.figures import zone_windows
from plugins.co_building.models.requests import ServiceRequest
from plugins.co_building.services.requests import OPEN_STATES, operator_zone

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


async def bounds(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) local dates of the compound's operator as UTC instants."""
    _, zone = await operator_zone(session, compound_id)
    tz = ZoneInfo(zone)
    return dt.datetime.combine(start, dt.time(), tzinfo=tz).astimezone(dt.UTC), dt.datetime.combine(end, dt.time(), tzinfo=tz).astimezone(
        dt.UTC
    )


def _filed(compound_id: uuid.UUID, lo: dt.datetime, hi: dt.datetime):
    return (
        ServiceRequest.compound_id == compound_id,
        ServiceRequest.created_at >= lo,
        ServiceRequest.created_at < hi,
        ServiceRequest.state != "cancelled",
    )


async def on_time_response(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Requests filed in the period answered (accepted) within the limit, of those answered or already late."""
    lo, hi = await bounds(session, compound_id, start, end)
    moment = now()
    rows = (
        await session.execute(select(ServiceRequest.responded_at, ServiceRequest.response_due_at).where(*_filed(compound_id, lo, hi)))
    ).all()
    decided = [(r, d) for r, d in rows if r is not None or d <= moment]
    return percent(sum(1 for r, d in decided if r is not None and r <= d), len(decided))


async def on_time_completion(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Requests filed in the period completed within the limit, of those completed or already late."""
    lo, hi = await bounds(session, compound_id, start, end)
    moment = now()
    rows = (
        await session.execute(
            select(ServiceRequest.completed_at, ServiceRequest.completion_due_at, ServiceRequest.completion_breached).where(
                *_filed(compound_id, lo, hi)
            )
        )
    ).all()
    decided = [(c, d, late) for c, d, late in rows if c is not None or d <= moment]
    return percent(sum(1 for c, d, late in decided if c is not None and c <= d and not late), len(decided))


async def mean_rating(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Mean resident rating (1–5) of requests filed in the period."""
    lo, hi = await bounds(session, compound_id, start, end)
    ratings = (
        await session.scalars(select(ServiceRequest.rating).where(*_filed(compound_id, lo, hi), ServiceRequest.rating.is_not(None)))
    ).all()
    return None if not ratings else (Decimal(sum(ratings)) / Decimal(len(ratings))).quantize(CENT, rounding=ROUND_HALF_UP)


async def reopen_rate(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Share of the period's completed-at-least-once requests that had to be reopened."""
    lo, hi = await bounds(session, compound_id, start, end)
    rows = (await session.execute(select(ServiceRequest.reopen_count, ServiceRequest.state).where(*_filed(compound_id, lo, hi)))).all()
    done = [n for n, state in rows if n > 0 or state in {"completed", "rated", "closed"}]
    return percent(sum(1 for n in done if n > 0), len(done))


async def _counted_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date, *aggregates) -> dict:
    """Aggregates over the requests filed in the period, per compound: one grouped statement per time zone (bulk
    indicators; the per-compound forms above read the rows and count in Python — the counts are the same)."""
    found: dict[uuid.UUID, tuple] = {}
    for lo, hi, ids in await zone_windows(session, compound_ids, start, end):
        stmt = (
            select(ServiceRequest.compound_id, *aggregates)
            .where(
                ServiceRequest.compound_id.in_(ids),
                ServiceRequest.created_at >= lo,
                ServiceRequest.created_at < hi,
                ServiceRequest.state != "cancelled",
            )
            .group_by(ServiceRequest.compound_id)
        )
        found.update((row[0], tuple(row[1:])) for row in (await session.execute(stmt)).all())
    return found


def _count(*conditions):
    return func.count().filter(and_(*conditions))


async def on_time_response_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    answered = ServiceRequest.responded_at.is_not(None)
    decided = _count(or_(answered, ServiceRequest.response_due_at <= now()))
    kept = _count(answered, ServiceRequest.responded_at <= ServiceRequest.response_due_at)
    return {c: percent(int(k), int(d)) for c, (k, d) in (await _counted_many(session, compound_ids, start, end, kept, decided)).items()}


async def on_time_completion_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    done = ServiceRequest.completed_at.is_not(None)
    decided = _count(or_(done, ServiceRequest.completion_due_at <= now()))
    kept = _count(
        done,
        ServiceRequest.completed_at <= ServiceRequest.completion_due_at,
        or_(ServiceRequest.completion_breached.is_(None), ServiceRequest.completion_breached.is_(False)),
    )
    return {c: percent(int(k), int(d)) for c, (k, d) in (await _counted_many(session, compound_ids, start, end, kept, decided)).items()}


async def mean_rating_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    totals = await _counted_many(session, compound_ids, start, end, func.sum(ServiceRequest.rating), func.count(ServiceRequest.rating))
    return {c: (Decimal(int(total)) / Decimal(int(n))).quantize(CENT, rounding=ROUND_HALF_UP) for c, (total, n) in totals.items() if n}


async def reopen_rate_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    reopened = ServiceRequest.reopen_count > 0
    done = _count(or_(reopened, ServiceRequest.state.in_(("completed", "rated", "closed"))))
    return {
        c: percent(int(r), int(d)) for c, (r, d) in (await _counted_many(session, compound_ids, start, end, _count(reopened), done)).items()
    }


async def open_requests(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    n = await session.scalar(
        select(func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.state.in_(OPEN_STATES))
        .execution_options(within=compound_ids)  # one compound filter (core.db.WITHIN)
    )
    return {"value": n or 0, "unit": "件"}


async def overdue_requests(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    n = await session.scalar(
        select(func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.state.in_(OPEN_STATES), ServiceRequest.response_breached | ServiceRequest.completion_breached)
        .execution_options(within=compound_ids)
    )
    return {"value": n or 0, "unit": "件"}


async def requests_by_kind(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    since = now() - dt.timedelta(days=30)
    rows = (
        await session.execute(
            select(ServiceRequest.kind, func.count())
            .where(ServiceRequest.created_at >= since)
            .group_by(ServiceRequest.kind)
            .execution_options(within=compound_ids)
            .order_by(ServiceRequest.kind)
        )
    ).all()
    labels = {"repair": "报修", "complaint": "投诉", "suggestion": "建议", "enquiry": "咨询", "praise": "表扬"}
    return {"series": [[labels.get(kind, kind), n] for kind, n in rows], "unit": "件"}


INDICATORS: list[dict] = [
    {
        "code": "co_building.on_time_response",
        "label_zh": "诉求按时响应率",
        "label_en": "On-time response",
        "unit": "%",
        "target": Decimal("95"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": on_time_response,
        "compute_many": on_time_response_many,
    },
    {
        "code": "co_building.on_time_completion",
        "label_zh": "诉求按时办结率",
        "label_en": "On-time completion",
        "unit": "%",
        "target": Decimal("90"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": on_time_completion,
        "compute_many": on_time_completion_many,
    },
    {
        "code": "co_building.mean_rating",
        "label_zh": "居民评价均分",
        "label_en": "Mean resident rating",
        "unit": "score",
        "target": Decimal("4.5"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": mean_rating,
        "compute_many": mean_rating_many,
    },
    {
        "code": "co_building.reopen_rate",
        "label_zh": "工单返工率",
        "label_en": "Reopen rate",
        "unit": "%",
        "target": Decimal("5"),
        "weight": Decimal("5"),
        "higher_is_better": False,
        "compute": reopen_rate,
        "compute_many": reopen_rate_many,
    },
]
WIDGETS: list[dict] = [
    {
        "code": "co_building.open_requests",
        "label_zh": "未办结诉求",
        "label_en": "Open requests",
        "scope": "compound",
        "kind": "figure",
        "compute": open_requests,
    },
    {
        "code": "co_building.overdue_requests",
        "label_zh": "超时工单",
        "label_en": "Overdue work orders",
        "scope": "compound",
        "kind": "figure",
        "compute": overdue_requests,
    },
    {
        "code": "co_building.requests_by_kind",
        "label_zh": "近30天诉求分类",
        "label_en": "Requests by kind (30 days)",
        "scope": "compound",
        "kind": "bars",
        "compute": requests_by_kind,
    },
]
