"""HTTP handlers of co_building, mounted under /api/v1/compounds/{compound_id}/co_building."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from plugins.co_building import services
from plugins.co_building.schemas import ModuleOverview


class OverviewController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/co_building"
    tags = ["co_building"]

    @get("/", operation_id="co_buildingOverview", guards=[requires("co_building.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)


from plugins.co_building.api import consultation, featured, fee_changes, fees, requests, rules, volunteers  # noqa: E402
from plugins.co_building.pages import PAGE_ROUTER  # noqa: E402

ROUTE_HANDLERS = [
    OverviewController,
    *requests.ROUTE_HANDLERS,
    *fees.ROUTE_HANDLERS,
    *featured.ROUTE_HANDLERS,
    *volunteers.ROUTE_HANDLERS,
    *consultation.ROUTE_HANDLERS,
    *rules.ROUTE_HANDLERS,
    *fee_changes.ROUTE_HANDLERS,
    PAGE_ROUTER,
]
