"""Disclosure."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam, paginate
from core.problems import invalid
from core.web.forms import form_values, parse_form, to_input
from core.web.render import PAGE_SIZE, done, pager
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.pages.common import (
    C,
    PageController,
    compound_page,
)

# --------------------------------------------------------------------------- disclosure


class DisclosurePages(PageController):
    path = C + "/disclosures"

    @get("/", guards=[requires("party_building.disclosure", "read")])
    async def disclosures(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """Every disclosure, whether residents see it today, and the form for a new one."""
        today = await services.local_today(ctx.session, compound_id)
        rows, total = await paginate(ctx.session, services.disclosures_query(compound_id), PAGE_SIZE, offset)
        return await compound_page(
            request,
            ctx,
            "disclosures.html",
            compound_id,
            disclosures=[await services.disclosure_out(ctx.session, r, today, history=True) for r in rows],
            pager=pager(request, total, offset),
            writable=ctx.can("party_building.disclosure", "write"),
            today=today,
        )

    @post("/", guards=[requires("party_building.disclosure", "write")])
    async def add(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Draft or publish a disclosure."""
        values = await form_values(request)
        values["publish"] = values.get("publish") in ("on", "true", "1")
        await services.create_disclosure(ctx, compound_id, to_input(values, s.DisclosureIn))
        return done(request, f"/console/compounds/{compound_id}/party_building/disclosures", "created")

    @post("/{disclosure_id:uuid}", guards=[requires("party_building.disclosure", "write")])
    async def edit(self, request: Request, compound_id: uuid.UUID, disclosure_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Correct a disclosure (a new version)."""
        await services.update_disclosure(ctx, compound_id, disclosure_id, await parse_form(request, s.DisclosurePatch))
        return done(request, f"/console/compounds/{compound_id}/party_building/disclosures")

    @post("/{disclosure_id:uuid}/{action:str}", guards=[requires("party_building.disclosure", "write")])
    async def publish(
        self, request: Request, compound_id: uuid.UUID, disclosure_id: uuid.UUID, action: str, ctx: RequestContext
    ) -> Response[Any]:
        """Publish or withdraw."""
        status = {"publish": "published", "withdraw": "withdrawn"}.get(action)
        if status is None:
            raise invalid("action", "publish or withdraw", status=400)
        await services.set_disclosure_status(ctx, compound_id, disclosure_id, status)
        return done(request, f"/console/compounds/{compound_id}/party_building/disclosures")
