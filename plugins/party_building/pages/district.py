"""The district's pages: organisations, coverage, responsibility lists, targets."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.web.forms import form_values, parse_form, to_input
from core.web.i18n import negotiate
from core.web.render import done, page
from plugins.party_building import exports, services
from plugins.party_building import schemas as s
from plugins.party_building.pages.common import (
    LABELS,
    D,
    PageController,
)
from tenants.models import Building, Compound, Region

# --------------------------------------------------------------------------- the district's pages


class DistrictPages(PageController):
    path = D

    @get("/organisations", guards=[requires("party_building.organisation", "read")])
    async def organisations(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """The tree of party organisations with what each covers; forms to found one and extend its coverage."""
        orgs = await services.organisations(ctx)
        kinds = services.foundable_kinds(ctx)
        writable = ctx.can("party_building.organisation", "write") and bool(kinds)
        compounds = (await ctx.session.execute(select(Compound.id, Compound.name).order_by(Compound.name))).all()
        buildings = (
            (await ctx.session.execute(select(Building.id, Building.name, Building.compound_id).order_by(Building.name))).all()
            if writable
            else []
        )
        communities = (
            (
                await ctx.session.execute(
                    select(Region.id, Region.name)
                    .where(Region.tenant_id == ctx.tenant_id, Region.kind == "community")
                    .order_by(Region.name)
                )
            ).all()
            if writable
            else []
        )
        return await page(
            request,
            "party_building/organisations.html",
            organisations=orgs,
            writable=writable,
            compounds=compounds,
            buildings=buildings,
            communities=communities,
            kinds=kinds,
            labels=LABELS,
            depth=_depths(orgs),
        )

    @post("/organisations", guards=[requires("party_building.organisation", "write")])
    async def add_organisation(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Found an organisation."""
        await services.create_organisation(ctx, await parse_form(request, s.OrganisationIn))
        return done(request, "/console/party_building/organisations", "created")

    @post("/organisations/{organisation_id:uuid}/coverage", guards=[requires("party_building.organisation", "write")])
    async def add_coverage(self, request: Request, organisation_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The organisation covers one more compound or building."""
        await services.add_coverage(ctx, organisation_id, await parse_form(request, s.CoverageIn))
        return done(request, "/console/party_building/organisations")

    @get("/coverage", guards=[requires("party_building.coverage", "read")])
    async def coverage(self, request: Request, ctx: RequestContext, region_id: uuid.UUID | None = None) -> Response[Any]:
        """两个覆盖: the table per community, street and district, a chart, the gaps, and the exports."""
        report = await services.coverage_report(ctx, region_id)
        locale = negotiate(request)
        chart = exports.coverage_chart(
            report,
            title="各社区小区党组织覆盖" if locale == "zh_CN" else "Compounds with a party branch, per community",
            covered="已覆盖" if locale == "zh_CN" else "covered",
            uncovered="未覆盖" if locale == "zh_CN" else "not covered",
        )
        return await page(request, "party_building/coverage.html", report=report, chart=chart, labels=LABELS, region_id=region_id)

    @get("/coverage/export", guards=[requires("party_building.coverage", "read")])
    async def coverage_export(
        self, ctx: RequestContext, format: exports.Format = "xlsx", region_id: uuid.UUID | None = None
    ) -> Response[bytes]:
        """The coverage report as Excel or CSV."""
        return exports.coverage_response(await services.coverage_report(ctx, region_id), format, now())

    @get("/responsibilities", guards=[requires("party_building.responsibility", "read")])
    async def responsibilities(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """责任清单 per organisation and role, with this period's completion."""
        today = await services.tenant_today(ctx.session, ctx.tenant_id)
        items = await services.responsibilities(ctx, today)
        orgs = [o for o in await services.organisations(ctx) if o.owned]
        return await page(
            request,
            "party_building/responsibilities.html",
            items=items,
            organisations=orgs,
            writable=ctx.can("party_building.responsibility", "write") and bool(orgs),
            labels=LABELS,
            today=today,
        )

    @post("/responsibilities", guards=[requires("party_building.responsibility", "write")])
    async def add_responsibility(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Add an item to a responsibility list."""
        await services.create_responsibility(ctx, await parse_form(request, s.ResponsibilityIn))
        return done(request, "/console/party_building/responsibilities", "created")

    @post("/responsibilities/{responsibility_id:uuid}/completions", guards=[requires("party_building.responsibility", "write")])
    async def complete(self, request: Request, responsibility_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Record a completion."""
        await services.record_completion(
            ctx,
            responsibility_id,
            await parse_form(request, s.CompletionIn),
            await services.tenant_today(ctx.session, ctx.tenant_id),
        )
        return done(request, "/console/party_building/responsibilities")

    @get("/targets", guards=[requires("party_building.settings", "read")])
    async def targets(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """The district's targets and required meeting frequencies."""
        goal = await services.targets(ctx.session, ctx.tenant_id)
        return await page(
            request,
            "party_building/targets.html",
            goal=goal,
            writable=ctx.can("party_building.settings", "write"),
            labels=LABELS,
        )

    @post("/targets", guards=[requires("party_building.settings", "write")])
    async def set_targets(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Set the targets."""
        values = await form_values(request)
        values["secretary_on_committee"] = values.get("secretary_on_committee") in ("on", "true", "1")
        await services.set_targets(ctx, to_input(values, s.TargetsIn))
        return done(request, "/console/party_building/targets")

    @post("/targets/requirements", guards=[requires("party_building.settings", "write")])
    async def set_requirement(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Set how often a kind of meeting must be held."""
        await services.set_requirement(ctx, await parse_form(request, s.RequirementIn))
        return done(request, "/console/party_building/targets")


def _depths(orgs: list[s.OrganisationOut]) -> dict[uuid.UUID, int]:
    """How deep each organisation sits in the tree (the list comes parents first)."""
    depth: dict[uuid.UUID, int] = {}
    for o in orgs:
        depth[o.id] = depth.get(o.parent_id, -1) + 1 if o.parent_id in depth else 0
    return depth
