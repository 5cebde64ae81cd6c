"""quality HTTP handlers: inspection plans, inspections and rectification (thin; the rules are in services.field)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.quality.models import Inspection, InspectionPlan
from plugins.quality.schemas import field as s
from plugins.quality.services import field as services

C = "/api/v1/compounds/{compound_id:uuid}/quality"


class PlansController(Controller):
    path = "/api/v1/quality/inspection-plans"
    tags = ["quality: inspections"]

    @get("/", operation_id="listInspectionPlans", guards=[requires("quality.inspection", "write")])
    async def list_plans(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.PlanOut]:
        """The district's inspection plans, latest first."""
        stmt = (
            select(InspectionPlan)
            .where(InspectionPlan.tenant_id == ctx.tenant_id)
            .order_by(InspectionPlan.starts_on.desc(), InspectionPlan.id)
        )
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=[services.plan_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="createInspectionPlan", guards=[requires("quality.inspection", "write")])
    async def create(self, ctx: RequestContext, data: s.PlanIn) -> s.PlanOut:
        """A plan: which compounds, when, and the checklist with each item's maximum score."""
        reachable = None if ctx.principal.scope.is_all else set(ctx.principal.scope.compound_ids)
        return services.plan_out(await services.create_plan(ctx.session, ctx.tenant_id, reachable, data))


class InspectionsController(Controller):
    path = C + "/inspections"
    tags = ["quality: inspections"]

    @get("/", operation_id="listInspections", guards=[requires("quality.inspection", "read")])
    async def list_inspections(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.InspectionOut]:
        """The compound's inspections with their results, latest first."""
        stmt = select(Inspection).where(Inspection.compound_id == compound_id).order_by(Inspection.inspected_on.desc(), Inspection.id)
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        return Page(items=await services.inspections_out(ctx.session, rows), total=total, limit=limit, offset=offset)

    @post("/", operation_id="recordInspection", guards=[requires("quality.inspection", "write")])
    async def record(self, compound_id: uuid.UUID, ctx: RequestContext, data: s.InspectionIn) -> s.InspectionOut:
        """An on-site result: every checklist item scored within its range (photos: attachments of quality.inspection)."""
        row = await services.record_inspection(ctx.session, ctx.tenant_id, compound_id, ctx.user_id, ctx.display_name, data)
        return (await services.inspections_out(ctx.session, [row]))[0]

    @post("/{inspection_id:uuid}/rectification", operation_id="rectifyFindings", guards=[requires("quality.rectification", "approve")])
    async def rectify(self, compound_id: uuid.UUID, inspection_id: uuid.UUID, ctx: RequestContext, data: s.FromInspectionIn) -> s.NoticeOut:
        """Issue a rectification notice whose items are the inspection's findings."""
        notice = await services.notice_from_inspection(ctx.session, ctx.tenant_id, compound_id, inspection_id, ctx.user_id, data)
        return (await services.notices_out(ctx.session, [notice]))[0]


class RectificationsController(Controller):
    path = C + "/rectifications"
    tags = ["quality: rectification"]

    @get("/", operation_id="listRectifications", guards=[requires("quality.rectification", "read")])
    async def list_notices(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        phase: Annotated[str | None, QueryParameter(name="state")] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.NoticeOut]:
        """The compound's notices with their items (``state=overdue`` for the late ones)."""
        rows, total = await paginate(ctx.session, services.notices_query(compound_id, phase), limit, offset)
        return Page(items=await services.notices_out(ctx.session, rows), total=total, limit=limit, offset=offset)

    @post("/", operation_id="issueRectification", guards=[requires("quality.rectification", "approve")])
    async def issue(self, compound_id: uuid.UUID, ctx: RequestContext, data: s.NoticeIn) -> s.NoticeOut:
        """A notice to the operator with items and a deadline in working days."""
        notice = await services.issue_notice(ctx.session, ctx.tenant_id, compound_id, ctx.user_id, data)
        return (await services.notices_out(ctx.session, [notice]))[0]

    @post(
        "/{notice_id:uuid}/items/{item_id:uuid}/answer",
        operation_id="answerRectificationItem",
        status_code=200,
        guards=[requires("quality.rectification", "write")],
    )
    async def answer(
        self, compound_id: uuid.UUID, notice_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext, data: s.AnswerIn
    ) -> s.NoticeOut:
        """The operator answers one item (evidence: attachments of quality.rectification)."""
        notice = await services.answer_item(ctx.session, compound_id, notice_id, item_id, data)
        return (await services.notices_out(ctx.session, [notice]))[0]

    @post(
        "/{notice_id:uuid}/items/{item_id:uuid}/verdict",
        operation_id="judgeRectificationItem",
        status_code=200,
        guards=[requires("quality.rectification", "approve")],
    )
    async def verdict(
        self, compound_id: uuid.UUID, notice_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext, data: s.VerdictIn
    ) -> s.NoticeOut:
        """The district accepts an item, or returns it with a reason."""
        notice = await services.judge_item(ctx.session, compound_id, notice_id, item_id, data)
        return (await services.notices_out(ctx.session, [notice]))[0]

    @post(
        "/{notice_id:uuid}/close", operation_id="closeRectification", status_code=200, guards=[requires("quality.rectification", "approve")]
    )
    async def close(self, compound_id: uuid.UUID, notice_id: uuid.UUID, ctx: RequestContext) -> s.NoticeOut:
        """Close a verified notice."""
        notice = await services.close_notice(ctx.session, compound_id, notice_id)
        return (await services.notices_out(ctx.session, [notice]))[0]


ROUTE_HANDLERS = [PlansController, InspectionsController, RectificationsController]
