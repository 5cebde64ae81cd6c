"""Pages of residents joining: the portal's registration by phone and code (from an invitation's link or QR code),
password reset by code, my rooms (taking another room by invitation); the console's invitations with a printable
QR code, and the requests to approve or refuse, and move-outs. Rules in :mod:`tenants.joining`."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy import select

from core.authz.guard import authenticated, requires
from core.context import RequestContext
from core.db import Scope
from core.identity.models import User
from core.identity.services import issue_token, source_address
from core.pagination import OffsetParam, paginate
from core.problems import Problem, invalid
from core.web import session as web_session
from core.web.forms import form_values
from core.web.i18n import N_
from core.web.qr import qr_svg
from core.web.render import PAGE_SIZE, done, page, pager, public_page
from tenants import joining
from tenants.joining_api import invitation_link
from tenants.joining_models import RoomBinding, RoomInvitation
from tenants.models import Room
from tenants.pages.base import CATALOG

RELATION_LABELS = {"owner": N_("Owner"), "family": N_("Family member"), "tenant": N_("Tenant (renting)")}
BINDING_STATES = {"pending": N_("Waiting for approval"), "active": N_("Bound"), "refused": N_("Refused"), "ended": N_("Moved out")}
INVITATION_STATES = {"valid": N_("Valid"), "used": N_("Used"), "revoked": N_("Withdrawn"), "expired": N_("Expired")}


def _text(values: dict[str, Any], field: str) -> str:
    return str(values.get(field) or "").strip()


class JoinPages(Controller):
    """The portal's public pages: register (with or without an invitation) and reset a password."""

    path = "/portal"
    opt = {**CATALOG, "public": True}

    def _form(self, request: Request, template: str, *, status: int = 200, **context: Any) -> Response[Any]:
        context.setdefault("values", {})
        context.setdefault("error", None)
        context.setdefault("sent", False)
        return public_page(request, template, status=status, portal=True, relations=RELATION_LABELS, **context)

    @get("/join")
    async def join_form(self, request: Request, invitation: str | None = None) -> Response[Any]:
        """Register as a resident: phone, a one-time code, name and password (an invitation's link fills the room)."""
        return self._form(request, "tenants/portal/join.html", values={"invitation": invitation or ""})

    @post("/join/code")
    async def join_code(self, request: Request, state: State) -> Response[Any]:
        """Send the registration code to the phone; the form comes back with the code field."""
        return await self._send(request, state, "register", "tenants/portal/join.html")

    @post("/join")
    async def join(self, request: Request, state: State) -> Response[Any]:
        """Register; logged in at once, bound to the invitation's room when there is one."""
        values = await form_values(request)
        try:
            password = _text(values, "password")
            if len(password) < 10:
                raise invalid("password", "at least 10 characters")
            async with state.db.transaction(Scope.nothing()) as session:
                state.policy.attach(session)
                user, _ = await joining.register(
                    session,
                    _text(values, "phone"),
                    _text(values, "code"),
                    _text(values, "name"),
                    password,
                    _text(values, "invitation") or None,
                )
                issued = await issue_token(session, user, None)
        except Problem as problem:
            return self._form(request, "tenants/portal/join.html", status=problem.status, values=values, error=problem.body(), sent=True)
        cookie = web_session.session_cookie(request, issued.token, state.settings.token_ttl_seconds)
        return done(request, "/portal/rooms", "registered", cookies=[cookie])

    @get("/reset")
    async def reset_form(self, request: Request) -> Response[Any]:
        """Forgot the password: a code to the account's phone, then a new password."""
        return self._form(request, "tenants/portal/reset.html")

    @post("/reset/code")
    async def reset_code(self, request: Request, state: State) -> Response[Any]:
        """Send the reset code (answered alike whether or not the phone has an account)."""
        return await self._send(request, state, "reset", "tenants/portal/reset.html")

    @post("/reset")
    async def reset(self, request: Request, state: State) -> Response[Any]:
        """Set the new password and go to the login."""
        values = await form_values(request)
        try:
            password = _text(values, "password")
            if len(password) < 10:
                raise invalid("password", "at least 10 characters")
            async with state.db.transaction(Scope.nothing()) as session:
                await joining.reset_password(session, _text(values, "phone"), _text(values, "code"), password)
        except Problem as problem:
            return self._form(request, "tenants/portal/reset.html", status=problem.status, values=values, error=problem.body(), sent=True)
        return done(request, "/portal/login", "password-reset")

    async def _send(self, request: Request, state: State, purpose: str, template: str) -> Response[Any]:
        values = await form_values(request)
        try:
            async with state.db.transaction(Scope.nothing()) as session:
                await joining.send_code(session, _text(values, "phone"), purpose, source_address(request))
        except Problem as problem:
            return self._form(request, template, status=problem.status, values=values, error=problem.body())
        return self._form(request, template, values=values, sent=True)


class MyRoomsPages(Controller):
    """A resident's rooms: every binding with its state, and taking another room by an invitation."""

    path = "/portal/rooms"
    opt = CATALOG

    @get("/", guards=[authenticated()])
    async def rooms(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """My rooms in every compound (bound, waiting, refused, moved out)."""
        rows = (
            await ctx.session.execute(
                select(RoomBinding, Room.number)
                .join(Room, (Room.compound_id == RoomBinding.compound_id) & (Room.id == RoomBinding.room_id))
                .where(RoomBinding.user_id == ctx.user_id)
                .order_by(RoomBinding.created_at.desc())
                .limit(50)
            )
        ).all()
        return await page(
            request, "tenants/portal/rooms.html", portal=True, bindings=rows, relations=RELATION_LABELS, states=BINDING_STATES, error=None
        )

    @post("/accept", guards=[authenticated()])
    async def accept(self, request: Request, ctx: RequestContext) -> Response[Any]:
        """Take a room by its invitation (the link's code)."""
        values = await form_values(request)
        raw = _text(values, "invitation")
        token = raw.split("invitation=", 1)[-1]
        user = await ctx.session.get(User, ctx.user_id)
        await joining.accept_invitation(ctx.session, user, token, user.display_name)  # type: ignore[union-attr]
        return done(request, "/portal/rooms", "bound")


class JoiningPages(Controller):
    """The console: invite a room's household (link and printable QR code), approve or refuse requests, move-outs."""

    path = "/console/compounds/{compound_id:uuid}/joining"
    opt = CATALOG

    @get("/", guards=[requires("tenants.binding", "read")])
    async def joining(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """Requests waiting for approval first, then every binding (history included), and recent invitations."""
        session = ctx.session
        pending = (await session.execute(joining.bindings_query("pending").limit(100))).all()
        rows, total = await paginate(session, joining.bindings_query(), PAGE_SIZE, offset)
        invitations = (
            await session.execute(
                select(RoomInvitation, Room.number)
                .join(Room, (Room.compound_id == RoomInvitation.compound_id) & (Room.id == RoomInvitation.room_id))
                .order_by(RoomInvitation.created_at.desc())
                .limit(20)
            )
        ).all()
        return await page(
            request,
            "tenants/console/joining.html",
            compound_id=compound_id,
            pending=pending,
            bindings=rows,
            pager=pager(request, total, offset),
            invitations=[(i, n, joining.invitation_state(i)) for i, n in invitations],
            relations=RELATION_LABELS,
            states=BINDING_STATES,
            invitation_states=INVITATION_STATES,
            can_invite=ctx.can("tenants.invitation", "write"),
            can_approve=ctx.can("tenants.binding", "approve"),
            can_end=ctx.can("tenants.binding", "write"),
        )

    @post("/invitations", guards=[requires("tenants.invitation", "write")])
    async def invite(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Create an invitation for a room named as on the door; the page to print shows its QR code once."""
        values = await form_values(request)
        room_id = await joining.room_named(
            ctx.session, compound_id, _text(values, "building"), _text(values, "unit"), _text(values, "number")
        )
        try:
            days = int(_text(values, "valid_days") or joining.INVITATION_DAYS)
        except ValueError:
            raise invalid("valid_days", "a whole number of days") from None
        row, token = await joining.create_invitation(ctx, room_id, _text(values, "relation") or "owner", days)
        link = invitation_link(request, token)
        return await page(
            request,
            "tenants/console/invitation.html",
            compound_id=compound_id,
            invitation=row,
            room=" ".join(_text(values, k) for k in ("building", "unit", "number")),
            link=link,
            qr=qr_svg(link, scale=6),
            relations=RELATION_LABELS,
        )

    @post("/{binding_id:uuid}/approve", guards=[requires("tenants.binding", "approve")])
    async def approve(self, request: Request, compound_id: uuid.UUID, binding_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Approve a request: the resident is bound to the room (recorded with who and when)."""
        await joining.approve_binding(ctx, binding_id)
        return done(request, f"/console/compounds/{compound_id}/joining", "approved")

    @post("/{binding_id:uuid}/refuse", guards=[requires("tenants.binding", "approve")])
    async def refuse(self, request: Request, compound_id: uuid.UUID, binding_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Refuse a request, saying why."""
        await joining.refuse_binding(ctx, binding_id, _text(await form_values(request), "note"))
        return done(request, f"/console/compounds/{compound_id}/joining", "refused")

    @post("/{binding_id:uuid}/end", guards=[requires("tenants.binding", "write")])
    async def end(self, request: Request, compound_id: uuid.UUID, binding_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Move-out, once confirmed: the binding ends and stays in the history."""
        if _text(await form_values(request), "confirm") != "yes":
            raise invalid("confirm", "tick the box to confirm the move-out")
        await joining.end_binding(ctx, binding_id)
        return done(request, f"/console/compounds/{compound_id}/joining", "moved-out")
