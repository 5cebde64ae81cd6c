"""The inbox (console and portal) and the audit log pages, over ``core.notifications`` and ``core.audit`` services."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.audit.services import entries_query, export_csv, readable_tenant
from core.authz.guard import authenticated, requires
from core.context import RequestContext
from core.identity.principal import Principal
from core.notifications import services as notifications
from core.pagination import OffsetParam, paginate
from core.web.render import PAGE_SIZE, done, fragment, is_htmx, page, pager, safe_next


async def inbox_page(
    request: Request, principal: Principal, session: AsyncSession, unread: bool, offset: int, *, portal: bool
) -> Response[Any]:
    rows, total = await notifications.inbox(session, principal.user_id, unread, PAGE_SIZE, offset)
    items = [{"item": n, "link": safe_next(n.link, "") or None} for n in rows]
    template = "portal/inbox.html" if portal else "console/inbox.html"
    return await page(request, template, portal=portal, items=items, unread=unread, pager=pager(request, total, offset))


async def read_one(
    request: Request, principal: Principal, session: AsyncSession, notification_id: uuid.UUID, *, portal: bool
) -> Response[Any]:
    item = await notifications.mark_read(session, principal.user_id, notification_id)
    if is_htmx(request):
        return fragment(request, "_notification.html", entry={"item": item, "link": safe_next(item.link, "") or None}, portal=portal)
    return done(request, "/portal/inbox" if portal else "/console/inbox")


class ActivityPages(Controller):
    path = "/console"

    @get("/inbox", guards=[authenticated()])
    async def inbox(
        self, request: Request, principal: Principal, session: AsyncSession, unread: bool = False, offset: OffsetParam = 0
    ) -> Response[Any]:
        """The user's notifications across tenants and compounds, newest first."""
        return await inbox_page(request, principal, session, unread, offset, portal=False)

    @post("/inbox/{notification_id:uuid}/read", guards=[authenticated()])
    async def mark_read(self, request: Request, notification_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Mark one notification read (htmx swaps the row)."""
        return await read_one(request, principal, session, notification_id, portal=False)

    @post("/inbox/read-all", guards=[authenticated()])
    async def mark_all_read(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Mark every unread notification read."""
        await notifications.mark_all_read(session, principal.user_id)
        return done(request, "/console/inbox")

    @get("/audit", guards=[requires("core.audit", "read")])
    async def audit(
        self,
        request: Request,
        ctx: RequestContext,
        compound_id: uuid.UUID | None = None,
        target_type: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Recorded writes, newest first: who, when, where, what, before → after."""
        session = ctx.session
        stmt = entries_query(readable_tenant(ctx), compound_id, target_type or None)
        rows, total = await paginate(session, stmt, PAGE_SIZE, offset)
        compound_ids = {e.compound_id for e in rows if e.compound_id}
        tenant_ids = {e.tenant_id for e in rows if e.tenant_id}
        compounds = await rules().compound_names(session, list(compound_ids))
        tenants = {tid: label.name for tid, label in (await rules().tenant_labels(session, list(tenant_ids))).items()}
        entries = [{"entry": e, "changes": _changes(e.before, e.after)} for e in rows]
        return await page(
            request,
            "console/audit.html",
            entries=entries,
            compounds=compounds,
            tenants=tenants,
            pager=pager(request, total, offset),
            compound_filter=compound_id,
            target_type=target_type or "",
        )

    @get("/audit/export.csv", guards=[requires("core.audit", "read")])
    async def export(self, ctx: RequestContext) -> Response[str]:
        """The log as CSV with its hashes, for checking elsewhere."""
        body = await export_csv(ctx.session, readable_tenant(ctx))
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "no-store"},
        )


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """The columns that differ, skipping bookkeeping ones everybody would skim past."""
    before, after = before or {}, after or {}
    skip = {"created_at", "updated_at"}
    return [
        (key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if key not in skip and before.get(key) != after.get(key)
    ]
