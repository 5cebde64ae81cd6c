"""The rules register (制度): the console page that keeps it and the portal page where residents read what is in force."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.web.confirm import confirmation
from core.web.forms import parse_form
from core.web.i18n import N_
from core.web.render import done, page
from plugins.co_building.models.rules import RuleVersion
from plugins.co_building.schemas import rules as s
from plugins.co_building.services import rules as services
from tenants.models import Compound, Region

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


COMMUNITY = "/console/co_building/community-rules"
PUBLISH_COMMUNITY_SAYS = N_(
    "The draft is published in every compound of the community at once: residents read it from its date, and the "
    "version before it ends the day before."
)


class CommunityRulePages(Controller):
    """A community's rules (a residents' convention …), written once by the district for every compound of the
    community it reaches (``services.rules.create_community_rule``)."""

    path = COMMUNITY

    @get("/", guards=[requires("co_building.community_rules", "write")])
    async def register(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """The community rules with their versions, and the forms: a new rule, a new version, publish."""
        communities = (
            await ctx.session.execute(
                select(Region.id, Region.name).where(Region.id.in_(select(Compound.community_id))).order_by(Region.name)
            )
        ).all()
        rows = (
            await ctx.session.execute(
                select(RuleVersion, Compound.community_id)
                .join(Compound, Compound.id == RuleVersion.compound_id)
                .where(RuleVersion.level == "community")
                .order_by(RuleVersion.series_id, RuleVersion.version)
                .limit(2000)
            )
        ).all()
        series: dict[uuid.UUID, dict[str, Any]] = {}
        for version, community_id in rows:
            rule = series.setdefault(
                version.series_id,
                {
                    "series_id": version.series_id,
                    "title": version.title,
                    "kind": version.kind,
                    "community_id": community_id,
                    "versions": {},
                },
            )
            v = rule["versions"].setdefault(version.version, {"row": version, "compounds": 0})
            v["compounds"] += 1
            rule["title"] = version.title
        names = dict(communities)
        return await page(
            request,
            "co_building/rules/community.html",
            communities=communities,
            rules=[
                {**r, "community": names.get(r["community_id"], "—"), "versions": list(r["versions"].values())} for r in series.values()
            ],
            today=now().date(),
            kinds=KINDS,
            statuses=STATUSES,
        )

    @post("/", guards=[requires("co_building.community_rules", "write")])
    async def create(self, request: Request, ctx: RequestContext) -> Response[Any]:
        await services.create_community_rule(ctx.session, ctx.user_id, await parse_form(request, s.CommunityRuleIn))
        return done(request, COMMUNITY, "created")

    @post("/{series_id:uuid}/versions", guards=[requires("co_building.community_rules", "write")])
    async def add_version(self, request: Request, series_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.add_community_version(ctx.session, series_id, ctx.user_id, await parse_form(request, s.RuleVersionIn))
        return done(request, COMMUNITY, "created")

    @post("/{series_id:uuid}/publish", guards=[requires("co_building.community_rules", "write")])
    async def publish(self, request: Request, series_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        step = await confirmation(request, PUBLISH_COMMUNITY_SAYS)
        if step is not None:
            return step
        await services.publish_community_version(ctx.session, series_id)
        return done(request, COMMUNITY)


HANDLERS = [RulesConsolePages, RulesPortalPages, CommunityRulePages]
PAGES: list[dict] = [
    {
        "path": COMMUNITY,
        "label_zh": "社区制度",
        "label_en": "Community rules",
        "permission": "co_building.community_rules:write",
        "portal": False,
    },
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
