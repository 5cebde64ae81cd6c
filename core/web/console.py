"""Console pages of the kernel: home, users and role assignments (the control plane's pages live in tenants.pages).

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

from core.access import rules
from core.authz import services as authz
from core.authz.api import AssignmentIn
from core.authz.guard import authenticated, can, requires
from core.clock import now
from core.identity.models import Membership, User
from core.identity.principal import Principal
from core.identity.schemas import UserIn
from core.identity.services import create_staff_user
from core.pagination import OffsetParam, paginate
from core.plugins.figures import district_dashboard
from core.security import mask_phone
from core.waiting import compound_alerts, waiting_for
from core.web.forms import parse_form
from core.web.render import COMPOUND_MENU_LIMIT, PAGE_SIZE, done, page, pager, redirect


class HomeController(Controller):
    path = "/console"

    @get("/", guards=[authenticated()])
    async def home(self, request: Request, principal: Principal, session: AsyncSession, state: State) -> Response[Any]:
        """Where a member of staff starts: what is waiting for them (each plugin's ``redprop_waiting_items``, counted
        over every compound they reach at once) and, reaching several compounds, the overview of them (every active
        plugin's figures)."""
        if principal.tenant_id is None:
            return redirect("/portal/")
        ids = [] if principal.scope.is_all else list(principal.scope.compound_ids or ())
        moment = now()
        waiting = await waiting_for(session, state.plugins, principal, state.policy.enforcer, ids, audience="console", moment=moment)
        several = len(ids) > 1
        figures = await district_dashboard(session, state.plugins, ids, moment.date()) if several else []
        streets = await compound_alerts(session, waiting, ids) if several else []
        reached = None if principal.scope.is_all else len(ids)
        return await page(request, "console/home.html", reached=reached, waiting=waiting, figures=figures, streets=streets)


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
        named = await rules().compound_names(session, list(limited))
        choices = dict(await rules().compound_menu(session, COMPOUND_MENU_LIMIT))
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
