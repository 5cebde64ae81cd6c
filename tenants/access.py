"""Derived access: which compounds a caller reaches now, and whether a module is on for a compound.

An enterprise reaches the compounds it operates now; a district the compounds in
its jurisdiction; a resident their own household's compounds. A user whose
roles in the tenant are all compound-limited reaches only those compounds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.access import NO_COMPOUND, ModuleState, TenantLabel, module_disabled
from core.authz.enforcer import FastEnforcer
from core.clock import now
from core.db import Database, Scope
from core.identity.models import User
from core.identity.principal import Principal, subject_of, tenant_domain
from core.problems import Problem
from core.settings import get_settings
from tenants.models import Compound, ModuleEnablement, Plan, Region, Resident, Subscription, Tenant


async def resolve_principal(session: AsyncSession, user: User, tenant_id: uuid.UUID | None, enforcer: FastEnforcer) -> Principal:
    """Build the principal of a request. ``session`` must be cross-scope (it computes the scope)."""
    subject = subject_of(user.id)
    compound_domains = frozenset(d for d in enforcer.domains_of(subject) if d.startswith("compound:"))
    kind = None
    if tenant_id is None:
        ids = (await session.scalars(select(Resident.compound_id).where(Resident.user_id == user.id).distinct())).all()
        scope = Scope.of(ids)
    else:
        tenant = await session.get(Tenant, tenant_id)
        if tenant is None:
            raise Problem(401, "unauthenticated", "Authentication required", "the token's tenant no longer exists")
        if tenant.status != "active":
            raise Problem(403, "tenant-suspended", "Tenant suspended", f"tenant {tenant.name} is {tenant.status}")
        kind = tenant.kind
        scope = await tenant_scope(session, tenant, enforcer, subject, compound_domains)
    return Principal(user.id, user.username, user.display_name, tenant_id, kind, scope, compound_domains)


async def tenant_scope(
    session: AsyncSession, tenant: Tenant, enforcer: FastEnforcer, subject: str, compound_domains: frozenset[str]
) -> Scope:
    if tenant.kind == "platform":
        return Scope.everything("platform operator")
    column = Compound.operator_tenant_id if tenant.kind == "enterprise" else Compound.district_tenant_id
    ids = set((await session.scalars(select(Compound.id).where(column == tenant.id))).all())
    if not enforcer.direct_roles(subject, tenant_domain(tenant.id)):
        limited = {uuid.UUID(d.split(":", 1)[1]) for d in compound_domains}
        ids &= limited
    return Scope.of(ids)


# --------------------------------------------------------------------------- modules


def _active_plans(today):
    return (
        select(Subscription.compound_id, Plan.modules)
        .join(Plan, Plan.id == Subscription.plan_id)
        .join(Compound, Compound.id == Subscription.compound_id)
        .where(
            Subscription.tenant_id == Compound.operator_tenant_id,
            Subscription.status == "active",
            Subscription.starts_on <= today,
            or_(Subscription.ends_on.is_(None), Subscription.ends_on >= today),
        )
    )


async def module_states(
    session: AsyncSession, compound_ids: Sequence[uuid.UUID] | None, modules: Sequence[str]
) -> dict[uuid.UUID, dict[str, ModuleState]]:
    """SPEC §2: a module is active for a compound when the operator's current subscription includes it
    **or** the district has enabled it. Two queries for named compounds, three for all of them (``None``)."""
    today = now().date()
    wanted = list(modules)
    compounds = None if compound_ids is not None else select(Compound.id)
    district_q = select(ModuleEnablement.compound_id, ModuleEnablement.module, ModuleEnablement.enabled).where(
        ModuleEnablement.module.in_(wanted)
    )
    plans_q = _active_plans(today)
    if compound_ids is not None:
        ids = list(compound_ids)
        district_q = district_q.where(ModuleEnablement.compound_id.in_(ids))
        plans_q = plans_q.where(Subscription.compound_id.in_(ids))
    # asked for named compounds (a request's, already reached by the caller): no query to list them
    known = set(compound_ids) if compounds is None else set((await session.scalars(compounds)).all())
    district = {(c, m): enabled for c, m, enabled in (await session.execute(district_q)).all()}
    subscribed: set[tuple[uuid.UUID, str]] = set()
    for compound_id, plan_modules in (await session.execute(plans_q)).all():
        subscribed.update((compound_id, m) for m in (plan_modules or []) if m in wanted)
    out: dict[uuid.UUID, dict[str, ModuleState]] = {}
    for compound_id in known:
        row = out[compound_id] = {}
        for module in wanted:
            by_district = district.get((compound_id, module))
            if by_district:
                row[module] = (True, "enabled by the district")
            elif (compound_id, module) in subscribed:
                row[module] = (True, "included in the operator's subscription")
            elif by_district is not None:
                row[module] = (False, "withdrawn by the district and not in the operator's subscription")
            else:
                row[module] = (False, "not in the operator's subscription and not enabled by the district")
    return out


async def module_status(session: AsyncSession, compound_id: uuid.UUID, module: str) -> ModuleState:
    """Whether ``module`` is active for the compound, and why."""
    states = await module_states(session, [compound_id], [module])
    return states.get(compound_id, {}).get(module, (False, NO_COMPOUND))


async def compounds_with_module(session: AsyncSession, module: str) -> list[uuid.UUID]:
    """Every compound where ``module`` is active now (the rule of :func:`module_states`); jobs skip the rest."""
    states = await module_states(session, None, [module])
    return sorted(c for c, row in states.items() if row[module][0])


async def compound_zones(session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """A compound's local zone is its district's: the place, not whichever company operates it this year.
    The operator's zone stands in when the district has none, the platform default after that."""
    district, operator = aliased(Tenant), aliased(Tenant)
    rows = (
        await session.execute(
            select(Compound.id, district.timezone, operator.timezone)
            .outerjoin(district, district.id == Compound.district_tenant_id)
            .outerjoin(operator, operator.id == Compound.operator_tenant_id)
            .where(Compound.id.in_(list(compound_ids)))
        )
    ).all()
    return {cid: (dz or oz or get_settings().default_timezone) for cid, dz, oz in rows}


async def compound_tenants(session: AsyncSession, compound_id: uuid.UUID) -> list[uuid.UUID]:
    """Tenants whose tenant-wide roles reach the compound: its operator now, its district, and the platform."""
    row = (
        await session.execute(select(Compound.operator_tenant_id, Compound.district_tenant_id).where(Compound.id == compound_id))
    ).first()
    platform = (await session.scalars(select(Tenant.id).where(Tenant.kind == "platform"))).all()
    found = [t for t in (row or ()) if t is not None]
    return [*found, *platform]


async def tenant_labels(session: AsyncSession, tenant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TenantLabel]:
    """Name and kind of each tenant, for the kernel's displays (one query)."""
    if not tenant_ids:
        return {}
    rows = (
        await session.execute(select(Tenant.id, Tenant.name, Tenant.kind, Tenant.timezone).where(Tenant.id.in_(list(tenant_ids))))
    ).all()
    return {tid: TenantLabel(name, kind, zone or "") for tid, name, kind, zone in rows}


async def compound_names(session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Name of each compound the session's scope sees (one query)."""
    if not compound_ids:
        return {}
    return dict((await session.execute(select(Compound.id, Compound.name).where(Compound.id.in_(list(compound_ids))))).all())


async def compound_places(session: AsyncSession, compound_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, str]]:
    """Each compound's name, street and community as the session's scope sees them (one query): a district's home
    groups its compounds by street."""
    if not compound_ids:
        return {}
    from sqlalchemy.orm import aliased

    community, street = aliased(Region), aliased(Region)
    rows = (
        await session.execute(
            select(Compound.id, Compound.name, street.name, community.name)
            .join(community, community.id == Compound.community_id)
            .outerjoin(street, street.id == community.parent_id)
            .where(Compound.id.in_(list(compound_ids)))
        )
    ).all()
    return {cid: (name, street_name or "", community_name) for cid, name, street_name, community_name in rows}


async def compound_menu(session: AsyncSession, limit: int) -> list[tuple[uuid.UUID, str]]:
    """The compounds the session's scope sees, by name (the shell's switcher)."""
    rows = (await session.execute(select(Compound.id, Compound.name).order_by(Compound.name, Compound.id).limit(limit))).all()
    return [(cid, name) for cid, name in rows]


async def forget_module(session: AsyncSession, module: str) -> dict[str, list[dict[str, Any]]]:
    """A purged module leaves no enablement behind and no plan that still names it (subscriptions keep their plan)."""
    enablements = (await session.execute(select(ModuleEnablement).where(ModuleEnablement.module == module))).scalars().all()
    removed = [
        {"compound_id": str(e.compound_id), "module": e.module, "enabled": e.enabled, "by_tenant_id": str(e.by_tenant_id)}
        for e in enablements
    ]
    if enablements:
        await session.execute(delete(ModuleEnablement).where(ModuleEnablement.module == module))
    plans = [p for p in (await session.execute(select(Plan))).scalars().all() if module in (p.modules or [])]
    for plan in plans:
        plan.modules = [m for m in plan.modules if m != module]
    await session.flush()
    return {"module_enablements": removed, "plans": [{"code": p.code, "removed_module": module} for p in plans]}


class ControlPlaneAccess:
    """The control plane's answers to the kernel (``core.access.AccessRules``)."""

    resolve_principal = staticmethod(resolve_principal)
    module_states = staticmethod(module_states)
    compounds_with_module = staticmethod(compounds_with_module)
    compound_zones = staticmethod(compound_zones)
    compound_tenants = staticmethod(compound_tenants)
    tenant_labels = staticmethod(tenant_labels)
    compound_names = staticmethod(compound_names)
    compound_menu = staticmethod(compound_menu)
    compound_places = staticmethod(compound_places)
    forget_module = staticmethod(forget_module)


async def module_gate(db: Database, compound_id: uuid.UUID, module: str) -> None:
    """Raise the 403 problem naming the module when it is off for the compound."""
    async with db.session(Scope.of([compound_id])) as session:
        active, reason = await module_status(session, compound_id, module)
    if not active:
        raise module_disabled(module, reason)


__all__ = ["resolve_principal", "module_status", "module_states", "module_gate", "compounds_with_module", "ControlPlaneAccess"]
