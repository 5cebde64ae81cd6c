"""Console pages of the control plane: tenants, compounds (with their operator history) and plans.

Handlers stay thin: they read a form into the API's input struct, call the
service the API calls, and redirect; a broken rule raises the service's
problem, which the page routers show and which rolls the unit of work back.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.plugins.figures import dashboard
from core.web.confirm import confirmation
from core.web.forms import parse_form
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, page, pager
from tenants import schemas as s
from tenants import services
from tenants.models import Plan, Region, Tenant
from tenants.pages.base import CATALOG

REVIEW_STATES = {
    "missing": N_("pre-review not requested"),
    "requested": N_("awaiting pre-review"),
    "approve": N_("pre-review approved"),
    "approve_with_conditions": N_("pre-review approved with conditions"),
    "reject": N_("pre-review rejected"),
    "unavailable": N_("party building is off here: nobody can review"),
}
SUSPEND_TENANT_SAYS = N_(
    "The tenant is suspended: none of its people can sign in or use the API until it is reactivated; its data is kept."
)
CHANGE_OPERATOR_SAYS = N_(
    "The compound passes to the chosen enterprise: the present operator loses access to it at once and its active subscriptions end."
)

# --------------------------------------------------------------------------- tenants (platform)


class TenantsPages(Controller):
    path = "/console/tenants"
    opt = CATALOG

    @get("/", guards=[requires("core.tenant", "read")])
    async def list_tenants(self, request: Request, ctx: RequestContext, kind: str | None = None, offset: OffsetParam = 0) -> Response[Any]:
        """Every tenant, by kind; the platform creates, suspends and reactivates them here."""
        stmt = select(Tenant).order_by(Tenant.kind, Tenant.name)
        if kind:
            stmt = stmt.where(Tenant.kind == kind)
        rows, total = await paginate(ctx.session, stmt, PAGE_SIZE, offset)
        writable = ctx.can("core.tenant", "write")
        return await page(
            request, "tenants/console/tenants.html", tenants=rows, pager=pager(request, total, offset), kind=kind, writable=writable
        )

    @post("/", guards=[requires("core.tenant", "write")])
    async def create_tenant(self, request: Request, session: AsyncSession) -> Response[Any]:
        """Create an enterprise (credit code checked) or a district."""
        await services.create_tenant(session, await parse_form(request, s.TenantIn))
        return done(request, "/console/tenants", "created")

    @post("/{tenant_id:uuid}/status", guards=[requires("core.tenant", "write")])
    async def set_status(self, request: Request, tenant_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Suspend or reactivate a tenant (a suspension is asked to confirm first)."""
        data = await parse_form(request, s.TenantStatusIn)
        if data.status != "active":
            step = await confirmation(request, SUSPEND_TENANT_SAYS)
            if step is not None:
                return step
        await services.set_tenant_status(session, tenant_id, data.status)
        return done(request, "/console/tenants")


# --------------------------------------------------------------------------- compounds


async def _enterprises(session: AsyncSession) -> list[Any]:
    return list(
        (
            await session.execute(
                select(Tenant.id, Tenant.name).where(Tenant.kind == "enterprise", Tenant.status == "active").order_by(Tenant.name)
            )
        ).all()
    )


class CompoundsPages(Controller):
    path = "/console/compounds"
    opt = CATALOG

    @get("/", guards=[requires("tenants.compound", "read")])
    async def list_compounds(self, request: Request, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """The compounds the user reaches now; a district (or the platform) registers new ones."""
        session = ctx.session
        rows, total = await paginate(session, services.compounds_query(), PAGE_SIZE, offset)
        form = None
        if ctx.can("tenants.compound", "write"):
            communities = select(Region.id, Region.name).where(Region.kind == "community").order_by(Region.name)
            if not ctx.can("tenants.any_district", "read"):
                communities = communities.where(Region.tenant_id == ctx.tenant_id)
            form = {"communities": (await session.execute(communities)).all(), "enterprises": await _enterprises(session)}
        if ctx.can("tenants.region", "write"):
            form = form or {}
            streets = select(Region.id, Region.name).where(Region.kind == "street").order_by(Region.name)
            districts = select(Tenant.id, Tenant.name).where(Tenant.kind == "district").order_by(Tenant.name)
            if not ctx.can("tenants.any_district", "write"):
                streets, districts = streets.where(Region.tenant_id == ctx.tenant_id), districts.where(Tenant.id == ctx.tenant_id)
            form["streets"] = (await session.execute(streets)).all()
            form["districts"] = (await session.execute(districts)).all()
        return await page(
            request,
            "tenants/console/compounds.html",
            compounds=[services.compound_out(*r) for r in rows],
            pager=pager(request, total, offset),
            form_data=form,
        )

    @post("/", guards=[requires("tenants.compound", "write")])
    async def create_compound(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Register a compound in a community, optionally with its operator."""
        compound = await services.create_compound(ctx, await parse_form(request, s.CompoundIn))
        return done(request, f"/console/compounds/{compound.id}", "created")

    @post("/regions", guards=[requires("tenants.region", "write")])
    async def create_region(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Add a street to a district, or a community under a street: where compounds are registered."""
        data = await parse_form(request, s.RegionIn)
        if data.parent_id is not None:  # a community belongs to its street's district
            parent = await ctx.session.get(Region, data.parent_id)
            data = s.RegionIn(kind=data.kind, name=data.name, parent_id=data.parent_id, tenant_id=parent.tenant_id if parent else None)
        await services.create_region(ctx, data)
        return done(request, "/console/compounds", "created")

    @get("/{compound_id:uuid}", guards=[requires("tenants.compound", "read")])
    async def compound(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, state: State) -> Response[Any]:
        """A compound's profile with every operator it has had (物业更换 history)."""
        session = ctx.session
        compound = await services.get_compound(session, compound_id)
        history = await services.operator_history(session, compound_id)
        writable = ctx.can("tenants.compound", "write")
        enterprises = [e for e in await _enterprises(session) if e.id != compound.operator_tenant_id] if writable else []
        reviews = await services.operator_reviews(session, compound_id, [e.id for e in enterprises]) if enterprises else {}
        figures = await dashboard(session, state.plugins, compound_id, now().date())
        return await page(
            request,
            "tenants/console/compound.html",
            compound_id=compound_id,
            compound=compound,
            history=history,
            enterprises=enterprises,
            reviews={tenant_id: r.state for tenant_id, r in reviews.items()},
            review_states=REVIEW_STATES,
            writable=writable,
            figures=figures,
        )

    @post("/{compound_id:uuid}/operator/pre-review", guards=[requires("tenants.compound", "write")])
    async def request_operator_review(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Put the change of operator to the community party organisation's pre-review (前置把关) first."""
        await services.request_operator_review(ctx.session, compound_id, await parse_form(request, s.OperatorChangeIn), ctx.user_id)
        return done(request, f"/console/compounds/{compound_id}")

    @post("/{compound_id:uuid}/operator", guards=[requires("tenants.compound", "write")])
    async def change_operator(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Hand the compound to another enterprise; the old one loses access at once (asked to confirm first)."""
        step = await confirmation(request, CHANGE_OPERATOR_SAYS, compound_id=compound_id)
        if step is not None:
            return step
        await services.change_operator(session, compound_id, await parse_form(request, s.OperatorChangeIn))
        return done(request, f"/console/compounds/{compound_id}")


# --------------------------------------------------------------------------- plans


class PlansPages(Controller):
    path = "/console/plans"
    opt = CATALOG

    @get("/", guards=[requires("core.plan", "read")])
    async def list_plans(self, request: Request, session: AsyncSession, state: State) -> Response[Any]:
        """Plans on offer: modules and price per compound per month."""
        plans = (await session.scalars(select(Plan).order_by(Plan.price_fen_per_compound_month))).all()
        labels = {rec.name: rec.info for rec in state.plugins.modules}
        return await page(request, "tenants/console/plans.html", plans=plans, labels=labels)
