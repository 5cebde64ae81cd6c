"""The resident portal's inbox (mobile first); the portal's home is the control plane's (tenants.pages.portal)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import authenticated
from core.identity.principal import Principal
from core.notifications import services as notifications
from core.pagination import OffsetParam
from core.web.activity import inbox_page, read_one
from core.web.render import done


class PortalPages(Controller):
    path = "/portal"

    @get("/inbox", guards=[authenticated()])
    async def inbox(
        self, request: Request, principal: Principal, session: AsyncSession, unread: bool = False, offset: OffsetParam = 0
    ) -> Response[Any]:
        """My notifications, newest first."""
        return await inbox_page(request, principal, session, unread, offset, portal=True)

    @post("/inbox/{notification_id:uuid}/read", guards=[authenticated()])
    async def mark_read(self, request: Request, notification_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Mark one notification read."""
        return await read_one(request, principal, session, notification_id, portal=True)

    @post("/inbox/read-all", guards=[authenticated()])
    async def mark_all_read(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Mark every unread notification read."""
        await notifications.mark_all_read(session, principal.user_id)
        return done(request, "/portal/inbox")
