"""quality HTTP handlers: questionnaires, campaigns, answers and scores (thin; the rules are in services.surveys)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.quality.models import Campaign
from plugins.quality.schemas import surveys as s
from plugins.quality.services import surveys as services
from plugins.quality.services.common import one_in_compound

C = "/api/v1/compounds/{compound_id:uuid}/quality"


class TemplatesController(Controller):
    path = "/api/v1/quality/survey-templates"
    tags = ["quality: surveys"]

    @get("/", operation_id="listSurveyTemplates", guards=[requires("quality.survey", "write")])
    async def list_templates(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.TemplateOut]:
        """The caller's tenant's questionnaires, newest first."""
        rows, total = await paginate(ctx.session, services.templates_query(ctx.tenant_id), limit, offset)
        return Page(items=[services.template_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="createSurveyTemplate", guards=[requires("quality.survey", "write")])
    async def create(self, ctx: RequestContext, data: s.TemplateIn) -> s.TemplateOut:
        """A questionnaire: ratings 1–5, single and multiple choice, text; each question in a dimension."""
        return services.template_out(await services.create_template(ctx.session, ctx.tenant_id, data))


class LaunchController(Controller):
    path = "/api/v1/quality/campaigns"
    tags = ["quality: surveys"]

    @post("/", operation_id="launchSurveyCampaign", guards=[requires("quality.survey", "write")])
    async def launch(self, ctx: RequestContext, data: s.CampaignIn) -> list[s.CampaignOut]:
        """Launch a campaign in the compounds named; their households are told through the inbox."""
        reachable = None if ctx.principal.scope.is_all else set(ctx.principal.scope.compound_ids)
        rows = await services.launch_campaign(ctx.session, ctx.tenant_id, reachable, data)
        return await services.campaigns_out(ctx.session, rows)


class CampaignsController(Controller):
    path = C + "/campaigns"
    tags = ["quality: surveys"]

    @get("/", operation_id="listSurveyCampaigns", guards=[requires("quality.survey", "read")])
    async def list_campaigns(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        kind: str | None = None,
        phase: Annotated[str | None, QueryParameter(name="state")] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.CampaignOut]:
        """The compound's campaigns and follow-ups with their response counts and rates."""
        rows, total = await paginate(ctx.session, services.campaigns_query(compound_id, kind=kind, state=phase), limit, offset)
        return Page(items=await services.campaigns_out(ctx.session, rows), total=total, limit=limit, offset=offset)

    @post("/{campaign_id:uuid}/responses", operation_id="answerSurvey", guards=[requires("quality.response", "write")])
    async def respond(self, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext, data: s.ResponseIn) -> s.ResponseOut:
        """The household's answers; a second submission replaces the first until the campaign closes."""
        return await services.respond(ctx.session, compound_id, campaign_id, ctx.user_id, data)

    @post("/{campaign_id:uuid}/close", operation_id="closeSurveyCampaign", status_code=200, guards=[requires("quality.survey", "write")])
    async def close(self, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext) -> s.CampaignOut:
        """Close the campaign now (an anonymous campaign's digests can no longer be matched to households)."""
        campaign = await one_in_compound(ctx.session, Campaign, compound_id, campaign_id, "survey campaign")
        await services.close_campaign(ctx.session, campaign)
        return (await services.campaigns_out(ctx.session, [campaign]))[0]

    @get("/{campaign_id:uuid}/scores", operation_id="surveyScores", guards=[requires("quality.survey", "read")])
    async def campaign_scores(self, compound_id: uuid.UUID, campaign_id: uuid.UUID, ctx: RequestContext) -> s.ScoresOut:
        """Scores per dimension and overall (0–100), the choices' counts and the response rate."""
        await one_in_compound(ctx.session, Campaign, compound_id, campaign_id, "survey campaign")
        return await services.scores(ctx.session, [compound_id], [campaign_id])


ROUTE_HANDLERS = [TemplatesController, LaunchController, CampaignsController]
