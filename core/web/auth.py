"""Signing in and out of the console and the portal, and switching the active tenant and compound.

Login calls the same identity services as ``POST /api/v1/auth/login``; the
token it issues goes into an HttpOnly cookie instead of a JSON body.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.guard import authenticated
from core.db import Scope
from core.identity.models import User
from core.identity.principal import Principal
from core.identity.schemas import LoginIn
from core.identity.services import authenticate_password, choose_tenant, issue_token, revoke_token, source_address
from core.problems import Problem, not_found
from core.web import session as web_session
from core.web.forms import form_uuid, form_values, to_input
from core.web.render import done, public_page, redirect, safe_next

PUBLIC = {"public": True}
COMPOUND_IN_PATH = re.compile(r"^(/console/compounds/)[0-9a-fA-F-]{36}(?=/|$)")


def _home(tenant_id: uuid.UUID | None) -> str:
    """Staff work in the console; a resident (no tenant) in the portal."""
    return "/console/" if tenant_id is not None else "/portal/"


def _landing(target: str | None, tenant_id: uuid.UUID | None) -> str:
    home = _home(tenant_id)
    chosen = safe_next(target, home)
    return chosen if chosen.startswith(home.rstrip("/")) else home


def login_page(request: Request, *, portal: bool, status: int = 200, **context: Any) -> Response[Any]:
    context.setdefault("next", safe_next(request.query_params.get("next"), ""))
    context.setdefault("username", "")
    context.setdefault("error", None)
    return public_page(request, "portal/login.html" if portal else "console/login.html", status=status, portal=portal, **context)


async def sign_in(request: Request, state: State, *, portal: bool) -> Response[Any]:
    """Check the password and set the session cookie; a failure shows the form again with the reason."""
    values = await form_values(request)
    login, target = str(values.get("username", "")), values.get("next")
    try:
        data = to_input({"username": login, "password": values.get("password", "")}, LoginIn)
        async with state.db.transaction(Scope.nothing()) as session:
            user = await authenticate_password(session, data.username, data.password, source_address(request))
            tenant_id = await choose_tenant(session, user, None)
            issued = await issue_token(session, user, tenant_id)
    except Problem as problem:
        return login_page(request, portal=portal, status=problem.status, error=problem.body(), username=login, next=safe_next(target, ""))
    ttl = state.settings.token_ttl_seconds
    cookies = [
        web_session.session_cookie(request, issued.token, ttl),
        web_session.expired(request, web_session.PRESESSION_COOKIE),
        web_session.expired(request, web_session.COMPOUND_COOKIE),
    ]
    return redirect(_landing(target, tenant_id), cookies=cookies)


async def sign_out(request: Request, session: AsyncSession, *, portal: bool) -> Response[Any]:
    token = web_session.session_token(request)
    if token:
        await revoke_token(session, token)
    return done(
        request,
        "/portal/login" if portal else "/console/login",
        "signed-out",
        cookies=[web_session.expired(request, web_session.SESSION_COOKIE)],
    )


class ConsoleAuthController(Controller):
    path = "/console"

    @get("/login", opt=PUBLIC)
    async def login_form(self, request: Request) -> Response[Any]:
        """The console's login form (staff log in with their username)."""
        return login_page(request, portal=False)

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request, state: State) -> Response[Any]:
        """Sign in: the session cookie carries a bearer token, as the API would hand out."""
        return await sign_in(request, state, portal=False)

    @post("/logout", guards=[authenticated()])
    async def logout(self, request: Request, session: AsyncSession) -> Response[Any]:
        """Revoke the session's token and drop the cookie."""
        return await sign_out(request, session, portal=False)

    @post("/switch-tenant", guards=[authenticated()])
    async def switch_tenant(self, request: Request, principal: Principal, session: AsyncSession, state: State) -> Response[Any]:
        """Act for another tenant the user belongs to: a new token, as ``POST /api/v1/auth/switch-tenant``."""
        tenant_id = form_uuid(await form_values(request), "tenant_id")
        user = await session.get(User, principal.user_id)
        chosen = await choose_tenant(session, user, tenant_id)  # type: ignore[arg-type]
        issued = await issue_token(session, user, chosen)  # type: ignore[arg-type]
        await revoke_token(session, web_session.session_token(request) or "")
        cookies = [
            web_session.session_cookie(request, issued.token, state.settings.token_ttl_seconds),
            web_session.expired(request, web_session.COMPOUND_COOKIE),
        ]
        return done(request, _home(chosen), "switched", cookies=cookies)

    @post("/switch-compound", guards=[authenticated()])
    async def switch_compound(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Make another reachable compound the current one; a compound page goes to the same page of the new compound."""
        values = await form_values(request)
        compound_id = form_uuid(values, "compound_id")
        if not principal.scope.allows(compound_id) or compound_id not in await rules().compound_names(session, [compound_id]):
            raise not_found("compound")
        target = COMPOUND_IN_PATH.sub(lambda m: m.group(1) + str(compound_id), safe_next(values.get("next"), "/console/"))
        remembered = web_session.cookie(request, web_session.COMPOUND_COOKIE, str(compound_id), max_age=web_session.LONG_LIVED)
        return done(request, target, "switched", cookies=[remembered])


class PortalAuthController(Controller):
    path = "/portal"

    @get("/login", opt=PUBLIC)
    async def login_form(self, request: Request) -> Response[Any]:
        """The resident portal's login form (phone number and password)."""
        return login_page(request, portal=True)

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request, state: State) -> Response[Any]:
        """Sign a resident in (staff who sign in here land in the console)."""
        return await sign_in(request, state, portal=True)

    @post("/logout", guards=[authenticated()])
    async def logout(self, request: Request, session: AsyncSession) -> Response[Any]:
        """Revoke the session's token and drop the cookie."""
        return await sign_out(request, session, portal=True)
