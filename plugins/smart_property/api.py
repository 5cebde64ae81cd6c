"""HTTP handlers of smart_property, mounted under /api/v1/compounds/{compound_id}/smart_property."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from plugins.smart_property import services
from plugins.smart_property.schemas import ModuleOverview


class OverviewController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/smart_property"
    tags = ["smart_property"]

    @get("/", operation_id="smart_propertyOverview", guards=[requires("smart_property.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)


ROUTE_HANDLERS = [OverviewController]
