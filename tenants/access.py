"""Derived access: which compounds a caller reaches now, and whether a module is on for a compound.

An enterprise reaches the compounds it operates now; a district the compounds in
its jurisdiction; a resident their own household's compounds. A user whose
roles in the tenant are all compound-limited reaches only those compounds.
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.enforcer import FastEnforcer
from core.clock import now
from core.db import Database, Scope
from core.identity.models import User
from core.identity.principal import Principal, subject_of, tenant_domain
from core.problems import Problem
from tenants.models import Compound, ModuleEnablement, Plan, Resident, Subscription, Tenant


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


async def module_status(session: AsyncSession, compound_id: uuid.UUID, module: str) -> tuple[bool, str]:
    """Whether ``module`` is active for the compound, and why (SPEC §2: subscription **or** district)."""
    compound = await session.get(Compound, compound_id)
    if compound is None:
        return False, "compound not found"
    district = await session.scalar(
        select(ModuleEnablement).where(ModuleEnablement.compound_id == compound_id, ModuleEnablement.module == module)
    )
    if district is not None and district.enabled:
        return True, "enabled by the district"
    today = now().date()
    plans = (
        await session.scalars(
            select(Plan)
            .join(Subscription, Subscription.plan_id == Plan.id)
            .where(
                Subscription.compound_id == compound_id,
                Subscription.tenant_id == compound.operator_tenant_id,
                Subscription.status == "active",
                Subscription.starts_on <= today,
                or_(Subscription.ends_on.is_(None), Subscription.ends_on >= today),
            )
        )
    ).all()
    if any(module in (p.modules or []) for p in plans):
        return True, "included in the operator's subscription"
    if district is not None:
        return False, "withdrawn by the district and not in the operator's subscription"
    return False, "not in the operator's subscription and not enabled by the district"


async def module_gate(db: Database, compound_id: uuid.UUID, module: str) -> None:
    """Raise the 403 problem naming the module when it is off for the compound."""
    async with db.session(Scope.of([compound_id])) as session:
        active, reason = await module_status(session, compound_id, module)
    if not active:
        raise Problem(
            403,
            "module-disabled",
            "Module not enabled",
            f"module '{module}' is not enabled for this compound: {reason}",
            module=module,
            reason=reason,
        )


__all__ = ["resolve_principal", "module_status", "module_gate"]


async def compounds_with_module(session: AsyncSession, module: str) -> list[uuid.UUID]:
    """Every compound where ``module`` is active now (the rule of :func:`module_status`, set-based for jobs).

    A job of a gated module works on these compounds only and skips the rest.
    """
    today = now().date()
    district = {
        row.compound_id: row.enabled
        for row in (
            await session.execute(select(ModuleEnablement.compound_id, ModuleEnablement.enabled).where(ModuleEnablement.module == module))
        ).all()
    }
    subscribed = list(
        (
            await session.execute(
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
        ).all()
    )
    active = {compound_id for compound_id, modules in subscribed if module in (modules or [])}
    active |= {compound_id for compound_id, enabled in district.items() if enabled}
    return sorted(active)
