"""HTTP handlers of coordination: compound routes under /api/v1/compounds/{compound_id}/coordination, district-wide ones
under /api/v1/coordination."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from plugins.coordination.api import cases, grids, publicity
from plugins.coordination.schemas.overview import ModuleOverview

LABEL_ZH = "协同联动"
LABEL_EN = "Coordination and joint action"


class OverviewController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/coordination"
    tags = ["coordination"]

    @get("/", operation_id="coordinationOverview", guards=[requires("coordination.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return ModuleOverview(module="coordination", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))


from plugins.coordination.pages import PAGE_ROUTER  # noqa: E402

ROUTE_HANDLERS = [OverviewController, *cases.ROUTE_HANDLERS, *grids.ROUTE_HANDLERS, *publicity.ROUTE_HANDLERS, PAGE_ROUTER]
