"""Login, logout, tenant switching, the caller's profile and the tenant's users."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.guard import authenticated, requires
from core.db import Scope
from core.identity import schemas as s
from core.identity.models import Membership, User
from core.identity.principal import Principal
from core.identity.services import authenticate_password, choose_tenant, create_staff_user, issue_token, revoke_token, source_address
from core.pagination import LimitParam, OffsetParam, Page, paginate
from core.security import mask_phone


def _token_out(issued) -> s.TokenOut:
    return s.TokenOut(
        access_token=issued.token, token_type="bearer", expires_at=issued.expires_at, user_id=issued.user.id, tenant_id=issued.tenant_id
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", opt={"public": True}, status_code=200)
    async def login(self, data: s.LoginIn, request: Request, state: State) -> s.TokenOut:
        """Exchange a username (or a resident's phone number) and password for a bearer token."""
        async with state.db.transaction(Scope.nothing()) as session:
            user = await authenticate_password(session, data.username, data.password, source_address(request))
            tenant_id = await choose_tenant(session, user, data.tenant_id)
            return _token_out(await issue_token(session, user, tenant_id))

    @post("/logout", operation_id="logout", guards=[authenticated()], status_code=204)
    async def logout(self, request: Request, session: AsyncSession) -> None:
        """Revoke the token used for this request."""
        await revoke_token(session, request.headers.get("authorization", "")[7:].strip())

    @post("/switch-tenant", operation_id="switchTenant", guards=[authenticated()], status_code=200)
    async def switch_tenant(self, data: s.SwitchTenantIn, principal: Principal, session: AsyncSession) -> s.TokenOut:
        """Get a token acting for another tenant the user belongs to."""
        user = await session.get(User, principal.user_id)
        tenant_id = await choose_tenant(session, user, data.tenant_id)
        return _token_out(await issue_token(session, user, tenant_id))


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["auth"]

    @get("/", operation_id="me", guards=[authenticated()])
    async def me(self, principal: Principal, state: State) -> s.MeOut:
        """The caller: profile, active tenant, memberships and roles there."""
        async with state.db.session(Scope.nothing()) as session:
            user = await session.get(User, principal.user_id)
            members = (await session.scalars(select(Membership).where(Membership.user_id == principal.user_id))).all()
            # tenants are the control plane's: the kernel asks it for their names and kinds
            labels = await rules().tenant_labels(session, [m.tenant_id for m in members])
        rows = sorted(((m, labels[m.tenant_id]) for m in members if m.tenant_id in labels), key=lambda row: row[1].name)
        enforcer = state.policy.enforcer
        roles = sorted({f"{r}@{d}" for d in principal.domains_for() for r in enforcer.direct_roles(principal.subject, d)})
        return s.MeOut(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            phone=mask_phone(user.phone),
            tenant_id=principal.tenant_id,
            tenant_kind=principal.tenant_kind,
            memberships=[s.MembershipOut(tenant_id=m.tenant_id, tenant_name=t.name, tenant_kind=t.kind, title=m.title) for m, t in rows],
            roles=roles,
            reachable_compounds=None if principal.scope.is_all else len(principal.scope.compound_ids or ()),
        )


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", operation_id="listUsers", guards=[requires("core.user", "read")])
    async def list_users(
        self, principal: Principal, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.UserOut]:
        """Members of the active tenant (phone numbers masked)."""
        stmt = (
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == principal.tenant_id)
            .order_by(User.username, User.id)
        )
        rows, total = await paginate(session, stmt, limit, offset)
        return Page(
            items=[
                s.UserOut(id=u.id, username=u.username, display_name=u.display_name, phone=mask_phone(u.phone), is_active=u.is_active)
                for u in rows
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    @post("/", operation_id="createUser", guards=[requires("core.user", "write")])
    async def create_user(self, data: s.UserIn, principal: Principal, session: AsyncSession) -> s.UserOut:
        """Create a staff account in the active tenant (roles are granted separately)."""
        user = await create_staff_user(
            session, principal.tenant_id, data.username, data.display_name, data.password, data.phone, data.title
        )
        return s.UserOut(id=user.id, username=user.username, display_name=user.display_name, phone=mask_phone(user.phone), is_active=True)


__all__ = ["AuthController", "MeController", "UsersController"]
