"""A fresh instance: while the database holds no account at all, every page answers "no administrator yet: run
``redprop admin create``" (zh-CN first) instead of a login form nobody can use or a 500; and ``/`` sends a visitor
to the login.

The question costs one indexed query per page request only until the first account exists; after that the
answer is remembered for the database handle (``state.db``), so a rebound application asks again.
"""

from __future__ import annotations

import weakref
from typing import Any

from litestar import Request, Response, get
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import select

from core.authz.guard import authenticate
from core.db import Scope as DataScope
from core.identity.models import User
from core.problems import Problem
from core.web import session as web_session
from core.web.render import public_page, redirect

_HAS_ACCOUNTS: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
SETUP_STATUS = 503
"""Service Unavailable: the instance is not ready to serve anyone yet (it says what to do)."""


async def has_accounts(state: Any) -> bool:
    """Whether the database of ``state`` holds any account (remembered once true)."""
    db = state.db
    if _HAS_ACCOUNTS.get(db):
        return True
    try:
        async with db.session(DataScope.nothing()) as session:
            found = await session.scalar(select(User.id).limit(1)) is not None
    except Exception:  # an unmigrated database: let the page answer as it would (the health check says why)
        return True
    if found:
        _HAS_ACCOUNTS[db] = True
    return found


def setup_page(connection: ASGIConnection) -> Response[str]:
    """The page a fresh instance answers with: what to run to make the first administrator."""
    return public_page(connection, "first_run.html", status=SETUP_STATUS, command="redprop admin create")


def first_run(app: ASGIApp) -> ASGIApp:
    """Page-router middleware: on a database without accounts, every page is the setup page."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not await has_accounts(scope["app"].state):
            response = setup_page(ASGIConnection(scope))
            await response.to_asgi_response(scope["app"], Request(scope))(scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware


@get("/", opt={"public": True}, include_in_schema=False)
async def root(request: Request) -> Response[Any]:
    """The site's address: the setup page on a fresh instance; a signed-in person's home (staff the console, a
    resident the portal); anyone else a chooser between the console (staff) and the portal (residents)."""
    if not await has_accounts(request.app.state):
        return setup_page(request)
    token = web_session.session_token(request)
    if token:
        request.scope.setdefault("state", {})["session_token"] = token  # type: ignore[typeddict-item] # as cookie_session does
        try:
            principal = await authenticate(request)
        except Problem:  # an expired or revoked session: the chooser, whose links lead to the logins
            pass
        else:
            return redirect("/console/" if principal.tenant_id is not None else "/portal/")
    return public_page(request, "chooser.html")
