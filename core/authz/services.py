"""Roles and assignments: the rules (who may grant what, where), without HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.enforcer import ANY_DOMAIN, FastEnforcer
from core.authz.models import CasbinRule, RoleDefinition
from core.authz.store import add_rule, remove_rule
from core.identity.models import Membership, User
from core.identity.principal import Principal, compound_domain, subject_of, tenant_domain
from core.problems import Problem, conflict, invalid, not_found


@dataclass
class RoleView:
    name: str
    label_zh: str
    label_en: str
    custom: bool
    permissions: list[tuple[str, str]]


def custom_role_name(tenant_id: uuid.UUID, slug: str) -> str:
    """Custom role names carry their tenant, so their lines can never match another tenant's users."""
    return f"custom:{tenant_id}:{slug}"


async def roles_for_tenant(session: AsyncSession, principal: Principal) -> list[RoleView]:
    """Templates for the tenant's kind and the tenant's own custom roles, with their permissions."""
    kind = principal.tenant_kind or "resident"
    rows = (
        await session.scalars(
            select(RoleDefinition)
            .where((RoleDefinition.tenant_id.is_(None)) | (RoleDefinition.tenant_id == principal.tenant_id))
            .order_by(RoleDefinition.name)
        )
    ).all()
    roles = [r for r in rows if r.tenant_id is not None or kind in r.tenant_kinds.split(",")]
    perms: dict[str, set[tuple[str, str]]] = {r.name: set() for r in roles}
    lines = await session.execute(
        select(CasbinRule.v0, CasbinRule.v2, CasbinRule.v3).where(
            CasbinRule.ptype == "p", CasbinRule.v1 == ANY_DOMAIN, CasbinRule.v0.in_(list(perms))
        )
    )
    for role, obj, act in lines:
        perms[role].add((obj, act))
    return [RoleView(r.name, r.label_zh, r.label_en, r.tenant_id is not None, sorted(perms[r.name])) for r in roles]


async def create_custom_role(
    session: AsyncSession, principal: Principal, slug: str, label_zh: str, label_en: str, permissions: list[tuple[str, str]]
) -> RoleView:
    """A tenant's own role, made only of permissions its kind's templates already grant."""
    if principal.tenant_id is None:
        raise Problem(403, "forbidden", "Forbidden", "residents do not define roles")
    if not permissions:
        raise invalid("permissions", "a role needs at least one permission")
    allowed: set[tuple[str, str]] = set()
    for view in await roles_for_tenant(session, principal):
        if not view.custom:
            allowed |= set(view.permissions)
    extra = sorted(set(permissions) - allowed)
    if extra:
        raise invalid("permissions", "not offered to this kind of tenant: " + ", ".join(f"{o}:{a}" for o, a in extra))
    name = custom_role_name(principal.tenant_id, slug)
    if await session.scalar(select(RoleDefinition.id).where(RoleDefinition.name == name)):
        raise conflict(f"role {slug} exists")
    session.add(
        RoleDefinition(
            name=name,
            tenant_id=principal.tenant_id,
            tenant_kinds=principal.tenant_kind or "",
            label_zh=label_zh,
            label_en=label_en,
            source="custom",
        )
    )
    for obj, act in sorted(set(permissions)):
        await add_rule(session, ("p", name, ANY_DOMAIN, obj, act))
    return RoleView(name, label_zh, label_en, True, sorted(set(permissions)))


async def _check_assignable(
    session: AsyncSession, principal: Principal, enforcer: FastEnforcer, user_id: uuid.UUID, role: str, domains: list[str]
) -> None:
    if principal.tenant_id is None:
        raise Problem(403, "forbidden", "Forbidden", "residents do not assign roles")
    if await session.get(User, user_id) is None or not await session.scalar(
        select(Membership.id).where(Membership.user_id == user_id, Membership.tenant_id == principal.tenant_id)
    ):
        raise invalid("user_id", "not a member of your tenant")
    views = {v.name: v for v in await roles_for_tenant(session, principal)}
    view = views.get(role)
    if view is None:
        raise invalid("role", f"no role {role!r} for this tenant")
    # nobody grants more than they hold themselves, in each domain they grant it
    for dom in domains:
        missing = [
            f"{o}:{a}"
            for o, a in view.permissions
            if not enforcer.enforce_any(principal.subject, [principal.tenant_domain or "", dom], o, a)
        ]
        if missing:
            raise Problem(403, "escalation", "Cannot grant more than you hold", "you do not hold: " + ", ".join(missing))


def _domains(principal: Principal, compound_ids: list[uuid.UUID] | None) -> list[str]:
    if not compound_ids:
        return [tenant_domain(principal.tenant_id)]  # type: ignore[arg-type]
    for cid in compound_ids:
        if not principal.scope.allows(cid):
            raise invalid("compound_ids", f"compound {cid} is not one of yours")
    return [compound_domain(cid) for cid in compound_ids]


async def assign_role(
    session: AsyncSession, principal: Principal, enforcer: FastEnforcer, user_id: uuid.UUID, role: str, compound_ids: list[uuid.UUID] | None
) -> list[str]:
    """Grant ``role`` tenant-wide, or limited to the named compounds; returns the domains granted."""
    domains = _domains(principal, compound_ids)
    await _check_assignable(session, principal, enforcer, user_id, role, domains)
    for dom in domains:
        await add_rule(session, ("g", subject_of(user_id), role, dom))
    return domains


async def revoke_role(
    session: AsyncSession, principal: Principal, enforcer: FastEnforcer, user_id: uuid.UUID, role: str, compound_ids: list[uuid.UUID] | None
) -> list[str]:
    domains = _domains(principal, compound_ids)
    await _check_assignable(session, principal, enforcer, user_id, role, domains)
    removed = [dom for dom in domains if await remove_rule(session, ("g", subject_of(user_id), role, dom))]
    if not removed:
        raise not_found("role assignment")
    return removed


async def assignments(session: AsyncSession, principal: Principal, user_id: uuid.UUID | None = None) -> list[tuple[str, str, str]]:
    """``(subject, role, domain)`` lines in the tenant's domain and in the compounds it reaches."""
    if principal.tenant_id is None:
        return []
    members = select(Membership.user_id).where(Membership.tenant_id == principal.tenant_id)
    member_subjects = {subject_of(u) for u in (await session.scalars(members)).all()}
    if user_id is not None:
        member_subjects &= {subject_of(user_id)}
    if not member_subjects:
        return []
    stmt = select(CasbinRule).where(CasbinRule.ptype == "g", CasbinRule.v0.in_(sorted(member_subjects)))  # indexed on v0
    out = []
    for r in (await session.scalars(stmt.order_by(CasbinRule.v0, CasbinRule.v2, CasbinRule.v1))).all():
        if r.v2 == principal.tenant_domain or (r.v2.startswith("compound:") and principal.scope.allows(uuid.UUID(r.v2.split(":", 1)[1]))):
            out.append((r.v0, r.v1, r.v2))
    return out


async def holders(session: AsyncSession, roles: Iterable[str], compound_id: uuid.UUID, tenant_id: uuid.UUID | None) -> list[uuid.UUID]:
    """Users holding one of ``roles`` for a compound: in its own domain, or in the tenant's domain (e.g. its operator's).

    Jobs use it to address notifications ("tell the compound's managers"); it reads
    the assignments in the database, so it works in any process.
    """
    domains = [compound_domain(compound_id)] + ([tenant_domain(tenant_id)] if tenant_id else [])
    subjects = (
        await session.scalars(
            select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v1.in_(list(roles)), CasbinRule.v2.in_(domains)).distinct()
        )
    ).all()
    return sorted(uuid.UUID(s[2:]) for s in subjects if s.startswith("u:"))
