"""Field pages (检查考核, 整改): the district's inspection plans, a compound's inspections recorded on a phone with
photos, the district's rectification desk, and a notice answered item by item with evidence by the operator and
accepted or returned by the district. Photos and evidence are attachments of ``quality.inspection`` /
``quality.rectification``."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import QueryParameter
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.files import services as files
from core.files.api import MULTIPART_OVERHEAD, storage_of
from core.pagination import OffsetParam, paginate
from core.problems import invalid, not_found
from core.web.forms import form_values, parse_form, to_input
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.quality.models import Inspection, InspectionPlan, Rectification
from plugins.quality.pages.common import LABELS, C, D, PageController, compound_names, compound_page
from plugins.quality.schemas import field as s
from plugins.quality.services import field as services
from plugins.quality.services.common import one_in_compound

UPLOAD_LIMIT = files.max_upload_bytes() * 4 + MULTIPART_OVERHEAD
CHECKLIST_ROWS = 8


async def attach(
    request: Request, ctx: RequestContext, compound_id: uuid.UUID, record_type: str, record_id: uuid.UUID, upload: Any
) -> None:
    """Store one photo on the record; a refused file raises, so what was saved with it is rolled back too."""
    if upload is None or not isinstance(upload, UploadFile) or not upload.filename:
        return
    limit = files.max_upload_bytes()
    state = request.app.state
    await files.upload(
        ctx.session,
        storage_of(state),
        ctx.principal,
        state.policy.enforcer,
        compound_id,
        record_type,
        record_id,
        upload.filename,
        upload.content_type,
        await upload.read(limit + 1),
        limit,
    )


async def photos_of(request: Request, ctx: RequestContext, compound_id: uuid.UUID, record_type: str, record_ids: list[uuid.UUID]) -> dict:
    out: dict[uuid.UUID, list[Any]] = {}
    for record_id in record_ids:  # a page shows one inspection or notice, so this runs once or twice
        rows, _ = await files.list_attachments(
            ctx.session, ctx.principal, request.app.state.policy.enforcer, compound_id, record_type, record_id, 20, 0
        )
        out[record_id] = rows
    return out


async def file_response(
    request: Request, ctx: RequestContext, compound_id: uuid.UUID, record_type: str, record_id: uuid.UUID, attachment_id: uuid.UUID
) -> Response[bytes]:
    state = request.app.state
    row, content = await files.download(ctx.session, storage_of(state), ctx.principal, state.policy.enforcer, compound_id, attachment_id)
    if row.record_type != record_type or row.record_id != record_id:
        raise not_found("attachment")
    return Response(
        content=content,
        media_type=row.content_type,
        headers={
            "Content-Disposition": "inline" if row.content_type.startswith("image/") else "attachment",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


def plan_from_form(values: dict[str, Any], compound_ids: list[str]) -> s.PlanIn:
    checklist = []
    for n in range(CHECKLIST_ROWS):
        text, top = values.pop(f"text_{n}", None), values.pop(f"max_{n}", None)
        dimension = values.pop(f"dimension_{n}", "custom")
        if text:
            checklist.append({"key": f"item{n + 1}", "text": text, "max_score": top, "dimension": dimension})
    return to_input({**values, "compound_ids": compound_ids, "checklist": checklist}, s.PlanIn)


def inspection_from_form(values: dict[str, Any], plan: InspectionPlan) -> s.InspectionIn:
    results = []
    for n, item in enumerate(plan.checklist):
        raw = values.get(f"score_{item['key']}", "")
        try:
            score = Decimal(str(raw))
        except InvalidOperation:
            raise invalid(f"results[{n}].score", "give a number", status=400) from None
        results.append(
            {
                "key": item["key"],
                "score": score,
                "note": values.get(f"note_{item['key']}", ""),
                "finding": values.get(f"finding_{item['key']}") == "on",
            }
        )
    return to_input({"plan_id": str(plan.id), "summary": values.get("summary", ""), "results": results}, s.InspectionIn)


class DistrictFieldPages(PageController):
    path = D

    @get("/inspection-plans", guards=[requires("quality.inspection", "write")])
    async def plans(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The district's inspection plans and the form for a new one (compounds, dates, checklist)."""
        stmt = (
            select(InspectionPlan)
            .where(InspectionPlan.tenant_id == ctx.tenant_id)
            .order_by(InspectionPlan.starts_on.desc(), InspectionPlan.id)
        )
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        compounds = await compound_names(ctx)
        return await page(
            request,
            "quality/plans.html",
            plans=[services.plan_out(r) for r in rows],
            compounds=compounds,
            names={str(cid): name for cid, name in compounds},
            rows=range(CHECKLIST_ROWS),
            pager=pager(request, total, offset),
            labels=LABELS,
        )

    @post("/inspection-plans", guards=[requires("quality.inspection", "write")])
    async def create_plan(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Save a plan."""
        values = await form_values(request, lists=("compound_ids",))
        reachable = None if ctx.principal.scope.is_all else set(ctx.principal.scope.compound_ids)
        await services.create_plan(ctx.session, ctx.tenant_id, reachable, plan_from_form(values, values.pop("compound_ids", [])))
        return done(request, D + "/inspection-plans", "created")

    @get("/rectifications", guards=[requires("quality.rectification", "read")])
    async def desk(
        self,
        request: Request,
        ctx: RequestContext,
        phase: Annotated[str | None, QueryParameter(name="state")] = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """整改督办台: every notice in the compounds the caller reaches, open and overdue first."""
        stmt = services.notices_query(None, phase)
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        names = dict(await compound_names(ctx))
        return await page(
            request,
            "quality/desk.html",
            notices=await services.notices_out(ctx.session, list(rows)),
            names=names,
            state=phase,
            pager=pager(request, total, offset),
            labels=LABELS,
        )


class CompoundFieldPages(PageController):
    path = C

    @get("/inspections", guards=[requires("quality.inspection", "read")])
    async def inspections(
        self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, plan_id: uuid.UUID | None = None, offset: OffsetParam = 0
    ) -> Response[Any]:
        """The compound's inspections, latest first, and (for inspectors) the on-site form of a plan's checklist."""
        stmt = select(Inspection).where(Inspection.compound_id == compound_id).order_by(Inspection.inspected_on.desc(), Inspection.id)
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        plans: list[InspectionPlan] = []
        if ctx.can("quality.inspection", "write"):
            plans = [
                p
                for p in (
                    await ctx.session.scalars(
                        select(InspectionPlan).where(InspectionPlan.tenant_id == ctx.tenant_id).order_by(InspectionPlan.starts_on.desc())
                    )
                ).all()
                if str(compound_id) in p.compound_ids
            ]
        chosen = next((p for p in plans if p.id == plan_id), plans[0] if plans else None)
        return await compound_page(
            request,
            ctx,
            "inspections.html",
            compound_id,
            inspections=await services.inspections_out(ctx.session, list(rows)),
            plans=plans,
            plan=chosen,
            can_issue=ctx.can("quality.rectification", "approve"),
            pager=pager(request, total, offset),
        )

    @post("/inspections", guards=[requires("quality.inspection", "write")], request_max_body_size=UPLOAD_LIMIT)
    async def record(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Record the on-site result with up to three photos, in one unit of work."""
        values = await form_values(request)
        try:
            plan_id = uuid.UUID(str(values.get("plan_id", "")))
        except ValueError:
            raise invalid("plan_id", "choose a plan", status=400) from None
        plan = await ctx.session.scalar(
            select(InspectionPlan).where(InspectionPlan.tenant_id == ctx.tenant_id, InspectionPlan.id == plan_id)
        )
        if plan is None:
            raise not_found("inspection plan")
        row = await services.record_inspection(
            ctx.session, ctx.tenant_id, compound_id, ctx.user_id, ctx.display_name, inspection_from_form(values, plan)
        )
        for key in ("photo", "photo_2", "photo_3"):
            await attach(request, ctx, compound_id, "quality.inspection", row.id, values.get(key))
        return done(request, f"/console/compounds/{compound_id}/quality/inspections/{row.id}", "created")

    @get("/inspections/{inspection_id:uuid}", guards=[requires("quality.inspection", "read")])
    async def inspection(self, request: Request, compound_id: uuid.UUID, inspection_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """One inspection: its items, findings, photos, and the button that turns its findings into a notice."""
        row = await one_in_compound(ctx.session, Inspection, compound_id, inspection_id, "inspection")
        return await compound_page(
            request,
            ctx,
            "inspection.html",
            compound_id,
            i=(await services.inspections_out(ctx.session, [row]))[0],
            photos=(await photos_of(request, ctx, compound_id, "quality.inspection", [row.id]))[row.id],
            can_issue=ctx.can("quality.rectification", "approve"),
        )

    @get("/inspections/{inspection_id:uuid}/photos/{attachment_id:uuid}", guards=[requires("quality.inspection", "read")])
    async def inspection_photo(
        self, request: Request, compound_id: uuid.UUID, inspection_id: uuid.UUID, attachment_id: uuid.UUID, ctx: RequestContext
    ) -> Response[bytes]:
        """A photo of the inspection."""
        return await file_response(request, ctx, compound_id, "quality.inspection", inspection_id, attachment_id)

    @post("/inspections/{inspection_id:uuid}/rectification", guards=[requires("quality.rectification", "approve")])
    async def rectify(self, request: Request, compound_id: uuid.UUID, inspection_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Issue a notice whose items are the inspection's findings."""
        notice = await services.notice_from_inspection(
            ctx.session, ctx.tenant_id, compound_id, inspection_id, ctx.user_id, await parse_form(request, s.FromInspectionIn)
        )
        return done(request, services.console_link(notice), "created")

    @get("/rectifications", guards=[requires("quality.rectification", "read")])
    async def notices(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        phase: Annotated[str | None, QueryParameter(name="state")] = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The compound's notices (``state=overdue`` for the late ones)."""
        rows, total = await paginate(ctx.session, services.notices_query(compound_id, phase), PAGE_SIZE, offset)
        return await compound_page(
            request,
            ctx,
            "notices.html",
            compound_id,
            notices=await services.notices_out(ctx.session, list(rows)),
            state=phase,
            pager=pager(request, total, offset),
        )

    @get("/rectifications/{notice_id:uuid}", guards=[requires("quality.rectification", "read")])
    async def notice(self, request: Request, compound_id: uuid.UUID, notice_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """One notice: each item with its answer, evidence and verdict, and the forms this user may use."""
        row = await one_in_compound(ctx.session, Rectification, compound_id, notice_id, "rectification notice")
        return await compound_page(
            request,
            ctx,
            "notice.html",
            compound_id,
            n=(await services.notices_out(ctx.session, [row]))[0],
            evidence=(await photos_of(request, ctx, compound_id, "quality.rectification", [row.id]))[row.id],
            can_answer=ctx.can("quality.rectification", "write"),
            can_judge=ctx.can("quality.rectification", "approve"),
        )

    @get("/rectifications/{notice_id:uuid}/evidence/{attachment_id:uuid}", guards=[requires("quality.rectification", "read")])
    async def evidence(
        self, request: Request, compound_id: uuid.UUID, notice_id: uuid.UUID, attachment_id: uuid.UUID, ctx: RequestContext
    ) -> Response[bytes]:
        """A piece of the operator's evidence."""
        return await file_response(request, ctx, compound_id, "quality.rectification", notice_id, attachment_id)

    @post(
        "/rectifications/{notice_id:uuid}/items/{item_id:uuid}/answer",
        guards=[requires("quality.rectification", "write")],
        request_max_body_size=UPLOAD_LIMIT,
    )
    async def answer(
        self, request: Request, compound_id: uuid.UUID, notice_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext
    ) -> Response[Any]:
        """The operator answers one item, with a photo as evidence."""
        values = await form_values(request)
        evidence = values.pop("evidence", None)
        await services.answer_item(ctx.session, compound_id, notice_id, item_id, to_input(values, s.AnswerIn))
        await attach(request, ctx, compound_id, "quality.rectification", notice_id, evidence)
        return done(request, f"/console/compounds/{compound_id}/quality/rectifications/{notice_id}")

    @post("/rectifications/{notice_id:uuid}/items/{item_id:uuid}/verdict", guards=[requires("quality.rectification", "approve")])
    async def verdict(
        self, request: Request, compound_id: uuid.UUID, notice_id: uuid.UUID, item_id: uuid.UUID, ctx: RequestContext
    ) -> Response[Any]:
        """The district accepts an item or returns it with a reason."""
        await services.judge_item(ctx.session, compound_id, notice_id, item_id, await parse_form(request, s.VerdictIn))
        return done(request, f"/console/compounds/{compound_id}/quality/rectifications/{notice_id}")

    @post("/rectifications/{notice_id:uuid}/close", guards=[requires("quality.rectification", "approve")])
    async def close(self, request: Request, compound_id: uuid.UUID, notice_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Close a verified notice."""
        await services.close_notice(ctx.session, compound_id, notice_id)
        return done(request, f"/console/compounds/{compound_id}/quality/rectifications/{notice_id}")
