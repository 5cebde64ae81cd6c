"""The member register and central households."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.web.forms import form_values, parse_form, to_input
from core.web.render import PAGE_SIZE, done, pager
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.pages.common import (
    C,
    PageController,
    compound_page,
)
from tenants.models import Building, Resident

# --------------------------------------------------------------------------- members and central households


class MemberPages(PageController):
    path = C

    @get("/members", guards=[requires("party_building.member", "read")])
    async def members(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        q: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """党员名册: members with their organisations and posts; phones masked unless the user keeps the register."""
        query = (q or "").strip()
        rows, total = await paginate(ctx.session, services.members_query(compound_id, q=query or None), PAGE_SIZE, offset)
        ms = await services.memberships_of(ctx.session, compound_id, [r.id for r in rows])
        writable = ctx.can("party_building.member", "write")
        members = [services.member_out(r, ms.get(r.id, []), show_pii=writable) for r in rows]
        orgs = await services.organisations_serving(ctx.session, compound_id)
        buildings = (await ctx.session.scalars(select(Building).where(Building.compound_id == compound_id).order_by(Building.name))).all()
        residents = (
            (
                await ctx.session.execute(
                    select(Resident.id, Resident.name).where(Resident.compound_id == compound_id).order_by(Resident.name).limit(1000)
                )
            ).all()
            if writable
            else []
        )
        every = (await ctx.session.scalars(services.members_query(compound_id))).all() if writable else []
        return await compound_page(
            request,
            ctx,
            "members.html",
            compound_id,
            members=members,
            pager=pager(request, total, offset),
            q=query,
            writable=writable,
            organisations=orgs,
            buildings=buildings,
            residents=residents,
            all_members=every,
            central=await services.central_households(ctx.session, compound_id),
        )

    @post("/members", guards=[requires("party_building.member", "write")])
    async def add_member(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Register a member."""
        values = await form_values(request, lists=("organisation_ids",))
        for flag in ("serving", "show_identity"):
            values[flag] = values.get(flag) in ("on", "true", "1")
        await services.create_member(ctx.session, compound_id, to_input(values, s.MemberIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/members", "created")

    @post("/members/{member_id:uuid}", guards=[requires("party_building.member", "write")])
    async def edit_member(self, request: Request, compound_id: uuid.UUID, member_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Change a member's status, registration or show-identity flag."""
        values = await form_values(request)
        for flag in ("serving", "show_identity"):
            values[flag] = values.get(flag) in ("on", "true", "1")
        await services.update_member(ctx.session, compound_id, member_id, to_input(values, s.MemberPatch))
        return done(request, f"/console/compounds/{compound_id}/party_building/members")

    @post("/members/{member_id:uuid}/memberships", guards=[requires("party_building.member", "write")])
    async def add_membership(self, request: Request, compound_id: uuid.UUID, member_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Place a member in an organisation (another level) or change their post."""
        await services.add_membership(ctx.session, compound_id, member_id, await parse_form(request, s.MembershipIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/members")

    @post("/central-households", guards=[requires("party_building.member", "write")])
    async def add_central(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Make a member's household a central household for a building."""
        await services.create_central_household(
            ctx.session, compound_id, await parse_form(request, s.CentralHouseholdIn, lists=("household_ids",))
        )
        return done(request, f"/console/compounds/{compound_id}/party_building/members", "created")
