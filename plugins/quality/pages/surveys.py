"""Survey pages (满意度测评): the district launches campaigns and reads their scores in the console; residents answer
on their phone in the portal (one answer per household, changeable until the campaign closes) and see their
compound's published star rating."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import or_, select

from core.access import compound_today, rules
from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.problems import invalid, not_found
from core.web.forms import form_values, to_input
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.quality.models import Campaign
from plugins.quality.pages.common import LABELS, C, D, PageController, compound_names, compound_page
from plugins.quality.schemas import surveys as s
from plugins.quality.services import evaluation, surveys
from plugins.quality.services.common import MODULE, one_in_compound
from tenants.models import Compound, Resident


def answers_from_form(campaign: Campaign, values: dict[str, Any], chosen: dict[str, list[str]]) -> s.ResponseIn:
    """The form's fields as the API's answers: ratings as numbers, a multiple choice as a list; empty ones left out."""
    answers: dict[str, Any] = {}
    for q in campaign.questions:
        key = q["key"]
        if q["kind"] == "multiple":
            if chosen.get(key):
                answers[key] = chosen[key]
        elif key in values:
            raw = values[key]
            if q["kind"] == "rating":
                try:
                    raw = int(raw)
                except ValueError:
                    raise invalid(f"answers.{key}", "choose from 1 to 5 stars", status=400) from None
            answers[key] = raw
    return s.ResponseIn(answers=answers)


class DistrictSurveyPages(PageController):
    path = D

    @get("/surveys", guards=[requires("quality.survey", "write")])
    async def surveys(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The questionnaires and the form that launches a campaign in chosen compounds."""
        rows, total = await paginate(ctx.session, surveys.templates_query(ctx.tenant_id), PAGE_SIZE, offset)
        return await page(
            request,
            "quality/survey_launch.html",
            templates=[surveys.template_out(r) for r in rows],
            compounds=await compound_names(ctx),
            pager=pager(request, total, offset),
            labels=LABELS,
        )

    @post("/survey-templates/standard", guards=[requires("quality.survey", "write")])
    async def standard_template(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Add the standard questionnaire (a rating per dimension, what to improve, a comment)."""
        await surveys.create_template(
            ctx.session, ctx.tenant_id, s.TemplateIn(name="物业服务满意度问卷（标准版）", questions=surveys.STANDARD_QUESTIONS)
        )
        return done(request, D + "/surveys", "created")

    @post("/campaigns", guards=[requires("quality.survey", "write")])
    async def launch(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Launch the campaign; the households are told through their inbox."""
        values = await form_values(request, lists=("compound_ids",))
        values["anonymous"] = values.get("anonymous") == "on"
        if isinstance(values.get("closes_at"), str) and len(values["closes_at"]) == 16:
            values["closes_at"] += ":00"
        reachable = None if ctx.principal.scope.is_all else set(ctx.principal.scope.compound_ids)
        rows = await surveys.launch_campaign(ctx.session, ctx.tenant_id, reachable, to_input(values, s.CampaignIn))
        return done(request, f"/console/compounds/{rows[0].compound_id}/quality/surveys", "created")


class CompoundSurveyPages(PageController):
    path = C

    @get("/surveys", guards=[requires("quality.survey", "read")])
    async def campaigns(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The compound's campaigns and follow-ups with their response rates, and the scores of the last 90 days."""
        rows, total = await paginate(ctx.session, surveys.campaigns_query(compound_id), PAGE_SIZE, offset)
        today = await compound_today(ctx.session, compound_id)
        return await compound_page(
            request,
            ctx,
            "surveys.html",
            compound_id,
            campaigns=await surveys.campaigns_out(ctx.session, list(rows)),
            recent=await surveys.scores(ctx.session, [compound_id], start=today - dt.timedelta(days=90), end=today + dt.timedelta(days=1)),
            can_launch=ctx.can("quality.survey", "write"),
            pager=pager(request, total, offset),
        )

    @get("/surveys/{campaign_id:uuid}", guards=[requires("quality.survey", "read")])
    async def campaign(self, request: Request, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A campaign's scores per dimension and overall, the choices' counts and the response rate."""
        row = await one_in_compound(ctx.session, Campaign, compound_id, campaign_id, "survey campaign")
        return await compound_page(
            request,
            ctx,
            "survey.html",
            compound_id,
            c=(await surveys.campaigns_out(ctx.session, [row]))[0],
            scores=await surveys.scores(ctx.session, [compound_id], [campaign_id]),
            can_close=ctx.can("quality.survey", "write"),
        )

    @post("/surveys/{campaign_id:uuid}/close", guards=[requires("quality.survey", "write")])
    async def close(self, request: Request, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Close the campaign now."""
        await surveys.close_campaign(ctx.session, await one_in_compound(ctx.session, Campaign, compound_id, campaign_id, "survey campaign"))
        return done(request, f"/console/compounds/{compound_id}/quality/surveys/{campaign_id}")


class PortalQualityPages(PageController):
    path = "/portal"

    @get("/quality", guards=[requires("quality.survey", "read")])
    async def home(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """My compounds' open surveys (the follow-ups of my own orders included) and their published star rating."""
        mine = (await ctx.session.execute(select(Resident.compound_id, Resident.household_id).where(Resident.user_id == ctx.user_id))).all()
        ids = list(dict.fromkeys(cid for cid, _ in mine))
        states = await rules().module_states(ctx.session, ids, [MODULE]) if ids else {}
        on = [cid for cid in ids if states.get(cid, {}).get(MODULE, (False, ""))[0]]
        households = [h for _, h in mine if h is not None]
        names = {c.id: c.name for c in (await ctx.session.scalars(select(Compound).where(Compound.id.in_(on)))).all()} if on else {}
        rows = (
            await ctx.session.scalars(
                select(Campaign)
                .where(
                    Campaign.compound_id.in_(on),
                    Campaign.state == "open",
                    or_(Campaign.household_id.is_(None), Campaign.household_id.in_(households)),
                )
                .order_by(Campaign.closes_at, Campaign.id)
                .limit(20)
            )
        ).all()
        open_ = [c for c in await surveys.campaigns_out(ctx.session, list(rows)) if c.state == "open"]
        answered = {c.id for c in rows if await surveys.my_response(ctx.session, c, ctx.user_id)}  # a resident has a handful open at most
        ratings = []
        for cid in on:  # one or two compounds per resident
            found = await evaluation.published_for_compound(ctx.session, cid)
            if found:
                ratings.append((await evaluation.scores_out(ctx.session, found[0], [found[1]]))[0])
        return await page(
            request,
            "quality/portal.html",
            portal=True,
            campaigns=open_,
            answered=answered,
            names=names,
            ratings=ratings,
            compound_id=on[0] if on else None,
            labels=LABELS,
        )

    @get("/compounds/{compound_id:uuid}/quality/surveys/{campaign_id:uuid}", guards=[requires("quality.survey", "read")])
    async def survey(self, request: Request, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The questionnaire on a phone, with my household's earlier answers filled in."""
        row = await one_in_compound(ctx.session, Campaign, compound_id, campaign_id, "survey campaign")
        if (
            row.household_id is not None
            and not await surveys.my_response(ctx.session, row, ctx.user_id)
            and row.household_id
            not in set(
                (
                    await ctx.session.scalars(
                        select(Resident.household_id).where(Resident.compound_id == compound_id, Resident.user_id == ctx.user_id)
                    )
                ).all()
            )
        ):
            raise not_found("survey campaign")
        return await page(
            request,
            "quality/portal_survey.html",
            portal=True,
            compound_id=compound_id,
            c=(await surveys.campaigns_out(ctx.session, [row]))[0],
            given=await surveys.my_response(ctx.session, row, ctx.user_id) or {},
            labels=LABELS,
        )

    @post("/compounds/{compound_id:uuid}/quality/surveys/{campaign_id:uuid}", guards=[requires("quality.response", "write")])
    async def answer(self, request: Request, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Send (or replace) my household's answers."""
        row = await one_in_compound(ctx.session, Campaign, compound_id, campaign_id, "survey campaign")
        multiple = tuple(q["key"] for q in row.questions if q["kind"] == "multiple")
        values = await form_values(request, lists=multiple)
        chosen = {k: values.pop(k) for k in multiple if k in values}
        await surveys.respond(ctx.session, compound_id, campaign_id, ctx.user_id, answers_from_form(row, values, chosen))
        return done(request, "/portal/quality", "saved")
