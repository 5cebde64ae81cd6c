"""Improvement pages (服务改进): the closed-loop view 需求表达 → 服务满足 → 评价参与 with its charts, complaint analytics,
for one compound or every compound the caller reaches, and a compound's improvement plans."""

from __future__ import annotations

import datetime as dt
import pathlib
import uuid
from typing import Any

from litestar import Request, Response, get, post

from core.access import compound_today
from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.web.forms import form_values, to_input
from core.web.i18n import N_, negotiate, translations
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.quality.api.improvement import reached_compounds, window
from plugins.quality.pages import charts
from plugins.quality.pages.common import LABELS, C, D, PageController, compound_page
from plugins.quality.schemas import improvement as s
from plugins.quality.services import improvement as services
from tenants import services as tenant_services

ACTION_ROWS = 4
LOCALE = pathlib.Path(__file__).parents[1] / "locale"
WORDS = {
    "demand": N_("Demand: requests by kind"),
    "flow": N_("The loop: filed → completed → rated"),
    "months": N_("Requests filed, completed and rated per month"),
    "filed": N_("filed"),
    "completed": N_("completed"),
    "rated": N_("rated"),
    "dimensions": N_("Survey score per dimension"),
    "stars": N_("Stars in the latest period (compounds)"),
    "categories": N_("Top complaint categories"),
    "buildings": N_("Complaint hot spots by building"),
    "trend": N_("Complaints per month"),
    "complaints": N_("complaints"),
    "empty": N_("No data in this window"),
}


def loop_charts(loop: s.LoopOut, complaints: s.ComplaintAnalytics, locale: str) -> dict[str, Any]:
    """The loop page's charts, labelled in the page's language (this plugin's catalog)."""
    translate = translations(locale, (LOCALE,)).gettext
    w = {k: translate(v) for k, v in WORDS.items()}
    kinds, dimensions = LABELS["kinds"], LABELS["dimensions"]
    months = [m.month for m in loop.months]
    return {
        "flow": charts.funnel(
            "chart-flow", w["flow"], [(w["filed"], loop.filed), (w["completed"], loop.completed), (w["rated"], loop.rated)]
        ),
        "demand": charts.bars(
            "chart-demand", w["demand"], [(translate(kinds.get(d.label, d.label)), d.value) for d in loop.demand], empty=w["empty"]
        ),
        "months": charts.columns(
            "chart-months",
            w["months"],
            months,
            [
                (w["filed"], [m.filed for m in loop.months]),
                (w["completed"], [m.completed for m in loop.months]),
                (w["rated"], [m.rated for m in loop.months]),
            ],
            empty=w["empty"],
        ),
        "dimensions": charts.bars(
            "chart-dimensions",
            w["dimensions"],
            [(translate(dimensions.get(d.dimension, d.dimension)), float(d.score)) for d in loop.survey.dimensions],
            empty=w["empty"],
            colour=charts.PALETTE[2],
        ),
        "stars": charts.bars(
            "chart-stars",
            w["stars"],
            [("★" * int(x.label), x.value) for x in reversed(loop.stars)],
            empty=w["empty"],
            colour=charts.PALETTE[1],
        ),
        "categories": charts.bars(
            "chart-categories", w["categories"], [(c.label, c.value) for c in complaints.categories[:8]], empty=w["empty"]
        ),
        "buildings": charts.bars(
            "chart-buildings",
            w["buildings"],
            [(b.label, b.value) for b in complaints.buildings[:8]],
            empty=w["empty"],
            colour=charts.PALETTE[3],
        ),
        "trend": charts.columns(
            "chart-trend",
            w["trend"],
            [m.label for m in complaints.months],
            [(w["complaints"], [m.value for m in complaints.months])],
            empty=w["empty"],
        ),
    }


async def loop_page(
    request: Request, ctx: RequestContext, compound_ids: list[uuid.UUID], lo: dt.date, hi: dt.date, **context: Any
) -> Response[Any]:
    loop = await services.loop_figures(ctx.session, compound_ids, lo, hi)
    complaints = await services.complaint_analytics(ctx.session, compound_ids, lo, hi)
    return await page(
        request,
        "quality/loop.html",
        loop=loop,
        complaints=complaints,
        charts=loop_charts(loop, complaints, negotiate(request)),
        labels=LABELS,
        **context,
    )


class DistrictLoopPages(PageController):
    path = D

    @get("/loop", guards=[requires("quality.improvement", "read")])
    async def loop(self, request: Request, ctx: RequestContext, start: dt.date | None = None, end: dt.date | None = None) -> Response[Any]:
        """The closed loop over every compound the caller reaches (a district: its jurisdiction)."""
        lo, hi = window(start, end, now().date())
        return await loop_page(request, ctx, await reached_compounds(ctx), lo, hi, start=lo, end=hi, compound=None)


class CompoundImprovementPages(PageController):
    path = C

    @get("/loop", guards=[requires("quality.improvement", "read")])
    async def loop(
        self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, start: dt.date | None = None, end: dt.date | None = None
    ) -> Response[Any]:
        """The compound's closed loop and complaint analytics."""
        lo, hi = window(start, end, await compound_today(ctx.session, compound_id))
        compound = await tenant_services.get_compound(ctx.session, compound_id)
        return await loop_page(request, ctx, [compound_id], lo, hi, start=lo, end=hi, compound=compound, compound_id=compound_id)

    @get("/plans", guards=[requires("quality.improvement", "read")])
    async def plans(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The compound's improvement plans with their actions and before/after figures; the form for a new one."""
        rows, total = await paginate(ctx.session, services.plans_query(compound_id), PAGE_SIZE, offset)
        indicators = [(item["code"], item["label_zh"]) for _, item in request.app.state.plugins.declared("redprop_indicators")]
        return await compound_page(
            request,
            ctx,
            "improvement_plans.html",
            compound_id,
            plans=await services.plans_out(ctx.session, list(rows)),
            indicators=indicators,
            names=dict(indicators),
            writable=ctx.can("quality.improvement", "write"),
            rows=range(ACTION_ROWS),
            pager=pager(request, total, offset),
        )

    @post("/plans", guards=[requires("quality.improvement", "write")])
    async def create_plan(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Save a plan; its 'before' figure is measured now."""
        values = await form_values(request)
        actions = []
        for n in range(ACTION_ROWS):
            row = {k: values.pop(f"{k}_{n}", None) for k in ("text", "owner", "due_on")}
            if row["text"]:
                actions.append(row)
        values["actions"] = actions
        await services.create_plan(ctx.session, request.app.state.plugins, compound_id, ctx.user_id, to_input(values, s.PlanIn))
        return done(request, f"/console/compounds/{compound_id}/quality/plans", "created")

    @post("/plans/{plan_id:uuid}/measure", guards=[requires("quality.improvement", "write")])
    async def measure(self, request: Request, compound_id: uuid.UUID, plan_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Measure the 'after' figure over the review window."""
        from plugins.quality.models import ImprovementPlan
        from plugins.quality.services.common import one_in_compound

        plan = await one_in_compound(ctx.session, ImprovementPlan, compound_id, plan_id, "improvement plan")
        await services.measure_after(ctx.session, request.app.state.plugins, plan)
        return done(request, f"/console/compounds/{compound_id}/quality/plans")

    @post("/plans/{plan_id:uuid}/actions/{action_id:uuid}/done", guards=[requires("quality.improvement", "write")])
    async def action_done(
        self, request: Request, compound_id: uuid.UUID, plan_id: uuid.UUID, action_id: uuid.UUID, ctx: RequestContext
    ) -> Response[Any]:
        """Mark an action done today."""
        await services.complete_action(ctx.session, compound_id, plan_id, action_id, await compound_today(ctx.session, compound_id))
        return done(request, f"/console/compounds/{compound_id}/quality/plans")
