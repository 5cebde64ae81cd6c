"""The rules register (制度): the console page that keeps it and the portal page where residents read what is in force."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.web.forms import parse_form
from core.web.i18n import N_
from core.web.render import done, page
from plugins.co_building.schemas import rules as s
from plugins.co_building.services import rules as services

CONSOLE = "/console/compounds/{compound_id:uuid}/co_building/rules"
PORTAL = "/portal/compounds/{compound_id:uuid}/co_building/rules"
KINDS = {
    "committee_rules": N_("Owners' committee rules of procedure"),
    "management_statute": N_("Management statute"),
    "service_standards": N_("Service standards"),
    "other": N_("Other rules"),
}
STATUSES = {"draft": N_("Draft (not shown to residents)"), "published": N_("Published"), "superseded": N_("Superseded")}


class RulesConsolePages(Controller):
    path = CONSOLE

    @get("/", guards=[requires("co_building.rules", "read")])
    async def register(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Every rule with its versions; drafts, the new rule and new version forms for those who keep the register."""
        writable = ctx.can("co_building.rules", "write")
        today = await services.today_of(ctx.session, compound_id)
        rows = (await ctx.session.scalars(services.versions_query(compound_id, public_only=not writable).limit(500))).all()
        series: dict[uuid.UUID, list] = {}
        for r in rows:
            series.setdefault(r.series_id, []).append(services.version_out(r, today))
        return await page(
            request,
            "co_building/rules/console.html",
            compound_id=compound_id,
            series=list(series.values()),
            writable=writable,
            today=today,
            kinds=KINDS,
            statuses=STATUSES,
        )

    @post("/", guards=[requires("co_building.rules", "write")])
    async def create(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.create_rule(ctx.session, compound_id, ctx.user_id, await parse_form(request, s.RuleIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/rules", "created")

    @post("/{series_id:uuid}/versions", guards=[requires("co_building.rules", "write")])
    async def add_version(self, request: Request, compound_id: uuid.UUID, series_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.add_version(ctx.session, compound_id, series_id, ctx.user_id, await parse_form(request, s.RuleVersionIn))
        return done(request, f"/console/compounds/{compound_id}/co_building/rules", "created")

    @post("/versions/{version_id:uuid}/publish", guards=[requires("co_building.rules", "write")])
    async def publish(self, request: Request, compound_id: uuid.UUID, version_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.publish_version(ctx.session, compound_id, version_id)
        return done(request, f"/console/compounds/{compound_id}/co_building/rules")


class RulesPortalPages(Controller):
    path = PORTAL

    @get("/", guards=[requires("co_building.rules", "read")])
    async def in_force(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The compound's rules as in force today, each with its published history (never drafts)."""
        register = await services.register(ctx.session, compound_id)
        return await page(request, "co_building/rules/portal.html", portal=True, compound_id=compound_id, register=register, kinds=KINDS)


HANDLERS = [RulesConsolePages, RulesPortalPages]
PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/co_building/rules",
        "label_zh": "制度管理",
        "label_en": "Rules register",
        "permission": "co_building.rules:read",
        "portal": False,
    },
    {
        "path": "/portal/compounds/{compound_id}/co_building/rules",
        "label_zh": "小区制度",
        "label_en": "Compound rules",
        "permission": "co_building.rules:read",
        "portal": True,
        "order": 150,
    },
]
