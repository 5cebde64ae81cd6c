"""Roles of the active tenant and their assignment to users, tenant-wide or per compound."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz import services
from core.authz.guard import requires
from core.identity.principal import Principal
from core.pagination import Page
from core.schemas import Input, Name, Output, Slug

Permission = Annotated[str, msgspec.Meta(min_length=3, max_length=120, pattern=r"^[a-z_][a-z0-9_.]*:(read|write|approve|admin)$")]


class RoleOut(Output):
    name: str
    label_zh: str
    label_en: str
    custom: bool
    permissions: list[str]


class RoleIn(Input):
    name: Slug
    label_zh: Name
    label_en: Name
    permissions: Annotated[list[Permission], msgspec.Meta(min_length=1, max_length=300)]


class AssignmentIn(Input):
    user_id: uuid.UUID
    role: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    compound_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=1000)] | None = None
    """Omit for a tenant-wide role; list compounds to limit it to them."""


class AssignmentOut(Output):
    user_id: uuid.UUID
    role: str
    domain: str
    compound_id: uuid.UUID | None


def _role_out(v: services.RoleView) -> RoleOut:
    return RoleOut(
        name=v.name, label_zh=v.label_zh, label_en=v.label_en, custom=v.custom, permissions=[f"{o}:{a}" for o, a in v.permissions]
    )


def _assignment_out(subject: str, role: str, domain: str) -> AssignmentOut:
    compound = uuid.UUID(domain.split(":", 1)[1]) if domain.startswith("compound:") else None
    return AssignmentOut(user_id=uuid.UUID(subject.split(":", 1)[1]), role=role, domain=domain, compound_id=compound)


class RolesController(Controller):
    path = "/api/v1"
    tags = ["roles"]

    @get("/roles", operation_id="listRoles", guards=[requires("core.role", "read")])
    async def list_roles(self, principal: Principal, session: AsyncSession) -> Page[RoleOut]:
        """Role templates for this kind of tenant and the tenant's custom roles."""
        items = [_role_out(v) for v in await services.roles_for_tenant(session, principal)]
        return Page(items=items, total=len(items), limit=len(items), offset=0)

    @post("/roles", operation_id="createRole", guards=[requires("core.role", "write")])
    async def create_role(self, data: RoleIn, principal: Principal, session: AsyncSession) -> RoleOut:
        """A custom role made of permissions the tenant's templates grant."""
        perms = [tuple(p.split(":", 1)) for p in data.permissions]
        return _role_out(await services.create_custom_role(session, principal, data.name, data.label_zh, data.label_en, perms))  # type: ignore[arg-type]

    @get("/role-assignments", operation_id="listRoleAssignments", guards=[requires("core.role", "read")])
    async def list_assignments(self, principal: Principal, session: AsyncSession, user_id: uuid.UUID | None = None) -> Page[AssignmentOut]:
        """Who holds which role, tenant-wide or in which compound."""
        items = [_assignment_out(*row) for row in await services.assignments(session, principal, user_id)]
        return Page(items=items, total=len(items), limit=len(items), offset=0)

    @post("/role-assignments", operation_id="assignRole", guards=[requires("core.role", "write")])
    async def assign(self, data: AssignmentIn, principal: Principal, session: AsyncSession, state: State) -> list[AssignmentOut]:
        """Grant a role; every process enforces it within a second."""
        domains = await services.assign_role(session, principal, state.policy.enforcer, data.user_id, data.role, data.compound_ids)
        return [_assignment_out(f"u:{data.user_id}", data.role, d) for d in domains]

    @post("/role-assignments/revoke", operation_id="revokeRole", guards=[requires("core.role", "write")], status_code=200)
    async def revoke(self, data: AssignmentIn, principal: Principal, session: AsyncSession, state: State) -> list[AssignmentOut]:
        """Withdraw a role tenant-wide or from the named compounds."""
        domains = await services.revoke_role(session, principal, state.policy.enforcer, data.user_id, data.role, data.compound_ids)
        return [_assignment_out(f"u:{data.user_id}", data.role, d) for d in domains]
