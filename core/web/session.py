"""Cookie sessions and CSRF protection of the web pages.

The session cookie holds the same opaque bearer token the API hands out (random,
stored only as its digest, revocable). A middleware on the page routers copies
it to ``scope["state"]["session_token"]``, where ``core.authz.guard`` looks for
it, so page routes use the very guards the API uses. The cookie is sent only to
page routes: API routes keep requiring the ``Authorization`` header, so they
need no CSRF defence.

CSRF: the token in every form (``_csrf``) and in htmx's ``X-CSRF-Token`` header
is an HMAC of the session token (or, before login, of a random pre-session
cookie) under the secret key. A cross-site page can neither read it nor
compute it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from core.problems import Problem

SESSION_COOKIE = "redprop_session"
PRESESSION_COOKIE = "redprop_presession"
COMPOUND_COOKIE = "redprop_compound"
FLASH_COOKIE = "redprop_flash"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LONG_LIVED = 365 * 24 * 3600


def session_token(connection: ASGIConnection) -> str | None:
    return connection.cookies.get(SESSION_COOKIE) or None


def cookie_session(app: ASGIApp) -> ASGIApp:
    """Router middleware: hand the session cookie's token to the guard."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = session_token(ASGIConnection(scope))
            if token:
                scope.setdefault("state", {})["session_token"] = token  # type: ignore[typeddict-item]
        await app(scope, receive, send)

    return middleware


def _secret(connection: ASGIConnection) -> bytes:
    return connection.app.state.settings.secret_key.encode()


def _binding(connection: ASGIConnection) -> str | None:
    """What the CSRF token is bound to: the session, or before login the pre-session cookie."""
    token = session_token(connection)
    if token:
        return "session:" + token
    presession = connection.cookies.get(PRESESSION_COOKIE)
    return "presession:" + presession if presession else None


def csrf_token(connection: ASGIConnection) -> str:
    binding = _binding(connection) or "presession:" + presession_value(connection)
    digest = hmac.new(_secret(connection), b"csrf:" + binding.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def presession_value(connection: ASGIConnection) -> str:
    """The pre-session cookie's value, minted once per request when the browser has none yet."""
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    value = connection.cookies.get(PRESESSION_COOKIE) or state.get("new_presession")
    if not value:
        value = state["new_presession"] = secrets.token_urlsafe(24)
    return value


def csrf_problem() -> Problem:
    return Problem(
        403, "csrf-failed", "Security check failed", "the form's security token is missing or out of date; reload the page and try again"
    )


async def csrf_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Router guard: every unsafe request to a page carries the token of its session.

    It declares no permission on purpose: it adds to the route's own guard, never replaces it.
    """
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    if _binding(connection) is None:
        raise csrf_problem()
    sent = connection.headers.get(CSRF_HEADER)
    if not sent and isinstance(connection, Request):
        sent = (await connection.form()).get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(connection)):
        raise csrf_problem()


def is_secure(connection: ASGIConnection) -> bool:
    """Cookies are ``Secure`` over https and always in production (TLS ends at the load balancer there)."""
    return connection.url.scheme == "https" or connection.app.state.settings.is_production


def cookie(connection: ASGIConnection, key: str, value: str, *, max_age: int | None = None, httponly: bool = True) -> Cookie:
    return Cookie(key=key, value=value, path="/", max_age=max_age, httponly=httponly, samesite="lax", secure=is_secure(connection))


def expired(connection: ASGIConnection, key: str) -> Cookie:
    return Cookie(key=key, value="", path="/", max_age=0, httponly=True, samesite="lax", secure=is_secure(connection))


def session_cookie(connection: ASGIConnection, token: str, ttl_seconds: int) -> Cookie:
    return cookie(connection, SESSION_COOKIE, token, max_age=ttl_seconds)


def remembered_compound(connection: ASGIConnection) -> uuid.UUID | None:
    raw = connection.cookies.get(COMPOUND_COOKIE)
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None
