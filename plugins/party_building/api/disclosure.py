"""Disclosure."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post

from core.authz.guard import requires
from core.context import RequestContext
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import C
from plugins.party_building.models import DISCLOSURE_STATUSES


class DisclosuresController(Controller):
    path = C + "/disclosures"
    tags = ["party_building"]

    @get("/", operation_id="partyListDisclosures", guards=[requires("party_building.disclosure", "read")])
    async def list_disclosures(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        category: s.DisclosureCategory | None = None,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.DisclosureOut]:
        """Every disclosure of the compound, drafts and withdrawn ones included, with whether residents see it today."""
        status = one_of("status", status, DISCLOSURE_STATUSES)
        today = await services.local_today(ctx.session, compound_id)
        rows, total = await paginate(ctx.session, services.disclosures_query(compound_id, category=category, status=status), limit, offset)
        return Page(items=[await services.disclosure_out(ctx.session, r, today) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="partyCreateDisclosure", guards=[requires("party_building.disclosure", "write")])
    async def create(self, compound_id: uuid.UUID, data: s.DisclosureIn, ctx: RequestContext) -> s.DisclosureOut:
        """Draft (or publish at once) a disclosure with its publication period."""
        row = await services.create_disclosure(ctx, compound_id, data)
        return await services.disclosure_out(ctx.session, row, await services.local_today(ctx.session, compound_id), history=True)

    @get("/{disclosure_id:uuid}", operation_id="partyGetDisclosure", guards=[requires("party_building.disclosure", "read")])
    async def get_one(self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, ctx: RequestContext) -> s.DisclosureOut:
        """A disclosure with its history of versions."""
        row = await services.get_disclosure(ctx.session, compound_id, disclosure_id)
        return await services.disclosure_out(ctx.session, row, await services.local_today(ctx.session, compound_id), history=True)

    @patch("/{disclosure_id:uuid}", operation_id="partyUpdateDisclosure", guards=[requires("party_building.disclosure", "write")])
    async def update(
        self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, data: s.DisclosurePatch, ctx: RequestContext
    ) -> s.DisclosureOut:
        """Correct a disclosure: a new version, the old one kept."""
        row = await services.update_disclosure(ctx, compound_id, disclosure_id, data)
        return await services.disclosure_out(ctx.session, row, await services.local_today(ctx.session, compound_id), history=True)

    @post(
        "/{disclosure_id:uuid}/publish",
        operation_id="partyPublishDisclosure",
        guards=[requires("party_building.disclosure", "write")],
        status_code=200,
    )
    async def publish(self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, ctx: RequestContext) -> s.DisclosureOut:
        """Publish: residents see it within its period."""
        row = await services.set_disclosure_status(ctx, compound_id, disclosure_id, "published")
        return await services.disclosure_out(ctx.session, row, await services.local_today(ctx.session, compound_id), history=True)

    @post(
        "/{disclosure_id:uuid}/withdraw",
        operation_id="partyWithdrawDisclosure",
        guards=[requires("party_building.disclosure", "write")],
        status_code=200,
    )
    async def withdraw(self, compound_id: uuid.UUID, disclosure_id: uuid.UUID, ctx: RequestContext) -> s.DisclosureOut:
        """Withdraw: residents no longer see it; the history stays."""
        row = await services.set_disclosure_status(ctx, compound_id, disclosure_id, "withdrawn")
        return await services.disclosure_out(ctx.session, row, await services.local_today(ctx.session, compound_id), history=True)
