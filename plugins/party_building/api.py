"""HTTP handlers of party_building, mounted under /api/v1/compounds/{compound_id}/party_building."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from plugins.party_building import services
from plugins.party_building.schemas import ModuleOverview


class OverviewController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/party_building"
    tags = ["party_building"]

    @get("/", operation_id="party_buildingOverview", guards=[requires("party_building.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)


ROUTE_HANDLERS = [OverviewController]
