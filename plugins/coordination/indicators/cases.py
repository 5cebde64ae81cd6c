"""coordination indicators and dashboard widgets over cases (物业+执法+服务): resolution, on time, time to resolve,
escalations — per compound here; per department on the departments page (``services.cases.department_performance``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_zone
from core.plugins.figures import zone_windows
from plugins.coordination.models.cases import CATEGORIES, Case
from plugins.coordination.services.cases import FINISHED, OPEN

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


async def bounds(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) local dates of the compound as UTC instants."""
    tz = ZoneInfo(await compound_zone(session, compound_id))
    return tuple(dt.datetime.combine(d, dt.time(), tzinfo=tz).astimezone(dt.UTC) for d in (start, end))  # type: ignore[return-value]


async def _reported(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date):
    lo, hi = await bounds(session, compound_id, start, end)
    stmt = select(Case.state, Case.escalation_level, Case.created_at, Case.resolved_at, Case.resolution_due_at).where(
        Case.compound_id == compound_id, Case.created_at >= lo, Case.created_at < hi, Case.state != "returned"
    )
    return (await session.execute(stmt)).all()


async def resolution_rate(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Cases reported in the period that are resolved (or verified, closed), of all reported."""
    rows = await _reported(session, compound_id, start, end)
    return percent(sum(1 for r in rows if r.state in FINISHED), len(rows))


async def on_time_rate(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Resolved cases of the period resolved within their limit."""
    done = [r for r in await _reported(session, compound_id, start, end) if r.resolved_at is not None]
    return percent(sum(1 for r in done if r.resolved_at <= r.resolution_due_at), len(done))


async def mean_hours_to_resolve(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Mean hours from report to resolution of the period's resolved cases (calendar hours: what the resident waits)."""
    done = [r for r in await _reported(session, compound_id, start, end) if r.resolved_at is not None]
    if not done:
        return None
    seconds = sum(int((r.resolved_at - r.created_at).total_seconds()) for r in done)
    return (Decimal(seconds) / Decimal(3600 * len(done))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def escalations_per_100(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    """Cases of the period escalated beyond their limit, per 100 cases."""
    rows = await _reported(session, compound_id, start, end)
    return percent(sum(1 for r in rows if r.escalation_level > 0), len(rows))


def _reported_in(ids: list[uuid.UUID], lo: dt.datetime, hi: dt.datetime) -> tuple:
    return Case.compound_id.in_(ids), Case.created_at >= lo, Case.created_at < hi, Case.state != "returned"


async def _counted_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date, *aggregates) -> dict:
    """Aggregates over the cases reported in the period, per compound: one grouped statement per time zone (bulk
    indicators; the per-compound forms above count the same rows in Python)."""
    found: dict[uuid.UUID, tuple] = {}
    for lo, hi, ids in await zone_windows(session, compound_ids, start, end):
        stmt = select(Case.compound_id, *aggregates).where(*_reported_in(ids, lo, hi)).group_by(Case.compound_id)
        found.update((row[0], tuple(row[1:])) for row in (await session.execute(stmt)).all())
    return found


def _count(*conditions):
    return func.count().filter(and_(*conditions))


async def resolution_rate_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    counted = await _counted_many(session, compound_ids, start, end, _count(Case.state.in_(FINISHED)), func.count())
    return {c: percent(int(done), int(n)) for c, (done, n) in counted.items()}


async def on_time_rate_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    resolved = Case.resolved_at.is_not(None)
    kept = _count(resolved, Case.resolved_at <= Case.resolution_due_at)
    return {
        c: percent(int(k), int(n)) for c, (k, n) in (await _counted_many(session, compound_ids, start, end, kept, _count(resolved))).items()
    }


async def escalations_per_100_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    counted = await _counted_many(session, compound_ids, start, end, _count(Case.escalation_level > 0), func.count())
    return {c: percent(int(e), int(n)) for c, (e, n) in counted.items()}


async def mean_hours_to_resolve_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    """The resolved cases' two times only, one statement per time zone; hours summed as the per-compound form does."""
    found: dict[uuid.UUID, list] = {}
    for lo, hi, ids in await zone_windows(session, compound_ids, start, end):
        stmt = select(Case.compound_id, Case.created_at, Case.resolved_at).where(*_reported_in(ids, lo, hi), Case.resolved_at.is_not(None))
        for r in (await session.execute(stmt)).all():
            found.setdefault(r.compound_id, []).append(r)
    return {c: _mean_hours(rows) for c, rows in found.items()}


def _mean_hours(rows) -> Decimal | None:
    done = [r for r in rows if r.resolved_at is not None]
    if not done:
        return None
    seconds = sum(int((r.resolved_at - r.created_at).total_seconds()) for r in done)
    return (Decimal(seconds) / Decimal(3600 * len(done))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def open_cases(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    count = await session.scalar(select(func.count()).select_from(Case).where(Case.state.in_(OPEN)).execution_options(within=compound_ids))
    return {"value": int(count or 0), "unit": "count"}


async def escalated_cases(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    count = await session.scalar(
        select(func.count()).select_from(Case).where(Case.state.in_(OPEN), Case.escalation_level > 0).execution_options(within=compound_ids)
    )
    return {"value": int(count or 0), "unit": "count"}


CATEGORY_LABELS_ZH = {
    "illegal_building": "私搭乱建",
    "green_space_enclosure": "圈占绿地",
    "fire_lane_blocked": "占用消防通道",
    "group_renting": "群租",
    "noise": "噪音扰民",
    "dangerous_pets": "危险犬只",
    "safety_hazard": "安全隐患",
    "neighbour_dispute": "邻里纠纷",
    "other": "其他",
}
"""The widget's bars are labelled as the console shows categories (the series carries words, not codes)."""


async def open_by_category(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    rows = dict(
        (
            await session.execute(
                select(Case.category, func.count())
                .where(Case.state.in_(OPEN))
                .execution_options(within=compound_ids)
                .group_by(Case.category)
            )
        ).all()
    )
    return {"series": [[CATEGORY_LABELS_ZH.get(c, c), int(rows[c])] for c in CATEGORIES if rows.get(c)], "unit": "件"}


INDICATORS: list[dict] = [
    {
        "code": "coordination.resolution_rate",
        "label_zh": "协同案件办结率",
        "label_en": "Case resolution rate",
        "unit": "%",
        "target": Decimal("90"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": resolution_rate,
        "compute_many": resolution_rate_many,
    },
    {
        "code": "coordination.on_time_rate",
        "label_zh": "协同案件按时办结率",
        "label_en": "Cases resolved on time",
        "unit": "%",
        "target": Decimal("95"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "compute": on_time_rate,
        "compute_many": on_time_rate_many,
    },
    {
        "code": "coordination.mean_hours_to_resolve",
        "label_zh": "协同案件平均办结时长",
        "label_en": "Mean time to resolve a case",
        "unit": "h",
        "target": Decimal("72"),
        "weight": Decimal("5"),
        "higher_is_better": False,
        "compute": mean_hours_to_resolve,
        "compute_many": mean_hours_to_resolve_many,
    },
    {
        "code": "coordination.escalations_per_100",
        "label_zh": "每百件案件升级督办数",
        "label_en": "Escalations per 100 cases",
        "unit": "count",
        "target": Decimal("5"),
        "weight": Decimal("5"),
        "higher_is_better": False,
        "compute": escalations_per_100,
        "compute_many": escalations_per_100_many,
    },
]
WIDGETS: list[dict] = [
    {
        "code": "coordination.open_cases",
        "label_zh": "在办协同案件",
        "label_en": "Open cases",
        "scope": "compound",
        "kind": "figure",
        "compute": open_cases,
    },
    {
        "code": "coordination.district_open_cases",
        "label_zh": "全区在办协同案件",
        "label_en": "Open cases in the district",
        "scope": "district",
        "kind": "figure",
        "compute": open_cases,
    },
    {
        "code": "coordination.escalated_cases",
        "label_zh": "升级督办中的案件",
        "label_en": "Escalated open cases",
        "scope": "district",
        "kind": "figure",
        "compute": escalated_cases,
    },
    {
        "code": "coordination.open_by_category",
        "label_zh": "在办案件类别分布",
        "label_en": "Open cases by category",
        "scope": "district",
        "kind": "bars",
        "compute": open_by_category,
    },
]
