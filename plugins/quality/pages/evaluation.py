"""Evaluation pages (考核评价): the district's catalogue and schemes, periods with their scores, stars and ranks,
and the published results an operator (or the district) reads."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.problems import invalid
from core.web.forms import form_values, parse_form, to_input
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.quality.models import CompoundScore, ManualIndicator, OperatorScore, Period, Scheme
from plugins.quality.pages.common import LABELS, D, PageController, compound_names
from plugins.quality.schemas import evaluation as s
from plugins.quality.services import evaluation as services
from plugins.quality.services.common import one_of_tenant

SCHEME_ROWS = 8
"""Indicator rows offered by the scheme form (rows left empty are ignored)."""


def scheme_from_form(values: dict[str, Any]) -> s.SchemeIn:
    """The form's flat fields (``code_0``, ``weight_0``, …) as the API's struct, so both are checked by the same rules."""
    items = []
    for n in range(SCHEME_ROWS):
        code = values.pop(f"code_{n}", None)
        row = {k: values.pop(f"{k}_{n}", None) for k in ("weight", "target", "zero_at")}
        if code:
            items.append({"code": code, **{k: v for k, v in row.items() if v is not None}})
    values["items"] = items
    values["star_thresholds"] = [values.pop(f"star_{n}", "") for n in range(2, 6)]
    return to_input(values, s.SchemeIn)


class EvaluationPages(PageController):
    path = D

    @get("/schemes", guards=[requires("quality.scheme", "read")])
    async def schemes(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The indicator catalogue and the district's schemes; forms for a manual indicator and a scheme."""
        stmt = select(Scheme).where(Scheme.tenant_id == ctx.tenant_id).order_by(Scheme.created_at.desc(), Scheme.id)
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        items = await services.scheme_items(ctx.session, [r.id for r in rows])
        return await page(
            request,
            "quality/schemes.html",
            schemes=[services.scheme_out(r, items.get(r.id, [])) for r in rows],
            catalogue=await services.catalogue(ctx.session, request.app.state.plugins, ctx.tenant_id),
            writable=ctx.can("quality.scheme", "write"),
            rows=range(SCHEME_ROWS),
            pager=pager(request, total, offset),
            labels=LABELS,
        )

    @post("/schemes", guards=[requires("quality.scheme", "write")])
    async def create_scheme(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Save a scheme (weights must sum to 100)."""
        await services.save_scheme(ctx.session, request.app.state.plugins, ctx.tenant_id, scheme_from_form(await form_values(request)))
        return done(request, D + "/schemes", "created")

    @post("/indicators", guards=[requires("quality.scheme", "write")])
    async def add_indicator(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """A manual indicator, entered per compound and period."""
        values = await form_values(request)
        values["higher_is_better"] = values.get("higher_is_better") != "false"
        await services.add_manual_indicator(ctx.session, request.app.state.plugins, ctx.tenant_id, to_input(values, s.ManualIndicatorIn))
        return done(request, D + "/schemes", "created")

    @get("/periods", guards=[requires("quality.scheme", "read")])
    async def periods(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The district's evaluation periods, latest first, and the form for a new one."""
        stmt = select(Period).where(Period.tenant_id == ctx.tenant_id).order_by(Period.ends_on.desc(), Period.id)
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        schemes = (
            await ctx.session.execute(select(Scheme.id, Scheme.name).where(Scheme.tenant_id == ctx.tenant_id).order_by(Scheme.name))
        ).all()
        return await page(
            request,
            "quality/periods.html",
            periods=[services.period_out(r) for r in rows],
            schemes=schemes,
            writable=ctx.can("quality.scheme", "write"),
            pager=pager(request, total, offset),
            labels=LABELS,
        )

    @post("/periods", guards=[requires("quality.scheme", "write")])
    async def create_period(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """A period over [starts_on, ends_on) under a scheme."""
        period = await services.create_period(ctx.session, ctx.tenant_id, await parse_form(request, s.PeriodIn))
        return done(request, f"{D}/periods/{period.id}", "created")

    @get("/periods/{period_id:uuid}", guards=[requires("quality.scheme", "read")])
    async def period(self, request: Request, period_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """A period: its moves, the compounds' composites, stars and ranks (ties marked), the operators' ranking."""
        period = await one_of_tenant(ctx.session, Period, ctx.tenant_id, period_id, "evaluation period")
        rows, total = await paginate(ctx.session, services.scores_query(period.id), PAGE_SIZE, offset)
        operators = (
            await ctx.session.scalars(
                select(OperatorScore)
                .where(OperatorScore.period_id == period.id)
                .order_by(OperatorScore.rank, OperatorScore.operator_tenant_id)
            )
        ).all()
        manual = (await ctx.session.scalars(select(ManualIndicator).where(ManualIndicator.tenant_id == ctx.tenant_id))).all()
        moves = [m for m in services.PERIOD.allowed(period.state) if m in ("compute", "reopen") or ctx.can("quality.scheme", "approve")]
        return await page(
            request,
            "quality/period.html",
            period=services.period_out(period),
            snapshot=period.scheme_snapshot,
            scores=await services.scores_out(ctx.session, period, list(rows)),
            operators=await services.operator_scores_out(ctx.session, list(operators)),
            moves=moves if ctx.can("quality.scheme", "write") else [],
            manual=manual if period.state != "published" and ctx.can("quality.scheme", "write") else [],
            compounds=await compound_names(ctx),
            pager=pager(request, total, offset),
            labels=LABELS,
        )

    @post("/periods/{period_id:uuid}/moves", guards=[requires("quality.scheme", "write")])
    async def move(self, request: Request, period_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Compute, review, reopen or publish (a published period is frozen: 409)."""
        data = await parse_form(request, s.PeriodMoveIn)
        if data.action in ("review", "publish"):
            ctx.require("quality.scheme", "approve")
        await services.move_period(ctx.session, request.app.state.plugins, ctx.tenant_id, period_id, data.action, ctx.user_id)
        return done(request, f"{D}/periods/{period_id}")

    @post("/periods/{period_id:uuid}/manual-values", guards=[requires("quality.scheme", "write")])
    async def manual_value(self, request: Request, period_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A manual indicator's value for one compound."""
        values = await form_values(request)
        try:
            compound_id = uuid.UUID(str(values.pop("compound_id", "")))
        except ValueError:
            raise invalid("compound_id", "choose a compound", status=400) from None
        await services.enter_manual_value(
            ctx.session, ctx.tenant_id, period_id, compound_id, ctx.user_id, to_input(values, s.ManualValueIn)
        )
        return done(request, f"{D}/periods/{period_id}")

    @get("/scores", guards=[requires("quality.score", "read")])
    async def scores(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """Published results of the compounds the caller reaches (an operator: its own), and its rank among operators."""
        stmt = (
            select(Period, CompoundScore)
            .join(CompoundScore, CompoundScore.period_id == Period.id)
            .where(Period.state == "published")
            .order_by(Period.ends_on.desc(), CompoundScore.rank_district, CompoundScore.compound_id)
        )
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        shaped = []
        by_period: dict[uuid.UUID, tuple[Period, list[CompoundScore]]] = {}
        for period, score in rows:
            by_period.setdefault(period.id, (period, []))[1].append(score)
        for period, scores in by_period.values():
            shaped.extend(await services.scores_out(ctx.session, period, scores))
        mine = (
            await ctx.session.execute(
                select(Period.name, OperatorScore)
                .join(OperatorScore, OperatorScore.period_id == Period.id)
                .where(Period.state == "published", OperatorScore.operator_tenant_id == ctx.tenant_id)
                .order_by(Period.ends_on.desc())
                .limit(8)
            )
        ).all()
        return await page(
            request,
            "quality/scores.html",
            scores=shaped,
            mine=[
                (name, out)
                for (name, _), out in zip(mine, await services.operator_scores_out(ctx.session, [r[1] for r in mine]), strict=True)
            ],
            pager=pager(request, total, offset),
        )
