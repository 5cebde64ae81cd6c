"""Responsibility lists."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import D, district_today, page_of


class ResponsibilitiesController(Controller):
    path = D + "/responsibilities"
    tags = ["party_building"]

    @get("/", operation_id="partyListResponsibilities", guards=[requires("party_building.responsibility", "read")])
    async def list_responsibilities(
        self, ctx: RequestContext, organisation_id: uuid.UUID | None = None, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.ResponsibilityOut]:
        """Responsibility lists (责任清单) of the organisations the caller sees, with this period's completion."""
        return page_of(await services.responsibilities(ctx, await district_today(ctx), organisation_id), limit, offset)

    @post("/", operation_id="partyCreateResponsibility", guards=[requires("party_building.responsibility", "write")])
    async def create(self, data: s.ResponsibilityIn, ctx: RequestContext) -> s.ResponsibilityOut:
        """Add an item to an organisation's responsibility list, for a role and a period."""
        row = await services.create_responsibility(ctx, data)
        today = await district_today(ctx)
        return next(r for r in await services.responsibilities(ctx, today, row.organisation_id) if r.id == row.id)

    @post(
        "/{responsibility_id:uuid}/completions",
        operation_id="partyRecordCompletion",
        guards=[requires("party_building.responsibility", "write")],
    )
    async def complete(self, responsibility_id: uuid.UUID, data: s.CompletionIn, ctx: RequestContext) -> s.CompletionOut:
        """Record that a responsibility was fulfilled for a period (once per period)."""
        row = await services.record_completion(ctx, responsibility_id, data, await district_today(ctx))
        return s.CompletionOut(period_label=row.period_label, completed_on=row.completed_on, note=row.note)
