"""HTTP handlers of core.notifications: the caller's inbox and their channel preferences."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, get, post, put
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import authenticated
from core.identity.principal import Principal
from core.notifications import schemas as s
from core.notifications import services
from core.notifications.channels import collect_channels
from core.notifications.models import Notification, NotificationPreference
from core.pagination import LimitParam, OffsetParam, Page


def _out(item: Notification) -> s.NotificationOut:
    return s.NotificationOut(
        id=item.id,
        kind=item.kind,
        title=item.title,
        body=item.body,
        link=item.link,
        tenant_id=item.tenant_id,
        compound_id=item.compound_id,
        created_at=item.created_at,
        read_at=item.read_at,
    )


def _prefs_out(rows: list[NotificationPreference], channels: list[str]) -> s.PreferencesOut:
    return s.PreferencesOut(
        items=[s.PreferenceOut(channel=p.channel, address=p.address, enabled=p.enabled) for p in rows], channels=channels
    )


def _channel_names(request: Request) -> list[str]:
    return sorted(collect_channels(request.app.state.plugins, request.app.state.settings))


class InboxController(Controller):
    path = "/api/v1/inbox"
    tags = ["notifications"]
    guards = [authenticated()]

    @get("/", operation_id="listInbox")
    async def list_inbox(
        self, principal: Principal, session: AsyncSession, unread_only: bool = False, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.NotificationOut]:
        """The caller's notifications across all their tenants and compounds, newest first."""
        rows, total = await services.inbox(session, principal.user_id, unread_only, limit, offset)
        return Page(items=[_out(n) for n in rows], total=total, limit=limit, offset=offset)

    @post("/{notification_id:uuid}/read", operation_id="markNotificationRead", status_code=200)
    async def mark_read(self, notification_id: uuid.UUID, principal: Principal, session: AsyncSession) -> s.NotificationOut:
        """Mark one of the caller's notifications read (404 for anyone else's)."""
        return _out(await services.mark_read(session, principal.user_id, notification_id))

    @post("/read-all", operation_id="markAllNotificationsRead", status_code=200)
    async def mark_all_read(self, principal: Principal, session: AsyncSession) -> s.MarkedOut:
        """Mark every unread notification of the caller read."""
        return s.MarkedOut(marked=await services.mark_all_read(session, principal.user_id))


class PreferencesController(Controller):
    path = "/api/v1/notification-preferences"
    tags = ["notifications"]
    guards = [authenticated()]

    @get("/", operation_id="getNotificationPreferences")
    async def get_preferences(self, request: Request, principal: Principal, session: AsyncSession) -> s.PreferencesOut:
        """The caller's addresses per channel, and the channels installed."""
        return _prefs_out(await services.preferences(session, principal.user_id), _channel_names(request))

    @put("/", operation_id="setNotificationPreferences")
    async def set_preferences(
        self, data: s.PreferencesIn, request: Request, principal: Principal, session: AsyncSession
    ) -> s.PreferencesOut:
        """Replace the caller's channel addresses (channels left out are removed)."""
        names = _channel_names(request)
        choices = [services.PreferenceChoice(channel=i.channel, address=i.address, enabled=i.enabled) for i in data.items]
        return _prefs_out(await services.set_preferences(session, principal.user_id, choices, names), names)


ROUTE_HANDLERS: list = [InboxController, PreferencesController]
