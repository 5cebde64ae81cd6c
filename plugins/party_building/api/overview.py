"""One compound: the module overview, its organisations, the public view and cross-appointment."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import C, page_of

# --------------------------------------------------------------------------- one compound


class CompoundPartyController(Controller):
    path = C
    tags = ["party_building"]

    @get("/", operation_id="party_buildingOverview", guards=[requires("party_building.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> s.ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)

    @get("/organisations", operation_id="partyCompoundOrganisations", guards=[requires("party_building.organisation", "read")])
    async def organisations(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.OrganisationOut]:
        """The organisations serving this compound: covering it, and the operator's branch."""
        return page_of(await services.organisations(ctx, compound_id=compound_id), limit, offset)

    @get("/public", operation_id="partyPublic", guards=[requires("party_building.public", "read")])
    async def public(self, compound_id: uuid.UUID, ctx: RequestContext) -> s.PublicView:
        """What residents see: organisations, members who show identity, central households, current disclosures."""
        return await services.public_view(ctx, compound_id)

    @get("/cross-appointment", operation_id="partyCrossAppointment", guards=[requires("party_building.member", "read")])
    async def cross_appointment(self, compound_id: uuid.UUID, ctx: RequestContext) -> s.CrossAppointment:
        """双向进入、交叉任职: posts across party, owners' committee and property company; the committee's party share."""
        return await services.cross_appointment(ctx.session, compound_id)
