"""The resident portal and the meeting sign-in."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.access import rules
from core.authz.guard import requires
from core.context import RequestContext
from core.problems import invalid
from core.web.forms import parse_form
from core.web.render import page
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.pages.common import (
    LABELS,
    PageController,
)
from tenants.models import Compound, Resident

# --------------------------------------------------------------------------- the resident portal


class PortalPartyPages(PageController):
    path = "/portal"

    @get("/party_building", guards=[requires("party_building.public", "read")])
    async def party(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """My compound's party organisation, members who show identity, my building's central households, disclosures."""
        ids = (await ctx.session.scalars(select(Resident.compound_id).where(Resident.user_id == ctx.user_id).distinct())).all()
        states = await rules().module_states(ctx.session, list(ids), ["party_building"]) if ids else {}
        on = [cid for cid in ids if states.get(cid, {}).get("party_building", (False, ""))[0]]
        compounds = {c.id: c for c in (await ctx.session.scalars(select(Compound).where(Compound.id.in_(on)))).all()} if on else {}
        views = [(compounds[cid], await services.public_view(ctx, cid)) for cid in on]  # a resident lives in one or two compounds
        return await page(
            request, "party_building/portal.html", portal=True, views=views, labels=LABELS, compound_id=ids[0] if ids else None
        )

    @get(
        "/compounds/{compound_id:uuid}/party_building/meetings/{meeting_id:uuid}/sign-in",
        guards=[requires("party_building.public", "read")],
    )
    async def sign_in_page(
        self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext, code: str = ""
    ) -> Response[Any]:
        """Where the meeting's QR code leads: confirm the sign-in."""
        meeting = await ctx.session.get(m.Meeting, (compound_id, meeting_id))
        if meeting is None:
            raise invalid("meeting_id", "no such meeting", status=404)
        return await page(
            request,
            "party_building/sign_in.html",
            portal=True,
            meeting=meeting,
            code=code,
            labels=LABELS,
            compound_id=compound_id,
            signed=None,
        )

    @post(
        "/compounds/{compound_id:uuid}/party_building/meetings/{meeting_id:uuid}/sign-in",
        guards=[requires("party_building.public", "read")],
    )
    async def sign_in(self, request: Request, compound_id: uuid.UUID, meeting_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Sign in as the logged-in user with the meeting's code."""
        data = await parse_form(request, s.SignInIn)
        attendee = await services.sign_in_by_code(ctx, compound_id, meeting_id, data.code)
        meeting = await ctx.session.get(m.Meeting, (compound_id, meeting_id))
        return await page(
            request,
            "party_building/sign_in.html",
            portal=True,
            meeting=meeting,
            code="",
            labels=LABELS,
            compound_id=compound_id,
            signed=attendee,
        )
