"""HTTP handlers of coordination, mounted under /api/v1/compounds/{compound_id}/coordination."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from plugins.coordination import services
from plugins.coordination.schemas import ModuleOverview


class OverviewController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/coordination"
    tags = ["coordination"]

    @get("/", operation_id="coordinationOverview", guards=[requires("coordination.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)


ROUTE_HANDLERS = [OverviewController]
