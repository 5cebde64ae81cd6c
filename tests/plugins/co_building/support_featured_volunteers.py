"""Helpers of the featured-services, care-list and volunteer tests: extra people, principals, row counts."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from core.authz.store import add_rule
from core.db import Scope
from core.identity.models import Membership, User
from core.identity.principal import Principal, compound_domain, subject_of, tenant_domain
from core.security import hash_password
from tenants.demo import DEMO_PASSWORD
from tenants.models import Resident


async def count(db, model, **where) -> int:
    """Rows of ``model`` (all compounds), optionally filtered by column values."""
    async with db.session(Scope.everything("test count")) as session:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return int(await session.scalar(stmt) or 0)


async def resident_user(app, db, city, username: str, role: str = "resident", compound: str = "A1") -> tuple[uuid.UUID, uuid.UUID]:
    """A new account for an owner of ``compound`` (not resident-a1) holding ``role`` there: ``(user_id, resident_id)``.

    The policy store of ``app`` applies the new role at commit, so the running app sees it at once.
    """
    cid = city.compounds[compound]
    async with db.transaction(Scope.everything("test people")) as session:
        app.state.policy.attach(session)
        taken = select(Resident.id).where(Resident.user_id.is_not(None))
        resident = await session.scalar(
            select(Resident)
            .where(Resident.compound_id == cid, Resident.role == "owner", Resident.id.not_in(taken))
            .order_by(Resident.id.desc())
            .limit(1)
        )
        user = User(username=username, display_name=username, password_hash=hash_password(DEMO_PASSWORD))
        session.add(user)
        await session.flush()
        resident.user_id = user.id
        await add_rule(session, ("g", subject_of(user.id), role, compound_domain(cid)))
        return user.id, resident.id


async def staff_user(app, db, city, username: str, role: str, tenant: str = "A") -> uuid.UUID:
    """A new member of an enterprise or district tenant holding ``role`` for the whole tenant."""
    async with db.transaction(Scope.everything("test people")) as session:
        app.state.policy.attach(session)
        user = User(username=username, display_name=username, password_hash=hash_password(DEMO_PASSWORD))
        session.add(user)
        await session.flush()
        session.add(Membership(user_id=user.id, tenant_id=city.tenants[tenant], title="test", is_default=True))
        await add_rule(session, ("g", subject_of(user.id), role, tenant_domain(city.tenants[tenant])))
        return user.id


def resident_principal(city, username: str = "resident-a1", compound: str = "A1", user_id: uuid.UUID | None = None) -> Principal:
    return Principal(user_id or city.users[username], username, username, None, None, Scope.of([city.compounds[compound]]))


def staff_principal(city, username: str = "ent-a-admin", tenant: str = "A", compounds: tuple[str, ...] = ("A1", "A2", "A3")) -> Principal:
    return Principal(
        city.users[username], username, username, city.tenants[tenant], "enterprise", Scope.of([city.compounds[c] for c in compounds])
    )
