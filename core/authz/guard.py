"""The guard on every route: authenticate the bearer token, resolve scope, check casbin, gate modules.

Order matters and is the same everywhere: an unreachable compound answers 404
(never revealing another tenant's data), a missing permission 403, a disabled
module 403 naming the module.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from core.access import rules
from core.authz.store import PRINCIPALS
from core.caches import ProcessCache
from core.clock import now
from core.db import Scope
from core.identity.principal import Principal, subject_of
from core.identity.services import token_owner
from core.problems import Problem, not_found
from core.security import token_digest

Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]
ScopeResolver = Callable[..., Awaitable[Principal]]


def _bearer(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return connection.scope.get("state", {}).get("session_token")  # set by the web console's cookie session


principals = ProcessCache(PRINCIPALS, size=20_000, max_age=60.0)
"""Resolved principals by token digest, with the token's expiry (:mod:`core.caches`): cleared in every process when
a token, user, tenant, compound, resident or role assignment they derive from changes, so a request with a known
token reads nothing before its own unit of work."""


async def authenticate(connection: ASGIConnection) -> Principal:
    """The request's principal (computed once per request; resolved once per token and process while nothing it
    derives from changes)."""
    cached = connection.scope.setdefault("state", {}).get("principal")
    if cached is not None:
        return cached
    token = _bearer(connection)
    if not token:
        raise Problem(401, "unauthenticated", "Authentication required", "send Authorization: Bearer <token>")
    digest = token_digest(token)
    known = principals.get(digest)
    if known is not None and known[1] > now():
        principal = known[0]
    else:
        principal = await _resolve(connection, token, digest)
    connection.scope["state"]["principal"] = principal
    return principal


async def _resolve(connection: ASGIConnection, token: str, digest: str) -> Principal:
    """The token's principal from the database: on the cross-scope role (the scope is what it computes)."""
    state, since = connection.app.state, principals.generation
    async with state.db.session(Scope.everything("authentication")) as session:
        owner = await token_owner(session, token)
        if owner is None:
            raise Problem(401, "unauthenticated", "Authentication required", "the token is unknown, expired or revoked")
        user, tenant_id, expires_at = owner
        principal = await rules().resolve_principal(session, user, tenant_id, state.policy.enforcer)
    principals.put(digest, (principal, expires_at), since=since)
    return principal


def compound_in_path(connection: ASGIConnection) -> uuid.UUID | None:
    raw = connection.path_params.get("compound_id")
    if raw is None:
        return None
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise not_found("compound") from None


def requires(obj: str, act: str) -> Guard:
    """Guard: the caller must hold ``act`` on ``obj`` in their tenant or the compound in the path.

    It builds the request's context (``core.context``): on a compound route the
    unit of work is scoped to that compound alone, and the module gate reads the
    compound's module states from that same unit of work.
    """

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        from core.context import build_context, forbidden

        principal = await authenticate(connection)
        compound_id = compound_in_path(connection)
        if compound_id is not None and not principal.scope.allows(compound_id):
            raise not_found("compound")
        ctx = build_context(connection, principal, compound_id)
        if not ctx.can(obj, act):
            raise forbidden(obj, act)
        module = handler.opt.get("module")
        if module and compound_id is not None:
            await ctx.require_module(module)

    guard.permission = (obj, act)  # type: ignore[attr-defined]
    return guard


def authenticated() -> Guard:
    """Guard for routes every logged-in user may call (their own profile, inbox)."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        await authenticate(connection)

    guard.permission = ("*", "authenticated")  # type: ignore[attr-defined]
    return guard


def can(connection_or_principal: Any, enforcer, obj: str, act: str, compound_id: uuid.UUID | None = None) -> bool:
    """For services and handlers that vary output by right (e.g. unmasked personal data)."""
    principal: Principal = connection_or_principal
    return enforcer.enforce_any(subject_of(principal.user_id), principal.domains_for(compound_id), obj, act)
