"""The resident portal's visitor passes (访客通行码): issue a pass on the phone, show its QR code to the visitor (or send
a screenshot), see how many entries are left, revoke it. The QR carries the signed token a gate verifies offline; it
is drawn on the server (segno, SVG), so nothing leaves the site."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam
from core.web.forms import parse_form
from core.web.qr import qr_svg
from core.web.render import PAGE_SIZE, done, page, pager
from plugins.smart_property.pages.common import LABELS, VALID_HOURS, P
from plugins.smart_property.schemas import passes as s
from plugins.smart_property.services import passes as services
from tenants.services import get_compound


class PortalPassPages(Controller):
    path = P

    @get("/passes", guards=[requires("smart_property.pass", "read")])
    async def passes(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """My visitor passes, newest first, and the form for a new one."""
        listed = await services.list_passes(ctx, mine=True, limit=PAGE_SIZE, offset=offset)
        return await page(
            request,
            "smart_property/portal_passes.html",
            portal=True,
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            passes=listed.items,
            pager=pager(request, listed.total, offset),
            writable=ctx.can("smart_property.pass", "write"),
            valid_hours=VALID_HOURS,
            **LABELS,
        )

    @post("/passes", guards=[requires("smart_property.pass", "write")])
    async def issue(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Issue a pass (from now, for the hours and entries chosen) and open it to show its QR code."""
        issued, _token = await services.issue_pass(ctx, await parse_form(request, s.PassIn))
        return done(request, f"/portal/compounds/{compound_id}/smart_property/passes/{issued.id}", "created")

    @get("/passes/{pass_id:uuid}", guards=[requires("smart_property.pass", "read")])
    async def show(self, request: Request, compound_id: uuid.UUID, pass_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """One pass with its QR code (the issuer's own; the gate house sees any)."""
        issued, token = await services.pass_token(ctx, pass_id)
        shown = services.pass_out(issued, token=token, show_phone=True)
        return await page(
            request,
            "smart_property/portal_pass.html",
            portal=True,
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            p=shown,
            qr=qr_svg(token, scale=5) if shown.state in ("valid", "not_yet_valid") else None,
            writable=ctx.can("smart_property.pass", "write"),
            **LABELS,
        )

    @post("/passes/{pass_id:uuid}/revoke", guards=[requires("smart_property.pass", "write")])
    async def revoke(self, request: Request, compound_id: uuid.UUID, pass_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Revoke a pass; gates learn it from the revocation list they fetch."""
        await services.revoke_pass(ctx, pass_id)
        return done(request, f"/portal/compounds/{compound_id}/smart_property/passes/{pass_id}", "revoked")


HANDLERS: list = [PortalPassPages]
