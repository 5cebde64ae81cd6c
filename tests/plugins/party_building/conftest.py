"""Helpers for party_building's tests: API paths, row counts and a principal for service-level tests."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

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


@pytest.fixture
async def secretary(as_user):
    return await as_user("party-secretary-1")
