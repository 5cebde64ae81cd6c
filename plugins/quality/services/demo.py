"""quality's demo data for district 1 (文峰区): last quarter's published evaluation with stars and ranks, an open
satisfaction survey, and an inspection whose findings wait in a rectification notice for enterprise A.

Everything goes through the services (the period is computed by ``evaluation.compute_period`` with the host the
demo builder hands over on ``seed.host``); only the other households' answers are written as rows, since the
demo's households have no accounts. Residents' and operators' inboxes are left alone (``announce=False``): the
demo accounts find their work on the pages. Dates lie outside the day the tests work in (answers 2–6 days ago,
inspections last quarter and 3 days ago, the notice due in 15 working days), so tests see only what they add.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select

from core.access import compound_today
from core.clock import now
from plugins.quality.models import Campaign, Response
from plugins.quality.schemas import evaluation as se
from plugins.quality.schemas import field as sf
from plugins.quality.schemas import surveys as ss
from plugins.quality.services import evaluation, field, surveys
from plugins.quality.services.surveys import STANDARD_QUESTIONS
from tenants.models import Household, Resident

SCHEME = [
    ("quality.inspection_score", "40", "90", "50"),
    ("quality.satisfaction", "30", "90", "60"),
    ("quality.work_order_rating", "10", "90", "60"),
    ("quality.rectification_on_time", "10", "100", "0"),
    ("quality.survey_response_rate", "10", "60", "0"),
]
CHECKLIST = [
    sf.ChecklistItem(key="cleaning", text="公共区域及楼道保洁", max_score=Decimal(25), dimension="cleaning"),
    sf.ChecklistItem(key="fire", text="消防通道畅通、设施完好", max_score=Decimal(30), dimension="security"),
    sf.ChecklistItem(key="greening", text="绿化养护", max_score=Decimal(20), dimension="greening"),
    sf.ChecklistItem(key="desk", text="服务中心公示与接待", max_score=Decimal(25), dimension="service_desk"),
]
LAST_QUARTER = {"A1": ("24", "28", "18", "23"), "A2": ("20", "22", "16", "21"), "B1": ("24", "28", "18", "23")}
"""Last quarter's inspection scores per compound (of 25, 30, 20, 25)."""
IMPROVE = ["停车管理", "电梯维护", "垃圾分类", "绿化", "夜间照明"]


def add_demo_rows(seed) -> None:
    async def step(session, city) -> None:
        await build(session, city, seed.host, seed.rng)

    seed.then(step)


def _quarter_before(day: dt.date) -> tuple[dt.date, dt.date, str]:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    start = dt.date(first.year - 1, 10, 1) if first.month == 1 else dt.date(first.year, first.month - 3, 1)
    return start, first, f"{start.year}年第{(start.month - 1) // 3 + 1}季度物业服务考核"


async def _answer(session, rng, campaign: Campaign, households: list[uuid.UUID], days: tuple[dt.date, dt.date], base: int) -> None:
    """Named answers of the households given, ratings around ``base`` stars, submitted within ``days``."""
    span = (days[1] - days[0]).days
    for household in households:
        answers = {q.key: max(1, min(5, base + rng.choice((-1, 0, 0, 1)))) for q in STANDARD_QUESTIONS if q.kind == "rating"}
        answers["improve"] = rng.sample(IMPROVE, 2)
        session.add(
            Response(
                compound_id=campaign.compound_id,
                campaign_id=campaign.id,
                household_key=str(household),
                household_id=household,
                answers=answers,
                submitted_on=days[0] + dt.timedelta(days=rng.randrange(max(span, 1))),
            )
        )


async def build(session, city, host, rng) -> None:
    district, inspector = city.tenants["D1"], city.users["district-1-admin"]
    keys = ("A1", "A2", "B1")
    compounds = [city.compounds[k] for k in keys]
    today = await compound_today(session, compounds[0])
    start, end, period_name = _quarter_before(today)
    mid = start + (end - start) / 2
    accounts = set(
        (
            await session.scalars(select(Resident.household_id).where(Resident.compound_id.in_(compounds), Resident.user_id.is_not(None)))
        ).all()
    )
    households: dict[uuid.UUID, list[uuid.UUID]] = {c: [] for c in compounds}
    for cid, hid in (await session.execute(select(Household.compound_id, Household.id).where(Household.compound_id.in_(compounds)))).all():
        if hid not in accounts:
            households[cid].append(hid)

    # surveys: last quarter's (closed, answered) and this one's (open; the demo residents find it waiting)
    template = await surveys.create_template(
        session, district, ss.TemplateIn(name="物业服务满意度问卷（标准版）", questions=STANDARD_QUESTIONS)
    )
    earlier = await surveys.launch_campaign(
        session,
        district,
        None,
        ss.CampaignIn(
            template_id=template.id,
            title=f"{start.year}年第{(start.month - 1) // 3 + 1}季度满意度测评",
            compound_ids=compounds,
            closes_at=now() + dt.timedelta(days=1),
        ),
        announce=False,
    )
    for base, campaign in zip((4, 3, 5), earlier, strict=True):
        campaign.opens_at = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
        campaign.closes_at = dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC)
        await surveys.close_campaign(session, campaign)
        mine = sorted(households[campaign.compound_id])
        await _answer(session, rng, campaign, mine[: len(mine) * 2 // 3], (start, end - dt.timedelta(days=1)), base)
    current = await surveys.launch_campaign(
        session,
        district,
        None,
        ss.CampaignIn(
            template_id=template.id,
            title=f"{today.year}年度物业服务满意度测评",
            compound_ids=compounds,
            closes_at=now() + dt.timedelta(days=21),
        ),
        announce=False,
    )
    for base, campaign in zip((4, 4, 3), current, strict=True):
        campaign.opens_at = now() - dt.timedelta(days=7)
        mine = sorted(households[campaign.compound_id])
        await _answer(session, rng, campaign, mine[: len(mine) // 3], (today - dt.timedelta(days=6), today - dt.timedelta(days=1)), base)
    await session.flush()

    # last quarter: inspections, then the period computed, reviewed and published
    plan = await field.create_plan(
        session,
        district,
        None,
        sf.PlanIn(name=f"{period_name}现场检查", starts_on=start, ends_on=end, compound_ids=compounds, checklist=CHECKLIST),
    )
    for key in keys:
        scores = LAST_QUARTER[key]
        results = [sf.ResultIn(key=item.key, score=Decimal(v)) for item, v in zip(CHECKLIST, scores, strict=True)]
        await field.record_inspection(
            session, district, city.compounds[key], inspector, "王振华", sf.InspectionIn(plan_id=plan.id, inspected_on=mid, results=results)
        )
    items = [se.SchemeItemIn(code=c, weight=Decimal(w), target=Decimal(t), zero_at=Decimal(z)) for c, w, t, z in SCHEME]
    scheme = await evaluation.save_scheme(
        session,
        host,
        district,
        se.SchemeIn(
            name="文峰区红色物业服务质量考核方案",
            items=items,
            star_thresholds=[Decimal(60), Decimal(70), Decimal(80), Decimal(90)],
            overdue_deduction=Decimal(2),
            deduction_cap=Decimal(10),
            note="依据《红色物业建设规范》第7章：检查考核、满意度测评、工单评价与整改时效。",
        ),
    )
    period = await evaluation.create_period(
        session, district, se.PeriodIn(scheme_id=scheme.id, name=period_name, starts_on=start, ends_on=end)
    )
    for action in ("compute", "review", "publish"):
        await evaluation.move_period(session, host, district, period.id, action, inspector, announce=False)

    # this quarter: an inspection of A1 with findings, and the notice waiting for enterprise A (one item already returned)
    spot = await field.create_plan(
        session,
        district,
        None,
        sf.PlanIn(
            name="月度随机抽查",
            starts_on=today - dt.timedelta(days=5),
            ends_on=today + dt.timedelta(days=25),
            compound_ids=compounds,
            checklist=CHECKLIST,
        ),
    )
    a1 = city.compounds["A1"]
    found = await field.record_inspection(
        session,
        district,
        a1,
        inspector,
        "王振华",
        sf.InspectionIn(
            plan_id=spot.id,
            inspected_on=today - dt.timedelta(days=3),
            summary="2号楼消防通道堆放杂物，1号楼楼道保洁不到位。",
            results=[
                sf.ResultIn(key="cleaning", score=Decimal(18), note="1号楼2单元楼道积灰、小广告未清理", finding=True),
                sf.ResultIn(key="fire", score=Decimal(20), note="2号楼消防通道堆放电动车和纸箱", finding=True),
                sf.ResultIn(key="greening", score=Decimal(20)),
                sf.ResultIn(key="desk", score=Decimal(24)),
            ],
        ),
    )
    notice = await field.notice_from_inspection(session, district, a1, found.id, inspector, sf.FromInspectionIn(working_days=15))
    first, second = (await field.notices_out(session, [notice]))[0].items
    answers = {first.id: "已安排保洁员清扫1号楼各单元楼道并清除小广告。", second.id: "已清理2号楼消防通道，电动车移至充电车棚。"}
    for item_id, text in answers.items():
        await field.answer_item(session, a1, notice.id, item_id, sf.AnswerIn(answer=text))
    await field.judge_item(session, a1, notice.id, second.id, sf.VerdictIn(verdict="accept"))
    await field.judge_item(
        session, a1, notice.id, first.id, sf.VerdictIn(verdict="return", reason="复查时2单元仍有小广告，请附清理后照片。")
    )
