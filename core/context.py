"""The request context: built once per request, read by the guard, the module gate, navigation, figures,
attachments and the handler alike.

A request that names a compound in its path works in a unit of work scoped to
that compound **alone** (not to every compound the caller reaches), so a
service that forgets a ``compound_id`` filter still cannot see a sibling
compound of the same tenant. The whole request is one transaction: committed
when the handler succeeds, rolled back otherwise (also when a guard refuses).

Every rule of the kind "may this caller do X here" is a casbin permission asked
through :meth:`RequestContext.can`; services do not look at tenant kinds or at
role names.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import ModuleState, module_disabled, rules
from core.caches import ProcessCache
from core.clock import now
from core.db import Scope
from core.identity.principal import Principal
from core.problems import Problem

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.types import ASGIApp, Receive, Send
    from litestar.types import Scope as ASGIScope

STATE_KEY = "ctx"

module_cache = ProcessCache("modules", size=20_000, max_age=60.0)
"""Module states by (compound, UTC day, the module names asked)."""


async def compound_module_states(
    session: AsyncSession, compound_id: uuid.UUID, names: tuple[str, ...], *, max_age: dt.timedelta | None = None
) -> dict[str, ModuleState]:
    """The compound's states of the modules ``names``, kept per compound and day in the process's ``modules`` cache
    (which a write to an enablement, subscription, plan or operator clears: :mod:`core.caches`); the request context
    reads them through it, and so does a path outside requests. ``max_age``: read afresh when the kept states are that
    old, the bound on how late a switch is seen in a process that runs no policy poller (the MQTT consumer)."""
    key, since = (compound_id, now().date(), names), module_cache.generation
    found = module_cache.get(key, max_age=max_age)
    if found is None:
        found = (await rules().module_states(session, [compound_id], names)).get(compound_id, {})
        module_cache.put(key, found, since=since)
    return found


def forbidden(obj: str, act: str) -> Problem:
    """The 403 of a missing permission, naming it (the same body the guard answers)."""
    return Problem(403, "forbidden", "Forbidden", f"this needs '{act}' on '{obj}'", permission={"object": obj, "action": act})


@dataclass(eq=False)
class RequestContext:
    """Who is calling, where (the route's compound, if any), and the request's one unit of work."""

    principal: Principal
    enforcer: Any
    """The process's ``FastEnforcer`` (kept current by the policy poller)."""
    state: Any
    """The application state: database, policy store, plugin host, settings."""
    compound_id: uuid.UUID | None = None
    label: str = ""
    """What the audit log records as the request (``METHOD /path``)."""
    _session: AsyncSession | None = field(default=None, repr=False)
    _modules: dict[str, ModuleState] | None = field(default=None, repr=False)
    _finished: bool = field(default=False, repr=False)

    # ------------------------------------------------------------ who

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    @property
    def tenant_id(self) -> uuid.UUID | None:
        return self.principal.tenant_id

    @property
    def display_name(self) -> str:
        return self.principal.display_name or self.principal.username or ""

    # ------------------------------------------------------------ may they

    def can(self, obj: str, act: str, compound_id: uuid.UUID | None = None) -> bool:
        """Whether the caller holds ``act`` on ``obj`` in their tenant or in the compound (the route's by default)."""
        where = compound_id or self.compound_id
        return self.enforcer.enforce_any(self.principal.subject, self.principal.domains_for(where), obj, act)

    def require(self, obj: str, act: str, compound_id: uuid.UUID | None = None) -> None:
        """Raise the 403 naming the permission unless :meth:`can`."""
        if not self.can(obj, act, compound_id):
            raise forbidden(obj, act)

    # ------------------------------------------------------------ the unit of work

    @property
    def scope(self) -> Scope:
        """The route's compound alone, else everything the caller reaches."""
        if self.compound_id is not None:
            return Scope.of([self.compound_id])
        return self.principal.scope

    @property
    def session(self) -> AsyncSession:
        """The request's one session (opened on first use, committed or rolled back by :meth:`finish`)."""
        if self._session is None:
            from core.audit.services import AuditContext

            session = self.state.db.session(self.scope)
            self.state.policy.attach(session)
            session.info["audit"] = AuditContext(
                self.principal.user_id, self.principal.tenant_id, self.principal.username or self.principal.display_name, self.label
            )
            session.info["ctx"] = self
            self._session = session
        return self._session

    async def finish(self, ok: bool) -> None:
        """Commit (``ok``) or roll back, then close; idempotent."""
        if self._finished or self._session is None:
            self._finished = True
            return
        self._finished = True
        session = self._session
        try:
            if ok:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()

    # ------------------------------------------------------------ modules of the compound

    async def module_states(self) -> dict[str, ModuleState]:
        """Every gated module of the route's compound: on or off and why (one set-based query, kept by the process:
        :func:`compound_module_states`)."""
        if self._modules is None:
            if self.compound_id is None:
                self._modules = {}
            else:
                names = tuple(rec.name for rec in self.state.plugins.modules)
                self._modules = await compound_module_states(self.session, self.compound_id, names)
        return self._modules

    async def module_on(self, module: str) -> bool:
        return (await self.module_states()).get(module, (False, ""))[0]

    async def require_module(self, module: str) -> None:
        """The module gate: 403 with the machine-readable reason where ``module`` is off for the compound."""
        active, reason = (await self.module_states()).get(module, (False, "not installed"))
        if not active:
            raise module_disabled(module, reason)


def context_of(connection: ASGIConnection) -> RequestContext | None:
    """The context the guard built for this request (None on public routes)."""
    return connection.scope.get("state", {}).get(STATE_KEY)


def build_context(connection: ASGIConnection, principal: Principal, compound_id: uuid.UUID | None) -> RequestContext:
    """Once per request (the guard calls it); later calls return the same context."""
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    ctx = state.get(STATE_KEY)
    if ctx is None:
        app_state = connection.app.state
        ctx = RequestContext(
            principal,
            app_state.policy.enforcer,
            app_state,
            compound_id,
            label=f"{connection.scope.get('method', '')} {connection.url.path}",
        )
        state[STATE_KEY] = ctx
    return ctx


async def _request_context(request: Any) -> RequestContext:
    ctx = context_of(request)
    if ctx is None:  # a route guarded by ``authenticated()`` only: no compound check was needed
        from core.authz.guard import authenticate, compound_in_path

        ctx = build_context(request, await authenticate(request), compound_in_path(request))
    return ctx


async def provide_context(request: Any) -> AsyncIterator[RequestContext]:
    """Dependency ``ctx``: the request's context; its unit of work commits when the handler succeeds."""
    ctx = await _request_context(request)
    try:
        yield ctx
    except BaseException:
        await ctx.finish(False)
        raise
    else:
        await ctx.finish(True)


async def provide_session(request: Any) -> AsyncIterator[AsyncSession]:
    """Dependency ``session``: the context's unit of work (for handlers that need nothing else of it)."""
    ctx = await _request_context(request)
    try:
        yield ctx.session
    except BaseException:
        await ctx.finish(False)
        raise
    else:
        await ctx.finish(True)


def close_unfinished(app: ASGIApp) -> ASGIApp:
    """Application middleware: a context whose handler never ran (a guard refused) is rolled back and closed."""

    async def middleware(scope: ASGIScope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        finally:
            ctx = scope.get("state", {}).get(STATE_KEY)  # type: ignore[union-attr]
            if ctx is not None:
                await ctx.finish(False)

    return middleware
