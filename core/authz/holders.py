"""Who holds a permission in a compound: "tell the compound's managers", "notify whoever may verify".

Read from the rules table through the role graph (nested roles and tenants'
custom roles included), so a job without an enforcer asks the same question a
request does. A role counts where it is assigned: in the compound's own domain,
or tenant-wide in a tenant that reaches the compound (its operator now, its
district, the platform).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.models import CasbinRule
from core.identity.principal import compound_domain, tenant_domain

ANY_DOMAIN = "*"


async def holders(
    session: AsyncSession,
    obj: str,
    act: str,
    compound_id: uuid.UUID,
    *,
    tenant_ids: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Users holding ``act`` on ``obj`` for the compound (sorted). ``tenant_ids`` narrows the tenant-wide
    roles to those tenants (e.g. only the operator's staff); by default every tenant that reaches it."""
    if tenant_ids is None:
        tenant_ids = await rules().compound_tenants(session, compound_id)
    return await _holders_in(session, obj, act, [compound_domain(compound_id), *(tenant_domain(t) for t in tenant_ids)])


async def tenant_wide_holders(session: AsyncSession, obj: str, act: str) -> list[uuid.UUID]:
    """Users holding ``act`` on ``obj`` tenant-wide in any tenant (sorted): e.g. whom to tell about a platform-wide
    security event, which belongs to no compound."""
    domains = (await session.scalars(select(CasbinRule.v2).where(CasbinRule.ptype == "g", CasbinRule.v2.like("tenant:%")).distinct())).all()
    return await _holders_in(session, obj, act, list(domains))


async def _holders_in(session: AsyncSession, obj: str, act: str, domains: list[str]) -> list[uuid.UUID]:
    perms = (
        await session.execute(
            select(CasbinRule.v0, CasbinRule.v1).where(
                CasbinRule.ptype == "p", CasbinRule.v1.in_([ANY_DOMAIN, *domains]), CasbinRule.v2 == obj, CasbinRule.v3 == act
            )
        )
    ).all()
    if not perms:
        return []
    links = (
        await session.execute(
            select(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2).where(CasbinRule.ptype == "g", CasbinRule.v2.in_(domains))
        )
    ).all()
    members: dict[tuple[str, str], set[str]] = defaultdict(set)  # (role, domain) -> who is assigned it
    for who, role, dom in links:
        members[(role, dom)].add(who)
    found: set[str] = set()
    for dom in domains:
        granted = {role for role, where in perms if where in (ANY_DOMAIN, dom)}
        frontier, seen = list(granted), set(granted)
        while frontier:  # walk the role graph downwards: whoever is assigned a granting role (or a role under one)
            role = frontier.pop()
            for who in members.get((role, dom), ()):
                if who not in seen:
                    seen.add(who)
                    frontier.append(who)
        found |= {s for s in seen if s.startswith("u:")}
    return sorted(uuid.UUID(s[2:]) for s in found)
