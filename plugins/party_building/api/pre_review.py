"""Pre-review (前置把关): the requests other plugins made and the organisation's opinion."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.party_building import schemas as s
from plugins.party_building.api.common import C
from plugins.party_building.services import pre_review as services

StateParam = Annotated[
    str | None, QueryParameter(name="state", required=False, description="requested, approve, approve_with_conditions or reject")
]


class PreReviewsController(Controller):
    path = C + "/pre-reviews"
    tags = ["party_building"]

    @get("/", operation_id="partyListPreReviews", guards=[requires("party_building.pre_review", "read")])
    async def list_reviews(
        self, compound_id: uuid.UUID, ctx: RequestContext, review_state: StateParam = None, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.PreReviewOut]:
        """Requests for review (waiting ones first) with their opinions."""
        state = one_of("state", review_state, services.STATES)
        rows, total = await paginate(ctx.session, services.reviews_query(compound_id, state=state), limit, offset)
        return Page(items=[services.review_out(r) for r in rows], total=total, limit=limit, offset=offset)

    @get("/{review_id:uuid}", operation_id="partyGetPreReview", guards=[requires("party_building.pre_review", "read")])
    async def get_one(self, compound_id: uuid.UUID, review_id: uuid.UUID, ctx: RequestContext) -> s.PreReviewOut:
        return services.review_out(await services.get_review(ctx.session, compound_id, review_id))

    @post(
        "/{review_id:uuid}/record",
        operation_id="partyRecordPreReview",
        status_code=200,
        guards=[requires("party_building.pre_review", "approve")],
    )
    async def record(self, compound_id: uuid.UUID, review_id: uuid.UUID, data: s.PreReviewRecordIn, ctx: RequestContext) -> s.PreReviewOut:
        """The organisation's opinion: approve, approve with conditions (say them) or reject (say why); reviewer and day."""
        return services.review_out(await services.record_review(ctx, compound_id, review_id, data))
