"""Helpers for party_building's tests: API paths, row counts and a principal for service-level tests."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from core.context import RequestContext
from core.db import Scope
from core.identity.principal import Principal


def api(compound_id, path: str = "") -> str:
    return f"/api/v1/compounds/{compound_id}/party_building{path}"


async def count(db, model, *where) -> int:
    async with db.session(Scope.everything("test count")) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def principal_for(
    tenant_id: uuid.UUID | None, kind: str | None, compound_ids, user_id: uuid.UUID | None = None, name: str = "tester"
) -> Principal:
    return Principal(user_id or uuid.uuid4(), name, name, tenant_id, kind, Scope.of(compound_ids))


def context_for(principal: Principal, session, app=None, compound_id: uuid.UUID | None = None) -> RequestContext:
    """A request context for calling services without HTTP: the caller, casbin (from the app, when given) and a session."""
    state = app.state if app is not None else None
    return RequestContext(principal, state.policy.enforcer if state else None, state, compound_id, _session=session)


@pytest.fixture
async def secretary(as_user):
    return await as_user("party-secretary-1")
