"""coordination console page of grids (网格): the district's grids with their worker and buildings, a new grid, the
buildings a grid covers."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.identity.models import Membership, User
from core.web.forms import form_values, to_input
from core.web.render import done, page
from plugins.coordination.schemas import grids as s
from plugins.coordination.services import grids as services
from tenants.models import Building, Compound, Region

GRIDS = "/console/coordination/grids"
PICKER_LIMIT = 2000


class GridPages(Controller):
    path = GRIDS

    @get("/", guards=[requires("coordination.grid", "read")])
    async def grids(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Every grid of the district (a district has a few hundred at most) with the buildings to choose from."""
        items, _ = await services.grids(ctx, 500, 0)
        district = ctx.tenant_id
        communities = (
            await ctx.session.execute(
                select(Region.id, Region.name).where(Region.tenant_id == district, Region.kind == "community").order_by(Region.name)
            )
        ).all()
        buildings = (
            await ctx.session.execute(
                select(Building.id, Building.name, Compound.name.label("compound"), Compound.community_id)
                .join(Compound, Compound.id == Building.compound_id)
                .where(Compound.district_tenant_id == district)
                .order_by(Compound.name, Building.name)
                .limit(PICKER_LIMIT)
            )
        ).all()
        members = (
            await ctx.session.execute(
                select(User.id, User.display_name)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.tenant_id == district)
                .order_by(User.display_name)
            )
        ).all()
        return await page(
            request,
            "coordination/grids/list.html",
            items=items,
            communities=dict(communities),
            buildings=buildings,
            members=members,
            writable=ctx.can("coordination.grid", "write"),
        )

    @post("/", guards=[requires("coordination.grid", "write")])
    async def create(self, request: Request, ctx: RequestContext) -> Response[Any]:
        await services.create_grid(ctx, to_input(await form_values(request), s.GridIn))
        return done(request, GRIDS, "created")

    @post("/{grid_id:uuid}/buildings", guards=[requires("coordination.grid", "write")])
    async def buildings(self, request: Request, grid_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        values = await form_values(request, lists=("building_ids",))
        values.setdefault("building_ids", [])
        await services.set_grid_buildings(ctx, grid_id, to_input(values, s.GridBuildingsIn))
        return done(request, GRIDS)


PAGES: list[dict] = [
    {"path": GRIDS, "label_zh": "网格管理", "label_en": "Grids", "permission": "coordination.grid:read", "portal": False},
]
HANDLERS: list = [GridPages]
