"""Console pages of the control plane: home, tenants, compounds, plans, users and role assignments.

Handlers stay thin: they read a form into the API's input struct, call the
service the API calls, and redirect; a broken rule raises the service's
problem, which the page routers show and which rolls the unit of work back.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz import services as authz
from core.authz.api import AssignmentIn
from core.authz.guard import authenticated, can, requires
from core.clock import now
from core.identity.models import Membership, User
from core.identity.principal import Principal
from core.identity.schemas import UserIn
from core.identity.services import create_staff_user
from core.pagination import OffsetParam, paginate
from core.plugins.figures import dashboard
from core.security import mask_phone
from core.web.forms import parse_form
from core.web.render import COMPOUND_MENU_LIMIT, PAGE_SIZE, done, page, pager, redirect
from tenants import schemas as s
from tenants import services
from tenants.models import Compound, Plan, Region, Tenant


class HomeController(Controller):
    path = "/console"

    @get("/", guards=[authenticated()])
    async def home(self, request: Request, principal: Principal) -> Response[Any]:
        """Where a member of staff starts: their tenant, what they reach, the current compound."""
        if principal.tenant_id is None:
            return redirect("/portal/")
        reached = None if principal.scope.is_all else len(principal.scope.compound_ids or ())
        return await page(request, "console/home.html", reached=reached)


# --------------------------------------------------------------------------- tenants (platform)


class TenantsPages(Controller):
    path = "/console/tenants"

    @get("/", guards=[requires("core.tenant", "read")])
    async def list_tenants(
        self, request: Request, principal: Principal, session: AsyncSession, state: State, kind: str | None = None, offset: OffsetParam = 0
    ) -> Response[Any]:
        """Every tenant, by kind; the platform creates, suspends and reactivates them here."""
        stmt = select(Tenant).order_by(Tenant.kind, Tenant.name)
        if kind:
            stmt = stmt.where(Tenant.kind == kind)
        rows, total = await paginate(session, stmt, PAGE_SIZE, offset)
        writable = can(principal, state.policy.enforcer, "core.tenant", "write")
        return await page(request, "console/tenants.html", tenants=rows, pager=pager(request, total, offset), kind=kind, writable=writable)

    @post("/", guards=[requires("core.tenant", "write")])
    async def create_tenant(self, request: Request, session: AsyncSession) -> Response[Any]:
        """Create an enterprise (credit code checked) or a district."""
        await services.create_tenant(session, await parse_form(request, s.TenantIn))
        return done(request, "/console/tenants", "created")

    @post("/{tenant_id:uuid}/status", guards=[requires("core.tenant", "write")])
    async def set_status(self, request: Request, tenant_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Suspend or reactivate a tenant."""
        await services.set_tenant_status(session, tenant_id, (await parse_form(request, s.TenantStatusIn)).status)
        return done(request, "/console/tenants")


# --------------------------------------------------------------------------- compounds


async def _enterprises(session: AsyncSession) -> list[Any]:
    return list(
        (
            await session.execute(
                select(Tenant.id, Tenant.name).where(Tenant.kind == "enterprise", Tenant.status == "active").order_by(Tenant.name)
            )
        ).all()
    )


class CompoundsPages(Controller):
    path = "/console/compounds"

    @get("/", guards=[requires("tenants.compound", "read")])
    async def list_compounds(
        self, request: Request, principal: Principal, session: AsyncSession, state: State, offset: OffsetParam = 0
    ) -> Response[Any]:
        """The compounds the user reaches now; a district (or the platform) registers new ones."""
        rows, total = await paginate(session, services.compounds_query(), PAGE_SIZE, offset)
        form = None
        if can(principal, state.policy.enforcer, "tenants.compound", "write") and principal.tenant_kind in ("district", "platform"):
            communities = select(Region.id, Region.name).where(Region.kind == "community").order_by(Region.name)
            if principal.tenant_kind == "district":
                communities = communities.where(Region.tenant_id == principal.tenant_id)
            form = {"communities": (await session.execute(communities)).all(), "enterprises": await _enterprises(session)}
        return await page(
            request,
            "console/compounds.html",
            compounds=[services.compound_out(*r) for r in rows],
            pager=pager(request, total, offset),
            form_data=form,
        )

    @post("/", guards=[requires("tenants.compound", "write")])
    async def create_compound(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Register a compound in a community, optionally with its operator."""
        compound = await services.create_compound(session, principal, await parse_form(request, s.CompoundIn))
        return done(request, f"/console/compounds/{compound.id}", "created")

    @get("/{compound_id:uuid}", guards=[requires("tenants.compound", "read")])
    async def compound(
        self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession, state: State
    ) -> Response[Any]:
        """A compound's profile with every operator it has had (物业更换 history)."""
        compound = await services.get_compound(session, compound_id)
        history = await services.operator_history(session, compound_id)
        writable = can(principal, state.policy.enforcer, "tenants.compound", "write", compound_id) and principal.tenant_kind in (
            "district",
            "platform",
        )
        enterprises = [e for e in await _enterprises(session) if e.id != compound.operator_tenant_id] if writable else []
        figures = await dashboard(session, state.plugins, compound_id, now().date())
        return await page(
            request,
            "console/compound.html",
            compound_id=compound_id,
            compound=compound,
            history=history,
            enterprises=enterprises,
            writable=writable,
            figures=figures,
        )

    @post("/{compound_id:uuid}/operator", guards=[requires("tenants.compound", "write")])
    async def change_operator(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Hand the compound to another enterprise; the old one loses access at once."""
        await services.change_operator(session, compound_id, await parse_form(request, s.OperatorChangeIn))
        return done(request, f"/console/compounds/{compound_id}")


# --------------------------------------------------------------------------- plans


class PlansPages(Controller):
    path = "/console/plans"

    @get("/", guards=[requires("core.plan", "read")])
    async def list_plans(self, request: Request, session: AsyncSession, state: State) -> Response[Any]:
        """Plans on offer: modules and price per compound per month."""
        plans = (await session.scalars(select(Plan).order_by(Plan.price_fen_per_compound_month))).all()
        labels = {rec.name: rec.info for rec in state.plugins.modules}
        return await page(request, "console/plans.html", plans=plans, labels=labels)


# --------------------------------------------------------------------------- users and roles


def _members(tenant_id: uuid.UUID | None):
    return (
        select(User, Membership.title)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id)
        .order_by(User.username, User.id)
    )


class UsersPages(Controller):
    path = "/console/users"

    @get("/", guards=[requires("core.user", "read")])
    async def list_users(
        self, request: Request, principal: Principal, session: AsyncSession, state: State, offset: OffsetParam = 0
    ) -> Response[Any]:
        """Members of the active tenant (phone numbers masked)."""
        rows, total = await paginate(session, _members(principal.tenant_id), PAGE_SIZE, offset)
        users = [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "phone": mask_phone(u.phone),
                "title": title,
                "is_active": u.is_active,
            }
            for u, title in rows
        ]
        writable = can(principal, state.policy.enforcer, "core.user", "write")
        return await page(request, "console/users.html", users=users, pager=pager(request, total, offset), writable=writable)

    @post("/", guards=[requires("core.user", "write")])
    async def create_user(self, request: Request, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Create a staff account in the active tenant (roles are granted on the roles page)."""
        data = await parse_form(request, UserIn)
        await create_staff_user(session, principal.tenant_id, data.username, data.display_name, data.password, data.phone, data.title)
        return done(request, "/console/users", "created")


def _assignment_rows(
    lines: list[tuple[str, str, str]], people: dict[str, str], compounds: dict[uuid.UUID, str], roles: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for subject, role, domain in lines:
        compound_id = uuid.UUID(domain.split(":", 1)[1]) if domain.startswith("compound:") else None
        rows.append(
            {
                "user_id": subject.split(":", 1)[1],
                "user": people.get(subject, subject),
                "role": role,
                "role_view": roles.get(role),
                "compound_id": compound_id,
                "compound": compounds.get(compound_id) if compound_id else None,
            }
        )
    return rows


class RolesPages(Controller):
    path = "/console/roles"

    @get("/", guards=[requires("core.role", "read")])
    async def roles(self, request: Request, principal: Principal, session: AsyncSession, state: State) -> Response[Any]:
        """Role templates and custom roles of the tenant, and who holds which, tenant-wide or per compound."""
        views = await authz.roles_for_tenant(session, principal)
        members = (await session.execute(_members(principal.tenant_id))).all()
        people = {f"u:{u.id}": u.display_name + (f" ({u.username})" if u.username else "") for u, _ in members}
        lines = await authz.assignments(session, principal)
        limited = {uuid.UUID(dom.split(":", 1)[1]) for _, _, dom in lines if dom.startswith("compound:")}
        named = dict((await session.execute(select(Compound.id, Compound.name).where(Compound.id.in_(limited)))).all()) if limited else {}
        choices = dict(
            (
                await session.execute(select(Compound.id, Compound.name).order_by(Compound.name, Compound.id).limit(COMPOUND_MENU_LIMIT))
            ).all()
        )
        writable = can(principal, state.policy.enforcer, "core.role", "write")
        return await page(
            request,
            "console/roles.html",
            roles=views,
            assignments=_assignment_rows(lines, people, named, {v.name: v for v in views}),
            members=members,
            compounds=choices,
            writable=writable,
        )

    @post("/assign", guards=[requires("core.role", "write")])
    async def assign(self, request: Request, principal: Principal, session: AsyncSession, state: State) -> Response[Any]:
        """Grant a role tenant-wide, or limited to the chosen compounds."""
        data = await parse_form(request, AssignmentIn, lists=("compound_ids",))
        await authz.assign_role(session, principal, state.policy.enforcer, data.user_id, data.role, data.compound_ids)
        return done(request, "/console/roles")

    @post("/revoke", guards=[requires("core.role", "write")])
    async def revoke(self, request: Request, principal: Principal, session: AsyncSession, state: State) -> Response[Any]:
        """Withdraw a role tenant-wide or from one compound."""
        data = await parse_form(request, AssignmentIn, lists=("compound_ids",))
        await authz.revoke_role(session, principal, state.policy.enforcer, data.user_id, data.role, data.compound_ids)
        return done(request, "/console/roles", "revoked")
