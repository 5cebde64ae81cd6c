"""Fixtures of coordination's tests: Monday 10:00 local time, helpers to report and move cases, a second department."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import Scope
from core.ids import uuid7
from plugins.coordination.models.cases import Case
from tenants.models import Department

MONDAY_10 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai, a working day
DESK = "/api/v1/coordination"


@pytest.fixture(autouse=True)
def monday():
    """Every test starts on Monday 10:00 local time (logins included: tokens live 12 hours)."""
    with clock.frozen_at(MONDAY_10):
        yield


def case_url(compound_id, case_id=None, *rest: str) -> str:
    base = f"/api/v1/compounds/{compound_id}/coordination/cases"
    return "/".join([base, str(case_id), *rest]) if case_id else base + "/"


async def report(client, headers, compound_id, **extra) -> dict:
    body = {"compound_id": str(compound_id), "category": "noise", "title": "楼下商铺夜间噪音扰民", "description": "每晚十点后", **extra}
    r = await client.post(f"{DESK}/cases", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def move(client, headers, case: dict, action: str, **extra):
    return await client.post(case_url(case["compound_id"], case["id"], "moves"), json={"action": action, **extra}, headers=headers)


async def moved(client, headers, case: dict, action: str, **extra) -> dict:
    r = await move(client, headers, case, action, **extra)
    assert r.status_code == 200, r.text
    return r.json()


async def department_of(db, city, district="D1") -> uuid.UUID:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(
            select(Department.id).where(Department.tenant_id == city.tenants[district], Department.kind == "law_enforcement").limit(1)
        )


@pytest.fixture
async def second_department(db, city) -> uuid.UUID:
    """Another department of district 1 (住建), with nobody in it."""
    dept = Department(id=uuid7(), tenant_id=city.tenants["D1"], name="文峰区住建局", kind="housing")
    async with db.transaction(Scope.everything("test")) as session:
        session.add(dept)
    return dept.id


async def case_count(db) -> int:
    async with db.session(Scope.everything("test")) as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0
