"""Indicators quality contributes to evaluations (satisfaction, inspections, rectification, work-order ratings) and its widgets."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.quality.models import Inspection, Rectification, RequestFact
from plugins.quality.services.common import to_decimal
from plugins.quality.services.evaluation import published_for_compound
from plugins.quality.services.surveys import response_rates_by_compound, satisfaction_by_compound, satisfaction_over, scores


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


async def satisfaction(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    found = await scores(session, [compound_id], start=start, end=end)
    return Decimal(found.overall) if found.overall is not None else None


async def response_rate(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    found = await scores(session, [compound_id], start=start, end=end)
    return Decimal(found.response_rate) if found.response_rate is not None else None


async def inspection_score(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    rows = (
        await session.scalars(
            select(Inspection.score).where(
                Inspection.compound_id == compound_id, Inspection.inspected_on >= start, Inspection.inspected_on < end
            )
        )
    ).all()
    return to_decimal(sum((Fraction(r) for r in rows), Fraction(0)) / len(rows)) if rows else None


async def rectification_on_time(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    due = (Rectification.compound_id == compound_id, Rectification.due_at >= _utc(start), Rectification.due_at < _utc(end))
    total = await session.scalar(select(func.count()).select_from(Rectification).where(*due))
    if not total:
        return None
    kept = await session.scalar(
        select(func.count())
        .select_from(Rectification)
        .where(*due, Rectification.responded_at.is_not(None), Rectification.responded_at <= Rectification.due_at)
    )
    return to_decimal(Fraction(int(kept or 0) * 100, int(total)))


async def work_order_rating(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    rows = (
        await session.scalars(
            select(RequestFact.rating).where(
                RequestFact.compound_id == compound_id,
                RequestFact.rating.is_not(None),
                RequestFact.filed_at >= _utc(start),
                RequestFact.filed_at < _utc(end),
            )
        )
    ).all()
    return to_decimal(Fraction(sum(rows) * 20, len(rows))) if rows else None


async def satisfaction_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    return await satisfaction_by_compound(session, compound_ids, start, end)


async def response_rate_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    return await response_rates_by_compound(session, compound_ids, start, end)


async def inspection_score_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    rows = (
        await session.execute(
            select(Inspection.compound_id, Inspection.score)
            .where(Inspection.inspected_on >= start, Inspection.inspected_on < end)
            .execution_options(within=compound_ids)
        )
    ).all()
    found: dict[uuid.UUID, list] = {}
    for compound_id, score in rows:
        found.setdefault(compound_id, []).append(Fraction(score))
    return {c: to_decimal(sum(v, Fraction(0)) / len(v)) for c, v in found.items()}


async def rectification_on_time_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    kept_now = (Rectification.responded_at.is_not(None)) & (Rectification.responded_at <= Rectification.due_at)
    rows = (
        await session.execute(
            select(Rectification.compound_id, func.count(), func.count().filter(kept_now))
            .where(Rectification.due_at >= _utc(start), Rectification.due_at < _utc(end))
            .execution_options(within=compound_ids)
            .group_by(Rectification.compound_id)
        )
    ).all()
    return {c: to_decimal(Fraction(int(kept or 0) * 100, int(total))) for c, total, kept in rows if total}


async def work_order_rating_many(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> dict:
    rows = (
        await session.execute(
            select(RequestFact.compound_id, func.sum(RequestFact.rating), func.count())
            .where(RequestFact.rating.is_not(None), RequestFact.filed_at >= _utc(start), RequestFact.filed_at < _utc(end))
            .execution_options(within=compound_ids)
            .group_by(RequestFact.compound_id)
        )
    ).all()
    return {c: to_decimal(Fraction(int(total) * 20, int(n))) for c, total, n in rows if n}


INDICATORS: list[dict] = [
    {
        "code": "quality.satisfaction",
        "label_zh": "居民满意度",
        "label_en": "Resident satisfaction",
        "dimension": "evaluation",
        "unit": "score",
        "target": Decimal("90"),
        "weight": Decimal("30"),
        "higher_is_better": True,
        "method": "测评与工单回访中全部评分题的平均分（5星=100分）",
        "compute": satisfaction,
        "compute_many": satisfaction_many,
    },
    {
        "code": "quality.survey_response_rate",
        "label_zh": "测评参与率",
        "label_en": "Survey response rate",
        "dimension": "evaluation",
        "unit": "%",
        "target": Decimal("60"),
        "weight": Decimal("5"),
        "higher_is_better": True,
        "method": "期内测评的答卷户数 ÷ 发放户数",
        "compute": response_rate,
        "compute_many": response_rate_many,
    },
    {
        "code": "quality.inspection_score",
        "label_zh": "检查考核得分",
        "label_en": "Inspection score",
        "dimension": "inspection",
        "unit": "score",
        "target": Decimal("90"),
        "weight": Decimal("30"),
        "higher_is_better": True,
        "method": "期内各次现场检查得分（实得分 ÷ 应得分 × 100）的平均",
        "compute": inspection_score,
        "compute_many": inspection_score_many,
    },
    {
        "code": "quality.rectification_on_time",
        "label_zh": "整改按时答复率",
        "label_en": "Rectification answered on time",
        "dimension": "inspection",
        "unit": "%",
        "target": Decimal("100"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "method": "期内到期的整改通知中，在期限前全部答复的比例",
        "compute": rectification_on_time,
        "compute_many": rectification_on_time_many,
    },
    {
        "code": "quality.work_order_rating",
        "label_zh": "工单评价得分",
        "label_en": "Work-order rating",
        "dimension": "repairs",
        "unit": "score",
        "target": Decimal("90"),
        "weight": Decimal("10"),
        "higher_is_better": True,
        "method": "期内诉求的居民评价星级平均（5星=100分）",
        "compute": work_order_rating,
        "compute_many": work_order_rating_many,
    },
]


async def stars_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    found = await published_for_compound(session, compound_ids[0]) if compound_ids else None
    return {"value": found[1].stars if found else None, "unit": "★"}


async def satisfaction_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    overall = await satisfaction_over(session, compound_ids, today - dt.timedelta(days=90), today + dt.timedelta(days=1))
    return {"value": None if overall is None else str(overall), "unit": "分"}


async def ranking_widget(session: AsyncSession, compound_ids: list[uuid.UUID], today: dt.date) -> dict:
    """The district home's quality ranking: the compounds' composite scores in the latest evaluation period that scored
    them, best first (three statements whatever the number of compounds)."""
    from core.access import rules
    from plugins.quality.models.evaluation import CompoundScore, Period

    latest = await session.scalar(
        select(CompoundScore.period_id)
        .join(Period, Period.id == CompoundScore.period_id)
        .where(CompoundScore.compound_id.in_(compound_ids))
        .order_by(Period.ends_on.desc(), Period.id.desc())
        .limit(1)
    )
    if latest is None:
        return {"series": [], "unit": "分"}
    rows = (
        await session.execute(
            select(CompoundScore.compound_id, CompoundScore.composite)
            .where(CompoundScore.period_id == latest, CompoundScore.compound_id.in_(compound_ids))
            .order_by(CompoundScore.composite.desc(), CompoundScore.compound_id)
            .limit(10)
        )
    ).all()
    names = await rules().compound_names(session, [c for c, _ in rows])
    return {"series": [(names.get(c, ""), value) for c, value in rows], "unit": "分"}


WIDGETS: list[dict] = [
    {
        "code": "quality.stars",
        "label_zh": "星级评定",
        "label_en": "Star rating",
        "scope": "compound",
        "kind": "figure",
        "compute": stars_widget,
    },
    {
        "code": "quality.satisfaction",
        "label_zh": "近90天满意度",
        "label_en": "Satisfaction (90 days)",
        "scope": "compound",
        "kind": "figure",
        "compute": satisfaction_widget,
    },
    {
        "code": "quality.satisfaction_district",
        "label_zh": "辖区近90天满意度",
        "label_en": "District satisfaction (90 days)",
        "scope": "district",
        "kind": "figure",
        "compute": satisfaction_widget,
    },
    {
        "code": "quality.ranking",
        "label_zh": "服务质量排名（最近一期）",
        "label_en": "Quality ranking (latest period)",
        "scope": "district",
        "kind": "bars",
        "compute": ranking_widget,
    },
]
