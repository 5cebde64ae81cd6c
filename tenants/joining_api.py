"""API of residents joining: one-time codes, registration, password reset, invitations per room (with a printable QR
code), asking for a room, and the staff's approvals and move-outs (rules in :mod:`tenants.joining`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from sqlalchemy import select

from core.authz.guard import authenticated, requires
from core.context import RequestContext
from core.db import Scope
from core.identity.models import User
from core.identity.schemas import TokenOut
from core.identity.services import issue_token, source_address
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page, paginate
from core.schemas import Input, LoginName, Name, NewPassword, Output, Phone
from core.web.qr import qr_svg
from tenants import joining
from tenants.joining_models import RoomInvitation

Relation = Literal["owner", "family", "tenant"]
Code = Annotated[str, msgspec.Meta(min_length=4, max_length=8, pattern=r"^\s*[0-9]{4,8}\s*$")]
Token = Annotated[str, msgspec.Meta(min_length=10, max_length=120)]


class CodeIn(Input):
    phone: Phone
    purpose: Literal["register", "reset"] = "register"


class CodeSentOut(Output):
    phone: str
    expires_at: dt.datetime


class RegisterIn(Input):
    phone: Phone
    code: Code
    name: Name
    password: NewPassword
    invitation: Token | None = None


class ResetIn(Input):
    phone: Phone
    code: Code
    password: NewPassword


class InvitationIn(Input):
    room_id: uuid.UUID
    relation: Relation = "owner"
    valid_days: Annotated[int, msgspec.Meta(ge=1, le=joining.MAX_INVITATION_DAYS)] = joining.INVITATION_DAYS


class InvitationOut(Output):
    id: uuid.UUID
    room_id: uuid.UUID
    relation: str
    expires_at: dt.datetime
    state: str
    link: str | None = None
    """Shown once, at creation: the page a resident opens (also in the QR code)."""
    qr_svg: str | None = None


class AcceptIn(Input):
    invitation: Token
    name: Name


class BindingRequestIn(Input):
    compound_id: uuid.UUID
    building: LoginName
    unit: LoginName
    number: LoginName
    relation: Relation
    name: Name


class RefuseIn(Input):
    note: Annotated[str, msgspec.Meta(max_length=300)]


class BindingOut(Output):
    id: uuid.UUID
    compound_id: uuid.UUID
    user_id: uuid.UUID
    room_id: uuid.UUID
    room_number: str | None
    relation: str
    status: str
    via: str
    name: str
    decided_by: uuid.UUID | None
    decided_at: dt.datetime | None
    ended_at: dt.datetime | None
    note: str


class RegisteredOut(Output):
    token: TokenOut
    binding: BindingOut | None


def binding_out(b, number: str | None = None) -> BindingOut:
    return BindingOut(
        id=b.id,
        compound_id=b.compound_id,
        user_id=b.user_id,
        room_id=b.room_id,
        room_number=number,
        relation=b.relation,
        status=b.status,
        via=b.via,
        name=b.name,
        decided_by=b.decided_by,
        decided_at=b.decided_at,
        ended_at=b.ended_at,
        note=b.note,
    )


def _token_out(issued) -> TokenOut:
    return TokenOut(
        access_token=issued.token, token_type="bearer", expires_at=issued.expires_at, user_id=issued.user.id, tenant_id=issued.tenant_id
    )


def invitation_link(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/portal/join?invitation={token}"


class JoinController(Controller):
    """What a resident does before and while joining (public routes need no account yet)."""

    path = "/api/v1/join"
    tags = ["joining"]

    @post("/codes", operation_id="sendJoinCode", opt={"public": True}, status_code=202)
    async def send_code(self, data: CodeIn, request: Request, state: State) -> CodeSentOut:
        """Send a one-time code to a phone (registering, or resetting a password); limited per phone and address."""
        async with state.db.transaction(Scope.nothing()) as session:
            expires = await joining.send_code(session, data.phone, data.purpose, source_address(request))
        return CodeSentOut(phone=data.phone, expires_at=expires)

    @post("/register", operation_id="registerResident", opt={"public": True}, status_code=201)
    async def register(self, data: RegisterIn, state: State) -> RegisteredOut:
        """Register by phone and one-time code (bound to a room at once with a valid invitation); logs the resident in."""
        async with state.db.transaction(Scope.nothing()) as session:
            state.policy.attach(session)  # the resident role takes effect in this process on commit
            user, binding = await joining.register(session, data.phone, data.code, data.name, data.password, data.invitation)
            issued = await issue_token(session, user, None)
            return RegisteredOut(token=_token_out(issued), binding=binding_out(binding) if binding else None)

    @post("/password-reset", operation_id="resetPasswordByCode", opt={"public": True}, status_code=204)
    async def reset(self, data: ResetIn, state: State) -> None:
        """Set a new password with a one-time code sent to the account's phone."""
        async with state.db.transaction(Scope.nothing()) as session:
            await joining.reset_password(session, data.phone, data.code, data.password)

    @post("/invitations/accept", operation_id="acceptInvitation", guards=[authenticated()], status_code=201)
    async def accept(self, data: AcceptIn, ctx: RequestContext) -> BindingOut:
        """A logged-in resident takes a room by its invitation (another room, perhaps in another compound)."""
        user = await ctx.session.get(User, ctx.user_id)
        return binding_out(await joining.accept_invitation(ctx.session, user, data.invitation, data.name))  # type: ignore[arg-type]

    @post("/requests", operation_id="requestRoomBinding", guards=[authenticated()], status_code=201)
    async def request_binding(self, data: BindingRequestIn, ctx: RequestContext) -> BindingOut:
        """Ask to be bound to a room (named as on the door); the compound's staff approve or refuse."""
        user = await ctx.session.get(User, ctx.user_id)
        b = await joining.request_binding(
            ctx.session, user, data.compound_id, data.building, data.unit, data.number, data.relation, data.name
        )  # type: ignore[arg-type]
        return binding_out(b, data.number)


class InvitationsController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/invitations"
    tags = ["joining"]

    @get("/", operation_id="listInvitations", guards=[requires("tenants.invitation", "read")])
    async def list_invitations(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[InvitationOut]:
        """The compound's invitations, newest first, with their state (valid, used, revoked, expired)."""
        stmt = (
            select(RoomInvitation)
            .where(RoomInvitation.compound_id == compound_id)
            .order_by(RoomInvitation.created_at.desc(), RoomInvitation.id)
        )
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        items = [
            InvitationOut(id=r.id, room_id=r.room_id, relation=r.relation, expires_at=r.expires_at, state=joining.invitation_state(r))
            for r in rows
        ]
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post("/", operation_id="createInvitation", guards=[requires("tenants.invitation", "write")])
    async def create_invitation(self, compound_id: uuid.UUID, data: InvitationIn, request: Request, ctx: RequestContext) -> InvitationOut:
        """Invite the household of a room: a link and a printable QR code, valid for ``valid_days``, good for one binding."""
        row, token = await joining.create_invitation(ctx, data.room_id, data.relation, data.valid_days)
        link = invitation_link(request, token)
        return InvitationOut(
            id=row.id,
            room_id=row.room_id,
            relation=row.relation,
            expires_at=row.expires_at,
            state="valid",
            link=link,
            qr_svg=str(qr_svg(link)),
        )

    @post(
        "/{invitation_id:uuid}/revoke", operation_id="revokeInvitation", guards=[requires("tenants.invitation", "write")], status_code=200
    )
    async def revoke(self, compound_id: uuid.UUID, invitation_id: uuid.UUID, ctx: RequestContext) -> InvitationOut:
        """Withdraw an unused invitation."""
        r = await joining.revoke_invitation(ctx, invitation_id)
        return InvitationOut(id=r.id, room_id=r.room_id, relation=r.relation, expires_at=r.expires_at, state=joining.invitation_state(r))


class BindingsController(Controller):
    path = "/api/v1/compounds/{compound_id:uuid}/bindings"
    tags = ["joining"]

    @get("/", operation_id="listRoomBindings", guards=[requires("tenants.binding", "read")])
    async def list_bindings(
        self, compound_id: uuid.UUID, ctx: RequestContext, status: str | None = None, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[BindingOut]:
        """Bindings of accounts to the compound's rooms: ``pending`` ones wait for approval; ended ones are the history."""
        status = one_of("status", status, joining.BINDING.states)
        rows, total = await paginate(ctx.session, joining.bindings_query(status), limit, offset)
        return Page(items=[binding_out(b, n) for b, n in rows], total=total, limit=limit, offset=offset)

    @post("/{binding_id:uuid}/approve", operation_id="approveRoomBinding", guards=[requires("tenants.binding", "approve")], status_code=200)
    async def approve(self, compound_id: uuid.UUID, binding_id: uuid.UUID, ctx: RequestContext) -> BindingOut:
        """Approve a pending request: the account becomes a resident of the room (recorded: who, when)."""
        return binding_out(await joining.approve_binding(ctx, binding_id))

    @post("/{binding_id:uuid}/refuse", operation_id="refuseRoomBinding", guards=[requires("tenants.binding", "approve")], status_code=200)
    async def refuse(self, compound_id: uuid.UUID, binding_id: uuid.UUID, data: RefuseIn, ctx: RequestContext) -> BindingOut:
        """Refuse a pending request, saying why."""
        return binding_out(await joining.refuse_binding(ctx, binding_id, data.note))

    @post("/{binding_id:uuid}/end", operation_id="endRoomBinding", guards=[requires("tenants.binding", "write")], status_code=200)
    async def end(self, compound_id: uuid.UUID, binding_id: uuid.UUID, ctx: RequestContext) -> BindingOut:
        """Move-out: the binding ends and stays as history; the account leaves the room."""
        return binding_out(await joining.end_binding(ctx, binding_id))


ROUTE_HANDLERS = [JoinController, InvitationsController, BindingsController]
