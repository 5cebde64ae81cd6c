"""Changing a fee standard in use (调价): proposed, pre-reviewed by the community party organisation, applied."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.co_building.schemas import fee_changes as s
from plugins.co_building.services import fee_changes as services

C = "/api/v1/compounds/{compound_id:uuid}/co_building"


class FeeChangesController(Controller):
    path = C + "/fee-changes"
    tags = ["co_building: fees"]

    @get("/", operation_id="listFeeChanges", guards=[requires("co_building.fee", "read")])
    async def list_changes(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.FeeChangeOut]:
        """Fee changes with where their pre-review stands."""
        rows, total = await paginate(ctx.session, services.changes_query(compound_id), limit, offset)
        return Page(items=await services.changes_out(ctx.session, compound_id, list(rows)), total=total, limit=limit, offset=offset)

    @post("/", operation_id="proposeFeeChange", guards=[requires("co_building.fee", "write")])
    async def propose(self, compound_id: uuid.UUID, data: s.FeeChangeIn, ctx: RequestContext) -> s.FeeChangeOut:
        """Propose a new unit price for a fee item from a date (it takes effect only after pre-review)."""
        row = await services.propose(ctx.session, compound_id, ctx.user_id, data)
        return (await services.changes_out(ctx.session, compound_id, [row]))[0]

    @post(
        "/{change_id:uuid}/pre-review",
        operation_id="requestFeeChangePreReview",
        status_code=200,
        guards=[requires("co_building.fee", "write")],
    )
    async def pre_review(self, compound_id: uuid.UUID, change_id: uuid.UUID, ctx: RequestContext) -> s.FeeChangeOut:
        """Put the change to the community party organisation's pre-review (前置把关)."""
        await services.request_review(ctx.session, compound_id, change_id, ctx.user_id)
        return (await services.changes_out(ctx.session, compound_id, [await services.get_change(ctx.session, compound_id, change_id)]))[0]

    @post("/{change_id:uuid}/apply", operation_id="applyFeeChange", status_code=200, guards=[requires("co_building.fee", "write")])
    async def apply(self, compound_id: uuid.UUID, change_id: uuid.UUID, ctx: RequestContext) -> s.FeeChangeOut:
        """The new price takes effect (409 until the pre-review approved it, or before its date)."""
        row = await services.apply(ctx.session, compound_id, change_id)
        return (await services.changes_out(ctx.session, compound_id, [row]))[0]

    @post("/{change_id:uuid}/withdraw", operation_id="withdrawFeeChange", status_code=200, guards=[requires("co_building.fee", "write")])
    async def withdraw(self, compound_id: uuid.UUID, change_id: uuid.UUID, ctx: RequestContext) -> s.FeeChangeOut:
        row = await services.withdraw(ctx.session, compound_id, change_id)
        return (await services.changes_out(ctx.session, compound_id, [row]))[0]


ROUTE_HANDLERS = [FeeChangesController]
