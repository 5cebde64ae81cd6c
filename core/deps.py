"""Request dependencies: the principal and a database session scoped to what it may reach."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.services import AuditContext
from core.authz.guard import authenticate
from core.db import Scope
from core.identity.principal import Principal


async def provide_principal(request: Request) -> Principal:
    return await authenticate(request)


async def provide_session(request: Request, state: State) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: scoped by the caller, committed when the handler succeeds."""
    principal = request.scope.get("state", {}).get("principal")
    scope = principal.scope if principal is not None else Scope.nothing()
    session = state.db.session(scope)
    state.policy.attach(session)
    if principal is not None:
        session.info["audit"] = AuditContext(
            principal.user_id, principal.tenant_id, principal.username or principal.display_name, f"{request.method} {request.url.path}"
        )
    try:
        yield session
    except BaseException:
        await session.rollback()
        await session.close()
        raise
    else:
        await session.commit()
        await session.close()


DEPENDENCIES = {"principal": provide_principal, "session": provide_session}
