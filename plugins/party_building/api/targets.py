"""The district targets."""

from __future__ import annotations

from litestar import Controller, get, put

from core.authz.guard import requires
from core.context import RequestContext
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import D


class TargetsController(Controller):
    path = D + "/targets"
    tags = ["party_building"]

    @get("/", operation_id="partyTargets", guards=[requires("party_building.settings", "read")])
    async def get_targets(self, ctx: RequestContext) -> s.TargetsOut:
        """The district's targets and required meeting frequencies (defaults where it set none)."""
        return await services.targets(ctx.session, ctx.tenant_id)

    @put("/", operation_id="partySetTargets", guards=[requires("party_building.settings", "write")])
    async def set_targets(self, data: s.TargetsIn, ctx: RequestContext) -> s.TargetsOut:
        """Set the targets of the district's indicators (committee party share, coverage, on-time rate, study hours)."""
        return await services.set_targets(ctx, data)

    @put("/requirements", operation_id="partySetRequirement", guards=[requires("party_building.settings", "write")])
    async def set_requirement(self, data: s.RequirementIn, ctx: RequestContext) -> s.TargetsOut:
        """How often a kind of meeting must be held (e.g. a joint meeting once a month)."""
        return await services.set_requirement(ctx, data)
