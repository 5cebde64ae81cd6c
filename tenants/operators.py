"""Starting a real instance without the demo: the platform tenant, its first administrator, and the tenants and
compounds an operator scripts (the rules behind ``redprop admin|tenants|compounds``; no click, no HTTP)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.store import add_rule
from core.identity.models import User
from core.identity.principal import subject_of, tenant_domain
from core.identity.schemas import UserIn
from core.identity.services import create_staff_user
from core.problems import invalid
from tenants import schemas as s
from tenants.models import Compound, Region, Tenant
from tenants.services import add_region, register_compound

PLATFORM_NAME = "红色物业平台运营中心"
PLATFORM_ROLE = "platform_admin"


async def platform_tenant(session: AsyncSession, name: str = PLATFORM_NAME) -> Tenant:
    """The platform's own tenant (one per instance), created on first use."""
    tenant = await session.scalar(select(Tenant).where(Tenant.kind == "platform").order_by(Tenant.created_at).limit(1))
    if tenant is None:
        tenant = Tenant(kind="platform", name=name)
        session.add(tenant)
        await session.flush()
    return tenant


async def create_platform_admin(session: AsyncSession, data: UserIn) -> User:
    """A platform administrator: a member of the platform tenant holding ``platform_admin`` there.

    The first one makes a fresh instance usable; later ones are added the same way (or from the console).
    """
    platform = await platform_tenant(session)
    user = await create_staff_user(session, platform.id, data.username, data.display_name, data.password, data.phone, data.title)
    await add_rule(session, ("g", subject_of(user.id), PLATFORM_ROLE, tenant_domain(platform.id)))
    return user


async def has_accounts(session: AsyncSession) -> bool:
    return await session.scalar(select(User.id).limit(1)) is not None


async def tenants_list(session: AsyncSession, kind: str | None = None) -> list[Tenant]:
    stmt = select(Tenant).order_by(Tenant.kind, Tenant.name)
    if kind:
        stmt = stmt.where(Tenant.kind == kind)
    return list((await session.scalars(stmt)).all())


async def _region(session: AsyncSession, district_id: uuid.UUID, kind: str, name: str, parent_id: uuid.UUID | None) -> Region:
    found = await session.scalar(
        select(Region).where(Region.tenant_id == district_id, Region.kind == kind, Region.name == name, Region.parent_id == parent_id)
    )
    return found or await add_region(session, district_id, s.RegionIn(kind=kind, name=name, parent_id=parent_id))  # type: ignore[arg-type]


async def register_compound_by_names(
    session: AsyncSession, district_id: uuid.UUID, street: str, community: str, data: s.CompoundIn
) -> Compound:
    """Register a compound in the district's ``street`` / ``community`` (both created when missing)."""
    if not street.strip():
        raise invalid("street", "the street (街道) is required")
    if not community.strip():
        raise invalid("community", "the community (社区) is required")
    street_row = await _region(session, district_id, "street", street.strip(), None)
    community_row = await _region(session, district_id, "community", community.strip(), street_row.id)
    return await register_compound(session, community_row, data)


async def compounds_list(session: AsyncSession) -> list[tuple[Compound, str | None, str | None]]:
    """Every compound with its operator's and community's names (one query)."""
    from tenants.services import compounds_query

    return [tuple(row) for row in (await session.execute(compounds_query())).all()]  # type: ignore[misc]
