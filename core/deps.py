"""Request dependencies: the principal, the request context and its one unit of work (``core.context``)."""

from __future__ import annotations

from litestar import Request

from core.authz.guard import authenticate
from core.context import provide_context, provide_session
from core.identity.principal import Principal


async def provide_principal(request: Request) -> Principal:
    return await authenticate(request)


DEPENDENCIES = {"principal": provide_principal, "session": provide_session, "ctx": provide_context}
