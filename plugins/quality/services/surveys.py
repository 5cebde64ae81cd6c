"""Satisfaction surveys (满意度测评): templates, campaigns sent to households, one response per household, scores.

A campaign is launched for several compounds at once (one row per compound,
sharing a batch id); its residents are told through the inbox with a portal
link. A household answers once; a new submission replaces the earlier one
until the campaign closes. In an anonymous campaign the response row holds
neither user nor household nor time of day: only a keyed digest of the
household id (HMAC under the platform's secret and the campaign's salt), which
keeps one answer per household while the campaign is open; closing erases the
salt, after which nobody can tell whose answer a row is. Anonymous rows are
written past the ORM so that the audit log records *that* the household's
member answered the campaign, never which row is theirs.

Scores are on 0–100: a rating r (1–5) counts as 20·r; a dimension's score is
the mean over its answers, the overall score the mean over every rating answer.
When a work order is completed (co_building's event) a short follow-up goes to
the household that filed it; its answers join the compound's figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import msgspec
from sqlalchemy import Text, cast, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.ids import uuid7
from core.notifications.services import notify
from core.problems import Problem, conflict, invalid, not_found
from core.settings import get_settings
from plugins.quality.models import Campaign, Response, SurveyTemplate
from plugins.quality.schemas import surveys as s
from plugins.quality.services.common import household_of, one_in_compound, one_of_tenant, to_decimal
from tenants.models import Household, Resident

RATING_POINTS = 20
FOLLOW_UP_DAYS = 14
FOLLOW_UP_QUESTIONS = [
    {"key": "overall", "text": "您对本次服务的总体满意度", "kind": "rating", "dimension": "repairs", "options": [], "required": True},
    {"key": "timeliness", "text": "处理是否及时", "kind": "rating", "dimension": "repairs", "options": [], "required": True},
    {"key": "attitude", "text": "服务人员态度", "kind": "rating", "dimension": "service_desk", "options": [], "required": True},
    {"key": "comment", "text": "意见和建议", "kind": "text", "dimension": "custom", "options": [], "required": False},
]


STANDARD_QUESTIONS = [
    s.Question(key="cleaning", text="小区公共区域保洁", kind="rating", dimension="cleaning"),
    s.Question(key="security", text="门岗与巡逻安保", kind="rating", dimension="security"),
    s.Question(key="greening", text="绿化养护", kind="rating", dimension="greening"),
    s.Question(key="repairs", text="报修处理及时性", kind="rating", dimension="repairs"),
    s.Question(key="desk", text="物业服务中心接待", kind="rating", dimension="service_desk"),
    s.Question(key="party", text="党建引领社区活动", kind="rating", dimension="party_building"),
    s.Question(
        key="improve",
        text="最希望改进的方面（可多选）",
        kind="multiple",
        options=["停车管理", "电梯维护", "垃圾分类", "绿化", "夜间照明"],
        required=False,
    ),
    s.Question(key="comment", text="意见和建议", kind="text", required=False),
]
"""The standard questionnaire (标准版): a rating per dimension of the standard, what to improve, a comment."""


def portal_link(campaign: Campaign) -> str:
    return f"/portal/compounds/{campaign.compound_id}/quality/surveys/{campaign.id}"


# --------------------------------------------------------------------------- templates


def check_questions(questions: list[s.Question]) -> list[dict[str, Any]]:
    """Questions as stored; choices need at least two distinct options, others none; keys are unique."""
    seen: set[str] = set()
    out = []
    for i, q in enumerate(questions):
        where = f"questions[{i}]"
        if q.key in seen:
            raise invalid(f"{where}.key", f"the key {q.key!r} is used twice")
        seen.add(q.key)
        if q.kind in ("single", "multiple"):
            if len(q.options) < 2 or len(set(q.options)) != len(q.options):
                raise invalid(f"{where}.options", "a choice needs at least two different options")
        elif q.options:
            raise invalid(f"{where}.options", f"a {q.kind} question has no options")
        out.append(
            {"key": q.key, "text": q.text, "kind": q.kind, "dimension": q.dimension, "options": list(q.options), "required": q.required}
        )
    return out


async def create_template(session: AsyncSession, tenant_id: uuid.UUID | None, data: s.TemplateIn) -> SurveyTemplate:
    if tenant_id is None:
        raise invalid("tenant", "questionnaires belong to a district or an enterprise")
    row = SurveyTemplate(tenant_id=tenant_id, name=data.name, questions=check_questions(data.questions))
    session.add(row)
    await session.flush()
    return row


def template_out(row: SurveyTemplate) -> s.TemplateOut:
    return s.TemplateOut(id=row.id, name=row.name, questions=row.questions, active=row.active)


def templates_query(tenant_id: uuid.UUID | None):
    return select(SurveyTemplate).where(SurveyTemplate.tenant_id == tenant_id).order_by(SurveyTemplate.created_at.desc(), SurveyTemplate.id)


# --------------------------------------------------------------------------- campaigns


async def _households(session: AsyncSession, compound_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(Household.compound_id, func.count()).where(Household.compound_id.in_(compound_ids)).group_by(Household.compound_id)
    )
    return {cid: int(n) for cid, n in rows.all()}


async def _resident_users(session: AsyncSession, compound_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await session.execute(
        select(Resident.compound_id, Resident.user_id)
        .where(Resident.compound_id.in_(compound_ids), Resident.user_id.is_not(None))
        .distinct()
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for cid, user_id in rows.all():
        found[cid].append(user_id)
    return found


async def launch_campaign(
    session: AsyncSession, tenant_id: uuid.UUID | None, reachable: set[uuid.UUID] | None, data: s.CampaignIn, *, announce: bool = True
) -> list[Campaign]:
    """One campaign per compound named (each must be reachable by the caller), households told through the inbox
    (``announce=False``: the demo city launches without filling residents' inboxes)."""
    template = await one_of_tenant(session, SurveyTemplate, tenant_id, data.template_id, "survey template")
    moment = now()
    closes = data.closes_at if data.closes_at.tzinfo else data.closes_at.replace(tzinfo=dt.UTC)
    if closes <= moment:
        raise invalid("closes_at", "the campaign must close in the future")
    compound_ids = list(dict.fromkeys(data.compound_ids))
    if reachable is not None and not set(compound_ids) <= reachable:
        raise invalid("compound_ids", "a compound named is not yours to survey")
    counts = await _households(session, compound_ids)
    users = await _resident_users(session, compound_ids)
    batch = uuid7()
    campaigns = []
    for cid in compound_ids:
        campaign = Campaign(
            compound_id=cid,
            tenant_id=tenant_id,
            batch_id=batch,
            kind="campaign",
            title=data.title,
            questions=template.questions,
            anonymous=data.anonymous,
            salt=secrets.token_hex(16) if data.anonymous else None,
            opens_at=moment,
            closes_at=closes,
            state="open",
            households_total=counts.get(cid, 0),
        )
        session.add(campaign)
        campaigns.append(campaign)
    await session.flush()
    for campaign in campaigns:
        if announce and users.get(campaign.compound_id):
            await notify(
                session,
                users[campaign.compound_id],
                "quality.survey",
                f"满意度测评：{campaign.title}",
                "请在截止前完成问卷，每户一份，可修改至截止。" + ("本次测评匿名。" if campaign.anonymous else ""),
                link=portal_link(campaign),
                compound_id=campaign.compound_id,
            )
    return campaigns


async def follow_up_completed(session: AsyncSession, compound_id: uuid.UUID, payload: dict[str, Any]) -> Campaign | None:
    """The short survey after a completed work order, to the household that filed it (once per order)."""
    request_id = uuid.UUID(str(payload["request_id"]))
    user = payload.get("filed_for_user_id")
    if not user:
        return None
    user_id = uuid.UUID(str(user))
    room = payload.get("room_id")
    household = await household_of(session, compound_id, user_id, uuid.UUID(str(room)) if room else None)
    existing = await session.scalar(select(Campaign).where(Campaign.compound_id == compound_id, Campaign.request_id == request_id))
    if existing is not None:
        return existing
    moment = now()
    campaign = Campaign(
        compound_id=compound_id,
        tenant_id=None,
        batch_id=uuid7(),
        kind="follow_up",
        title=f"工单回访 {payload.get('number') or ''}".strip(),
        questions=FOLLOW_UP_QUESTIONS,
        anonymous=False,
        opens_at=moment,
        closes_at=moment + dt.timedelta(days=FOLLOW_UP_DAYS),
        state="open",
        households_total=1,
        request_id=request_id,
        household_id=household,
    )
    session.add(campaign)
    await session.flush()
    await notify(
        session,
        [user_id],
        "quality.follow_up",
        f"服务回访：{campaign.title}",
        "您的诉求已办结，请花一分钟评价本次服务。",
        link=portal_link(campaign),
        compound_id=compound_id,
    )
    return campaign


async def close_campaign(session: AsyncSession, campaign: Campaign) -> None:
    """Close now: no more answers; an anonymous campaign's salt is erased, so its digests can no longer be matched."""
    campaign.state = "closed"
    campaign.salt = None
    if campaign.closes_at > now():
        campaign.closes_at = now()
    await session.flush()


def _due_campaigns() -> tuple:
    return Campaign.state == "open", Campaign.closes_at <= now()


async def compounds_with_due_campaigns(session: AsyncSession) -> list[uuid.UUID]:
    """The compounds with an open campaign whose time is up (the job's one look-up over the city)."""
    return list((await session.scalars(select(Campaign.compound_id).where(*_due_campaigns()).distinct())).all())


async def close_due(session: AsyncSession, compound_id: uuid.UUID) -> int:
    """The job's step: close the compound's campaigns whose time is up."""
    due = (await session.scalars(select(Campaign).where(Campaign.compound_id == compound_id, *_due_campaigns()))).all()
    for campaign in due:
        await close_campaign(session, campaign)
    return len(due)


def campaigns_query(compound_id: uuid.UUID, *, kind: str | None = None, state: str | None = None):
    stmt = select(Campaign).where(Campaign.compound_id == compound_id)
    if kind:
        stmt = stmt.where(Campaign.kind == kind)
    if state:
        stmt = stmt.where(Campaign.state == state)
    return stmt.order_by(Campaign.opens_at.desc(), Campaign.id)


async def campaigns_out(session: AsyncSession, rows: list[Campaign]) -> list[s.CampaignOut]:
    """Shape a page of campaigns with their response counts (one query for the page)."""
    ids = [r.id for r in rows]
    counts: dict[uuid.UUID, int] = {}
    if ids:
        found = await session.execute(
            select(Response.campaign_id, func.count()).where(Response.campaign_id.in_(ids)).group_by(Response.campaign_id)
        )
        counts = {cid: int(n) for cid, n in found.all()}
    return [
        s.CampaignOut(
            id=r.id,
            compound_id=r.compound_id,
            batch_id=r.batch_id,
            kind=r.kind,
            title=r.title,
            anonymous=r.anonymous,
            state=effective_state(r),
            opens_at=r.opens_at,
            closes_at=r.closes_at,
            households_total=r.households_total,
            responses=counts.get(r.id, 0),
            response_rate=_rate(counts.get(r.id, 0), r.households_total),
            questions=r.questions,
        )
        for r in rows
    ]


def effective_state(campaign: Campaign) -> str:
    """Closed once its time is up, even before the job has passed."""
    return "closed" if campaign.state == "closed" or campaign.closes_at <= now() else "open"


def _rate(responses: int, total: int) -> str | None:
    return str(to_decimal(Fraction(responses * 100, total))) if total else None


# --------------------------------------------------------------------------- responses


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as stored, or a 422 naming the question: ratings 1–5, one option for a single choice, known options only."""
    by_key = {q["key"]: q for q in questions}
    unknown = sorted(set(answers) - set(by_key))
    if unknown:
        raise invalid(f"answers.{unknown[0]}", "no such question in this survey")
    clean: dict[str, Any] = {}
    for key, q in by_key.items():
        field = f"answers.{key}"
        value = answers.get(key)
        if value in (None, "", []):
            if q.get("required", True):
                raise invalid(field, "this question needs an answer")
            continue
        kind = q["kind"]
        if kind == "rating":
            if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() or not 1 <= int(value) <= 5:
                raise invalid(field, "a rating is a whole number from 1 to 5")
            clean[key] = int(value)
        elif kind == "single":
            if isinstance(value, list):
                if len(value) != 1:
                    raise invalid(field, "choose exactly one option")
                value = value[0]
            if value not in q["options"]:
                raise invalid(field, "not one of the options")
            clean[key] = value
        elif kind == "multiple":
            chosen = value if isinstance(value, list) else [value]
            if len(set(chosen)) != len(chosen):
                raise invalid(field, "an option is chosen twice")
            if any(c not in q["options"] for c in chosen):
                raise invalid(field, "not one of the options")
            clean[key] = [o for o in q["options"] if o in chosen]
        else:
            if not isinstance(value, str) or len(value) > 2000:
                raise invalid(field, "text of at most 2000 characters")
            clean[key] = value.strip()
    return clean


def household_digest(campaign: Campaign, household_id: uuid.UUID) -> str:
    """HMAC-SHA256 of the household id under a key derived from the platform's secret and the campaign's salt."""
    if not campaign.salt:
        raise conflict("this campaign is closed", field="campaign")
    key = hmac.new(get_settings().secret_key.encode(), campaign.salt.encode(), hashlib.sha256).digest()
    return hmac.new(key, str(household_id).encode(), hashlib.sha256).hexdigest()


async def respond(
    session: AsyncSession, compound_id: uuid.UUID, campaign_id: uuid.UUID, user_id: uuid.UUID, data: s.ResponseIn
) -> s.ResponseOut:
    """The household's answer; a second submission replaces the first until the campaign closes."""
    campaign = await one_in_compound(session, Campaign, compound_id, campaign_id, "survey campaign")
    if effective_state(campaign) != "open":
        raise Problem(409, "campaign-closed", "Campaign closed", "the campaign has closed; answers are no longer taken", field="campaign")
    if campaign.household_id is not None:  # a follow-up: only the household that filed the order answers it
        member = await session.scalar(
            select(func.count())
            .select_from(Resident)
            .where(Resident.compound_id == compound_id, Resident.household_id == campaign.household_id, Resident.user_id == user_id)
        )
        if not member:
            raise not_found("survey campaign")
        household: uuid.UUID | None = campaign.household_id
    else:
        household = await household_of(session, compound_id, user_id, None)
    if household is None:
        raise Problem(403, "not-a-household", "Not a household", "only a household of the compound answers its surveys")
    answers = check_answers(campaign.questions, data.answers)
    today = now().date()
    if campaign.anonymous:
        return await _respond_anonymously(session, campaign, household, answers, today)
    row = await session.scalar(
        select(Response).where(
            Response.compound_id == compound_id, Response.campaign_id == campaign.id, Response.household_key == str(household)
        )
    )
    if row is None:
        row = Response(
            compound_id=compound_id,
            campaign_id=campaign.id,
            household_key=str(household),
            household_id=household,
            user_id=user_id,
            answers=answers,
            submitted_on=today,
            revision=1,
        )
        session.add(row)
    else:
        row.answers, row.user_id, row.submitted_on, row.revision = answers, user_id, today, row.revision + 1
    await session.flush()
    return s.ResponseOut(campaign_id=campaign.id, revision=row.revision, submitted_on=today, answers=answers)


async def _respond_anonymously(
    session: AsyncSession, campaign: Campaign, household: uuid.UUID, answers: dict[str, Any], today: dt.date
) -> s.ResponseOut:
    from core.audit.services import record

    key = household_digest(campaign, household)
    midnight = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    table = Response.__table__
    found = (
        await session.execute(
            select(table.c.id, table.c.revision).where(
                table.c.compound_id == campaign.compound_id, table.c.campaign_id == campaign.id, table.c.household_key == key
            )
        )
    ).first()
    if found is None:
        revision = 1
        await session.execute(
            insert(table).values(
                compound_id=campaign.compound_id,
                id=uuid.uuid4(),  # not uuid7: its embedded time would date the answer to the millisecond
                campaign_id=campaign.id,
                household_key=key,
                household_id=None,
                user_id=None,
                answers=answers,
                submitted_on=today,
                revision=revision,
                created_at=midnight,
                updated_at=midnight,
            )
        )
    else:
        revision = found.revision + 1
        await session.execute(
            update(table)
            .where(table.c.compound_id == campaign.compound_id, table.c.id == found.id)
            .values(answers=answers, submitted_on=today, revision=revision, updated_at=midnight)
        )
    record(session, "respond", "quality_campaigns", str(campaign.id), after={"anonymous": True}, compound_id=campaign.compound_id)
    return s.ResponseOut(campaign_id=campaign.id, revision=revision, submitted_on=today, answers=answers)


async def my_response(session: AsyncSession, campaign: Campaign, user_id: uuid.UUID) -> dict[str, Any] | None:
    """The answers the caller's household gave (a named campaign only: an anonymous one cannot show them back once closed)."""
    household = campaign.household_id or await household_of(session, campaign.compound_id, user_id, None)
    if household is None:
        return None
    key = household_digest(campaign, household) if campaign.anonymous and campaign.salt else str(household)
    row = await session.scalar(
        select(Response.answers).where(
            Response.compound_id == campaign.compound_id, Response.campaign_id == campaign.id, Response.household_key == key
        )
    )
    return row


# --------------------------------------------------------------------------- scores


def score_answers(questions_of: dict[uuid.UUID, list[dict]], rows: list[tuple[uuid.UUID, dict]]) -> tuple[dict[str, list[int]], dict]:
    """Every rating answer by dimension, and the counts of each option chosen (``question key → option → n``)."""
    ratings: dict[str, list[int]] = defaultdict(list)
    choices: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for campaign_id, answers in rows:
        for q in questions_of.get(campaign_id, []):
            value = answers.get(q["key"])
            if value is None:
                continue
            if q["kind"] == "rating":
                ratings[q["dimension"]].append(int(value))
            elif q["kind"] in ("single", "multiple"):
                for option in value if isinstance(value, list) else [value]:
                    choices[q["key"]][option] += 1
    return ratings, {k: dict(v) for k, v in choices.items()}


def points(ratings: list[int]) -> Decimal | None:
    """The mean rating on 0–100 (20 points a star), rounded half up to two decimals."""
    return to_decimal(Fraction(sum(ratings) * RATING_POINTS, len(ratings))) if ratings else None


async def scores(
    session: AsyncSession,
    compound_ids: list[uuid.UUID],
    campaign_ids: list[uuid.UUID] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> s.ScoresOut:
    """Scores over the campaigns named, or over every response submitted in [start, end) (follow-ups included)."""
    stmt = select(Response.campaign_id, Response.answers).where(Response.compound_id.in_(compound_ids))
    cstmt = select(Campaign).where(Campaign.compound_id.in_(compound_ids))
    if campaign_ids is not None:
        stmt = stmt.where(Response.campaign_id.in_(campaign_ids))
        cstmt = cstmt.where(Campaign.id.in_(campaign_ids))
    if start is not None and end is not None:
        stmt = stmt.where(Response.submitted_on >= start, Response.submitted_on < end)
        cstmt = cstmt.where(
            Campaign.kind == "campaign",
            Campaign.opens_at < dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC),
            Campaign.closes_at >= dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC),
        )
    rows = [(cid, answers) for cid, answers in (await session.execute(stmt)).all()]
    campaigns = (await session.scalars(cstmt)).all()
    questions_of = {c.id: c.questions for c in campaigns}
    missing = {cid for cid, _ in rows} - set(questions_of)
    if missing:
        questions_of.update({c.id: c.questions for c in (await session.scalars(select(Campaign).where(Campaign.id.in_(missing)))).all()})
    return _scored(rows, campaigns, questions_of)


def _scored(rows: list[tuple[uuid.UUID, Any]], campaigns: Sequence[Campaign], questions_of: dict[uuid.UUID, Any]) -> s.ScoresOut:
    ratings, choices = score_answers(questions_of, rows)
    every = [r for values in ratings.values() for r in values]
    counted = {c.id for c in campaigns if c.kind == "campaign"}
    households = sum(c.households_total for c in campaigns if c.id in counted)
    answered = sum(1 for cid, _ in rows if cid in counted)
    overall = points(every)
    return s.ScoresOut(
        responses=len(rows),
        households_total=households,
        response_rate=_rate(answered, households),
        overall=None if overall is None else str(overall),
        dimensions=[s.DimensionScore(dimension=d, score=str(points(v)), answers=len(v)) for d, v in sorted(ratings.items())],
        choices=choices,
    )


def _counted_in(start: dt.date, end: dt.date) -> tuple:
    """The campaigns a period's response rate counts (as ``scores`` does): campaigns, not follow-ups, open in it."""
    return (
        Campaign.kind == "campaign",
        Campaign.opens_at < dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC),
        Campaign.closes_at >= dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC),
    )


_RATINGS_SQL = text(
    """
    WITH rating AS MATERIALIZED (
        SELECT c.compound_id, c.id AS campaign_id, q.value ->> 'key' AS key
        FROM quality_campaigns c CROSS JOIN LATERAL json_array_elements(c.questions) AS q(value)
        WHERE c.compound_id = ANY(:ids) AND q.value ->> 'kind' = 'rating'
    ), answered AS MATERIALIZED (
        SELECT compound_id, campaign_id, answers::jsonb AS answers
        FROM quality_responses
        WHERE compound_id = ANY(:ids) AND submitted_on >= :start AND submitted_on < :end
    )
    SELECT r.compound_id, sum(trunc((r.answers ->> k.key)::numeric))::bigint, count(*)
    FROM answered r JOIN rating k ON k.compound_id = r.compound_id AND k.campaign_id = r.campaign_id
    WHERE r.answers ->> k.key IS NOT NULL
    GROUP BY r.compound_id
    """
)
"""Each compound's sum and count of rating answers, summed by PostgreSQL (``int(value)`` truncates, so does ``trunc``)."""


async def satisfaction_by_compound(
    session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date
) -> dict[uuid.UUID, Decimal]:
    """``scores(session, [c], start=start, end=end).overall`` for each compound that has one (an evaluation period over a
    district's compounds): every rating answer of the responses submitted in [start, end), follow-ups included."""
    totals = await rating_totals(session, compound_ids, start, end)
    return {c: to_decimal(Fraction(total * RATING_POINTS, n)) for c, (total, n) in totals.items()}


async def satisfaction_over(session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date) -> Decimal | None:
    """``scores(session, compound_ids, start=start, end=end).overall`` without reading the answers into Python: the mean
    of every rating answer over all the compounds (a district's home), summed by the database on PostgreSQL."""
    totals = (await rating_totals(session, compound_ids, start, end)).values()
    n = sum(count for _, count in totals)
    return to_decimal(Fraction(sum(total for total, _ in totals) * RATING_POINTS, n)) if n else None


async def rating_totals(
    session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date
) -> dict[uuid.UUID, tuple[int, int]]:
    """Each compound's sum and count of the rating answers of the responses submitted in [start, end) (only compounds
    with one). On PostgreSQL one statement sums them; elsewhere two read the rating questions and the answers (as text,
    decoded by msgspec)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = (await session.execute(_RATINGS_SQL, {"ids": list(compound_ids), "start": start, "end": end})).all()
        return {c: (int(total), int(n)) for c, total, n in rows if n}
    submitted = (Response.compound_id.in_(compound_ids), Response.submitted_on >= start, Response.submitted_on < end)
    asked = select(Response.campaign_id).where(*submitted).distinct()
    rating_keys = {
        (compound_id, cid): [q["key"] for q in questions or [] if q.get("kind") == "rating"]
        for compound_id, cid, questions in (
            await session.execute(
                select(Campaign.compound_id, Campaign.id, Campaign.questions).where(
                    Campaign.compound_id.in_(compound_ids), Campaign.id.in_(asked)
                )
            )
        ).all()
    }
    totals: dict[uuid.UUID, list[int]] = {}
    decode = msgspec.json.decode
    for compound_id, cid, answers in (
        await session.execute(select(Response.compound_id, Response.campaign_id, cast(Response.answers, Text)).where(*submitted))
    ).all():
        keys = rating_keys.get((compound_id, cid))
        if not keys or answers is None:
            continue
        found = decode(answers)
        ratings = [int(found[k]) for k in keys if found.get(k) is not None]
        if ratings:
            total = totals.setdefault(compound_id, [0, 0])
            total[0] += sum(ratings)
            total[1] += len(ratings)
    return {c: (total, n) for c, (total, n) in totals.items()}


async def response_rates_by_compound(
    session: AsyncSession, compound_ids: list[uuid.UUID], start: dt.date, end: dt.date
) -> dict[uuid.UUID, Decimal]:
    """``scores(session, [c], start=start, end=end).response_rate`` for each compound that has one, counted in two
    statements: the responses submitted in [start, end) to the campaigns counted, of those campaigns' households."""
    households = (
        await session.execute(
            select(Campaign.compound_id, func.sum(Campaign.households_total))
            .where(Campaign.compound_id.in_(compound_ids), *_counted_in(start, end))
            .group_by(Campaign.compound_id)
        )
    ).all()
    answered = dict(
        (
            await session.execute(
                select(Response.compound_id, func.count())
                .join(Campaign, (Campaign.compound_id == Response.compound_id) & (Campaign.id == Response.campaign_id))
                .where(
                    Response.compound_id.in_(compound_ids),
                    Response.submitted_on >= start,
                    Response.submitted_on < end,
                    *_counted_in(start, end),
                )
                .group_by(Response.compound_id)
            )
        ).all()
    )
    return {c: to_decimal(Fraction(int(answered.get(c, 0)) * 100, int(total))) for c, total in households if total}
