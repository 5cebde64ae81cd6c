"""HTTP handlers of quality: compound routes under /api/v1/compounds/{compound_id}/quality, district routes under /api/v1/quality."""

from __future__ import annotations

import uuid

from litestar import Controller, get

from core.authz.guard import requires
from plugins.quality import services
from plugins.quality.schemas import ModuleOverview


class OverviewController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/quality"
    tags = ["quality"]

    @get("/", operation_id="qualityOverview", guards=[requires("quality.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)


from plugins.quality.api import evaluation, field, improvement, surveys  # noqa: E402
from plugins.quality.pages import PAGE_ROUTER  # noqa: E402

ROUTE_HANDLERS = [
    OverviewController,
    PAGE_ROUTER,
    *surveys.ROUTE_HANDLERS,
    *evaluation.ROUTE_HANDLERS,
    *field.ROUTE_HANDLERS,
    *improvement.ROUTE_HANDLERS,
]
