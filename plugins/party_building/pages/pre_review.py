"""Pre-review (前置把关): the requests waiting for the organisation's opinion, and the form that records it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import OffsetParam, paginate
from core.web.forms import parse_form
from core.web.render import PAGE_SIZE, done, pager
from plugins.party_building import schemas as s
from plugins.party_building.pages.common import C, PageController, compound_page
from plugins.party_building.services import pre_review as services

StateParam = Annotated[
    str | None, QueryParameter(name="state", required=False, description="requested, approve, approve_with_conditions or reject")
]


class PreReviewPages(PageController):
    path = C + "/pre-reviews"

    @get("/", guards=[requires("party_building.pre_review", "read")])
    async def reviews(
        self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, review_state: StateParam = None, offset: OffsetParam = 0
    ) -> Response[Any]:
        """Matters put to the organisation, waiting ones first."""
        state = one_of("state", review_state or None, services.STATES)
        rows, total = await paginate(ctx.session, services.reviews_query(compound_id, state=state), PAGE_SIZE, offset)
        return await compound_page(
            request,
            ctx,
            "pre_reviews.html",
            compound_id,
            reviews=[services.review_out(r) for r in rows],
            pager=pager(request, total, offset),
            state=state,
            recordable=ctx.can("party_building.pre_review", "approve"),
        )

    @get("/{review_id:uuid}", guards=[requires("party_building.pre_review", "read")])
    async def review(self, request: Request, compound_id: uuid.UUID, review_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """One matter: what was asked, by whom, and the opinion (or the form to record it)."""
        row = await services.get_review(ctx.session, compound_id, review_id)
        return await compound_page(
            request,
            ctx,
            "pre_review.html",
            compound_id,
            review=services.review_out(row),
            recordable=ctx.can("party_building.pre_review", "approve") and row.state == "requested",
            today=await services.local_today(ctx.session, compound_id),
        )

    @post("/{review_id:uuid}/record", guards=[requires("party_building.pre_review", "approve")])
    async def record(self, request: Request, compound_id: uuid.UUID, review_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Record the opinion."""
        await services.record_review(ctx, compound_id, review_id, await parse_form(request, s.PreReviewRecordIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/pre-reviews/{review_id}", "saved")
