"""quality HTTP handlers: the indicator catalogue, schemes, periods and scores (thin; the rules are in services.evaluation)."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, get, post, put
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from core.problems import not_found
from plugins.quality.models import OperatorScore, Period, Scheme
from plugins.quality.schemas import evaluation as s
from plugins.quality.services import evaluation as services
from plugins.quality.services.common import one_of_tenant

D = "/api/v1/quality"


class CatalogueController(Controller):
    path = D + "/indicators"
    tags = ["quality: evaluation"]

    @get("/", operation_id="listIndicators", guards=[requires("quality.scheme", "read")])
    async def list_indicators(
        self, ctx: RequestContext, request: Request, limit: LimitParam = 100, offset: OffsetParam = 0
    ) -> Page[s.IndicatorOut]:
        """Every indicator the installed plugins declare, then the district's manual ones."""
        items = await services.catalogue(ctx.session, request.app.state.plugins, ctx.tenant_id)
        return Page(items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset)

    @post("/", operation_id="addManualIndicator", guards=[requires("quality.scheme", "write")])
    async def add(self, ctx: RequestContext, request: Request, data: s.ManualIndicatorIn) -> s.IndicatorOut:
        """A manual indicator inspectors enter per compound and period."""
        return services.manual_out(await services.add_manual_indicator(ctx.session, request.app.state.plugins, ctx.tenant_id, data))


class SchemesController(Controller):
    path = D + "/schemes"
    tags = ["quality: evaluation"]

    @get("/", operation_id="listSchemes", guards=[requires("quality.scheme", "read")])
    async def list_schemes(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.SchemeOut]:
        """The district's schemes with their items."""
        stmt = select(Scheme).where(Scheme.tenant_id == ctx.tenant_id).order_by(Scheme.created_at.desc(), Scheme.id)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        items = await services.scheme_items(ctx.session, [r.id for r in rows])
        return Page(items=[services.scheme_out(r, items.get(r.id, [])) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="createScheme", guards=[requires("quality.scheme", "write")])
    async def create(self, ctx: RequestContext, request: Request, data: s.SchemeIn) -> s.SchemeOut:
        """A scheme: indicators with weights summing to exactly 100, targets, zero points, deductions, star thresholds."""
        scheme = await services.save_scheme(ctx.session, request.app.state.plugins, ctx.tenant_id, data)
        return services.scheme_out(scheme, (await services.scheme_items(ctx.session, [scheme.id]))[scheme.id])

    @put("/{scheme_id:uuid}", operation_id="updateScheme", guards=[requires("quality.scheme", "write")])
    async def update(self, scheme_id: uuid.UUID, ctx: RequestContext, request: Request, data: s.SchemeIn) -> s.SchemeOut:
        """Replace a scheme's items (periods already computed keep the scheme as it was)."""
        scheme = await services.save_scheme(ctx.session, request.app.state.plugins, ctx.tenant_id, data, scheme_id)
        return services.scheme_out(scheme, (await services.scheme_items(ctx.session, [scheme.id]))[scheme.id])


class PeriodsController(Controller):
    path = D + "/periods"
    tags = ["quality: evaluation"]

    @get("/", operation_id="listPeriods", guards=[requires("quality.scheme", "read")])
    async def list_periods(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.PeriodOut]:
        """The district's evaluation periods, latest first, with the moves allowed now."""
        stmt = select(Period).where(Period.tenant_id == ctx.tenant_id).order_by(Period.ends_on.desc(), Period.id)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=[services.period_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="createPeriod", guards=[requires("quality.scheme", "write")])
    async def create(self, ctx: RequestContext, data: s.PeriodIn) -> s.PeriodOut:
        """An evaluation period over [starts_on, ends_on) under a scheme."""
        return services.period_out(await services.create_period(ctx.session, ctx.tenant_id, data))

    @post("/{period_id:uuid}/moves", operation_id="movePeriod", status_code=200, guards=[requires("quality.scheme", "write")])
    async def move(self, period_id: uuid.UUID, ctx: RequestContext, request: Request, data: s.PeriodMoveIn) -> s.PeriodOut:
        """compute (again), review, reopen, publish; a published period is frozen (409)."""
        if data.action in ("review", "publish"):
            ctx.require("quality.scheme", "approve")
        period = await services.move_period(ctx.session, request.app.state.plugins, ctx.tenant_id, period_id, data.action, ctx.user_id)
        return services.period_out(period)

    @put(
        "/{period_id:uuid}/compounds/{compound_id:uuid}/manual-values",
        operation_id="enterManualValue",
        guards=[requires("quality.scheme", "write")],
    )
    async def manual_value(self, period_id: uuid.UUID, compound_id: uuid.UUID, ctx: RequestContext, data: s.ManualValueIn) -> dict:
        """A manual indicator's value for a compound in the period."""
        row = await services.enter_manual_value(ctx.session, ctx.tenant_id, period_id, compound_id, ctx.user_id, data)
        return {"code": row.code, "value": str(row.value)}

    @get("/{period_id:uuid}/scores", operation_id="periodScores", guards=[requires("quality.scheme", "read")])
    async def scores(
        self, period_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.CompoundScoreOut]:
        """Every compound's composite, stars and ranks, best first (ties share a rank)."""
        period = await one_of_tenant(ctx.session, Period, ctx.tenant_id, period_id, "evaluation period")
        rows, total = await paginate(ctx.session, services.scores_query(period.id), limit, offset)
        return Page(items=await services.scores_out(ctx.session, period, rows), total=total, limit=limit, offset=offset)

    @get("/{period_id:uuid}/operators", operation_id="periodOperatorScores", guards=[requires("quality.scheme", "read")])
    async def operators(
        self, period_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.OperatorScoreOut]:
        """Each operating enterprise's mean composite, stars and rank in the district."""
        period = await one_of_tenant(ctx.session, Period, ctx.tenant_id, period_id, "evaluation period")
        stmt = (
            select(OperatorScore).where(OperatorScore.period_id == period.id).order_by(OperatorScore.rank, OperatorScore.operator_tenant_id)
        )
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=await services.operator_scores_out(ctx.session, rows), total=total, limit=limit, offset=offset)


class PublishedController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/quality/rating"
    tags = ["quality: evaluation"]

    @get("/", operation_id="compoundRating", guards=[requires("quality.score", "read")])
    async def rating(self, compound_id: uuid.UUID, ctx: RequestContext) -> s.CompoundScoreOut:
        """The compound's latest published score, stars and ranks (residents and the operator see only published periods)."""
        found = await services.published_for_compound(ctx.session, compound_id)
        if found is None:
            raise not_found("published rating")
        return (await services.scores_out(ctx.session, found[0], [found[1]]))[0]


ROUTE_HANDLERS = [CatalogueController, SchemesController, PeriodsController, PublishedController]
