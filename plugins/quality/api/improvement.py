"""quality HTTP handlers: complaint analytics, the closed-loop figures and improvement plans (thin; the rules are in services.improvement)."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import Controller, Request, get, post
from sqlalchemy import select

from core.access import compound_today
from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from core.problems import invalid
from plugins.quality.models import ImprovementPlan
from plugins.quality.schemas import improvement as s
from plugins.quality.services import improvement as services
from plugins.quality.services.common import one_in_compound
from tenants.models import Compound

C = "/api/v1/compounds/{compound_id:uuid}/quality"


def window(start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The window asked for, else the last twelve months; ``end`` must come after ``start``."""
    default_start, default_end = services.default_window(today)
    start, end = start or default_start, end or default_end
    if end <= start:
        raise invalid("end", "the window ends after it starts")
    return start, end


async def reached_compounds(ctx: RequestContext) -> list[uuid.UUID]:
    """The compounds the caller's unit of work reaches (the session's scope filters the table)."""
    return list((await ctx.session.scalars(select(Compound.id).order_by(Compound.id))).all())


class CompoundImprovementController(Controller):
    path = C
    tags = ["quality: improvement"]

    @get("/complaints", operation_id="compoundComplaintAnalytics", guards=[requires("quality.improvement", "read")])
    async def complaints(
        self, compound_id: uuid.UUID, ctx: RequestContext, start: dt.date | None = None, end: dt.date | None = None
    ) -> s.ComplaintAnalytics:
        """Complaints in [start, end): top categories, hot spots by building, repeats by a household within 30 days, months."""
        lo, hi = window(start, end, await compound_today(ctx.session, compound_id))
        return await services.complaint_analytics(ctx.session, [compound_id], lo, hi)

    @get("/loop", operation_id="compoundClosedLoop", guards=[requires("quality.improvement", "read")])
    async def loop(
        self, compound_id: uuid.UUID, ctx: RequestContext, start: dt.date | None = None, end: dt.date | None = None
    ) -> s.LoopOut:
        """The compound's closed loop: demand (requests by kind), service (completed), evaluation (ratings, surveys, stars)."""
        lo, hi = window(start, end, await compound_today(ctx.session, compound_id))
        return await services.loop_figures(ctx.session, [compound_id], lo, hi)


class DistrictImprovementController(Controller):
    path = "/api/v1/quality"
    tags = ["quality: improvement"]

    @get("/complaints", operation_id="complaintAnalytics", guards=[requires("quality.improvement", "read")])
    async def complaints(self, ctx: RequestContext, start: dt.date | None = None, end: dt.date | None = None) -> s.ComplaintAnalytics:
        """Complaint analytics over every compound the caller reaches (a district: its jurisdiction; an operator: its compounds)."""
        lo, hi = window(start, end, now().date())
        return await services.complaint_analytics(ctx.session, await reached_compounds(ctx), lo, hi)

    @get("/loop", operation_id="closedLoop", guards=[requires("quality.improvement", "read")])
    async def loop(self, ctx: RequestContext, start: dt.date | None = None, end: dt.date | None = None) -> s.LoopOut:
        """The closed loop over every compound the caller reaches."""
        lo, hi = window(start, end, now().date())
        return await services.loop_figures(ctx.session, await reached_compounds(ctx), lo, hi)


class PlansController(Controller):
    path = C + "/improvement-plans"
    tags = ["quality: improvement"]

    @get("/", operation_id="listImprovementPlans", guards=[requires("quality.improvement", "read")])
    async def list_plans(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.PlanOut]:
        """The compound's improvement plans with their actions and before/after figures, newest first."""
        rows, total = await paginate(ctx.session, services.plans_query(compound_id), limit, offset)
        return Page(items=await services.plans_out(ctx.session, rows), total=total, limit=limit, offset=offset)

    @post("/", operation_id="createImprovementPlan", guards=[requires("quality.improvement", "write")])
    async def create(self, compound_id: uuid.UUID, ctx: RequestContext, request: Request, data: s.PlanIn) -> s.PlanOut:
        """A plan naming the indicator it should move; its 'before' figure is measured over the baseline window now."""
        plan = await services.create_plan(ctx.session, request.app.state.plugins, compound_id, ctx.user_id, data)
        return (await services.plans_out(ctx.session, [plan]))[0]

    @post(
        "/{plan_id:uuid}/measure", operation_id="measureImprovementPlan", status_code=200, guards=[requires("quality.improvement", "write")]
    )
    async def measure(self, compound_id: uuid.UUID, plan_id: uuid.UUID, ctx: RequestContext, request: Request) -> s.PlanOut:
        """Measure the 'after' figure over the review window."""
        plan = await one_in_compound(ctx.session, ImprovementPlan, compound_id, plan_id, "improvement plan")
        await services.measure_after(ctx.session, request.app.state.plugins, plan)
        return (await services.plans_out(ctx.session, [plan]))[0]

    @post(
        "/{plan_id:uuid}/actions/{action_id:uuid}/done",
        operation_id="completeImprovementAction",
        status_code=200,
        guards=[requires("quality.improvement", "write")],
    )
    async def done(self, compound_id: uuid.UUID, plan_id: uuid.UUID, action_id: uuid.UUID, ctx: RequestContext) -> s.PlanOut:
        """Mark an action done today (the compound's day); the plan is done when all its actions are."""
        plan = await services.complete_action(ctx.session, compound_id, plan_id, action_id, await compound_today(ctx.session, compound_id))
        return (await services.plans_out(ctx.session, [plan]))[0]


ROUTE_HANDLERS = [CompoundImprovementController, DistrictImprovementController, PlansController]
