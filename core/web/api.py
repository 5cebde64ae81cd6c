"""The kernel's page routers — the shared shell of the console (``/console``) and the portal (``/portal``) — and their assets.

The control plane (tenants) and every plugin mount their own pages with :func:`page_router`.

Both page routers carry what makes a page route different from an API route:
the cookie session middleware, the CSRF guard and the HTML error handlers.
Each handler still declares its own permission guard, as the API's do.
"""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from core.web.activity import ActivityPages
from core.web.auth import ConsoleAuthController, PortalAuthController
from core.web.console import HomeController, RolesPages, UsersPages
from core.web.errors import EXCEPTION_HANDLERS_FOR_PAGES
from core.web.first_run import first_run, root
from core.web.portal import PortalPages
from core.web.render import STATIC, STATIC_URL
from core.web.session import cookie_session, csrf_guard


def page_router(handlers: list) -> Router:
    """Mount page handlers (the core's, or a plugin's from ``redprop_route_handlers``) the way pages need."""
    return Router(
        path="/",
        route_handlers=handlers,
        middleware=[first_run, cookie_session],  # a fresh instance answers every page with the setup page
        guards=[csrf_guard],
        exception_handlers=EXCEPTION_HANDLERS_FOR_PAGES,
        include_in_schema=False,  # type: ignore[arg-type]
    )


ROUTE_HANDLERS: list = [
    page_router(
        [
            ConsoleAuthController,
            HomeController,
            UsersPages,
            RolesPages,
            ActivityPages,
        ]
    ),
    page_router([PortalAuthController, PortalPages]),
    root,
    # pages link assets with a content hash (render.static_url), so a browser may keep them for good
    create_static_files_router(
        path=STATIC_URL,
        directories=[STATIC],
        opt={"public": True},
        include_in_schema=False,
        send_as_attachment=False,
        cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True),
    ),
]
