"""Residents joining (住户入驻): invitations per room, registration by phone with a one-time code, binding an account to
a room (by a valid invitation or by staff approval — who and when), the relation's role, move-out, password reset.

A binding is ``pending`` (asked by the resident), then ``active`` (approved, or by invitation) or ``refused``;
an active binding ``ended`` at move-out. An active binding is a :class:`~tenants.models.Resident` of the room's
household linked to the account, with the role of its relation (owner / family / tenant — only owners vote:
co_building's roll counts ``Resident.role == "owner"``), and the account holds ``resident`` in the compound.
Move-out unlinks the resident and keeps the binding as history.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.store import add_rule, remove_rule
from core.clock import now
from core.context import RequestContext
from core.db import widen_scope
from core.identity import otp
from core.identity.models import User
from core.identity.principal import compound_domain, subject_of
from core.problems import conflict, invalid, not_found
from core.security import hash_password, token_digest
from core.states import StateMachine
from tenants.joining_models import RELATIONS, RoomBinding, RoomInvitation
from tenants.models import Building, Household, Resident, Room, Unit

INVITATION_DAYS = 7
MAX_INVITATION_DAYS = 30
RESIDENT_ROLE = "resident"

BINDING = StateMachine(
    "room binding", {"pending": {"approve": "active", "refuse": "refused"}, "active": {"end": "ended"}, "refused": {}, "ended": {}}
)


def _relation(value: str) -> str:
    if value not in RELATIONS:
        raise invalid("relation", f"one of {', '.join(RELATIONS)}")
    return value


# --------------------------------------------------------------------------- invitations (staff)


async def create_invitation(
    ctx: RequestContext, room_id: uuid.UUID, relation: str, valid_days: int = INVITATION_DAYS
) -> tuple[RoomInvitation, str]:
    """An invitation for the household of one room; returns it and its token (shown once: the link and QR carry it)."""
    ctx.require("tenants.invitation", "write")
    compound_id = ctx.compound_id
    _relation(relation)
    if not 1 <= valid_days <= MAX_INVITATION_DAYS:
        raise invalid("valid_days", f"between 1 and {MAX_INVITATION_DAYS} days")
    if await ctx.session.get(Room, (compound_id, room_id)) is None:
        raise invalid("room_id", "no such room in this compound")
    token = f"{compound_id}.{secrets.token_urlsafe(24)}"
    row = RoomInvitation(
        compound_id=compound_id,
        room_id=room_id,
        relation=relation,
        digest=token_digest(token),
        expires_at=now() + dt.timedelta(days=valid_days),
        created_by=ctx.user_id,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return row, token


async def revoke_invitation(ctx: RequestContext, invitation_id: uuid.UUID) -> RoomInvitation:
    ctx.require("tenants.invitation", "write")
    row = await ctx.session.get(RoomInvitation, (ctx.compound_id, invitation_id))
    if row is None:
        raise not_found("invitation")
    if row.used_at is not None:
        raise conflict("the invitation was already used")
    row.revoked_at = row.revoked_at or now()
    return row


def invitation_state(row: RoomInvitation, moment: dt.datetime | None = None) -> str:
    """``used``, ``revoked``, ``expired`` or ``valid``."""
    if row.used_at is not None:
        return "used"
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= (moment or now()) else "valid"


async def _invitation_for(session: AsyncSession, token: str) -> RoomInvitation:
    """The invitation a token names (its compound is the token's prefix), refused with a 4xx naming ``invitation``
    when unknown, expired, revoked or used."""
    head = token.split(".", 1)[0]
    try:
        compound_id = uuid.UUID(head)
    except ValueError:
        raise invalid("invitation", "not a valid invitation link") from None
    await widen_scope(session, compound_id)  # the invitee reaches no compound yet; the token's secret is the key
    row = await session.scalar(
        select(RoomInvitation).where(RoomInvitation.compound_id == compound_id, RoomInvitation.digest == token_digest(token))
    )
    if row is None:
        raise invalid("invitation", "not a valid invitation link")
    state = invitation_state(row)
    if state != "valid":
        messages = {
            "used": "this invitation was already used",
            "revoked": "this invitation was withdrawn",
            "expired": "this invitation has expired",
        }
        raise invalid("invitation", messages[state], status=410 if state == "expired" else 409)
    return row


async def accept_invitation(session: AsyncSession, user: User, token: str, name: str) -> RoomBinding:
    """Bind ``user`` to the invitation's room at once (the invitation is the staff's approval), spending it."""
    invitation = await _invitation_for(session, token)
    moment = now()
    invitation.used_at, invitation.used_by = moment, user.id
    binding = RoomBinding(
        compound_id=invitation.compound_id,
        user_id=user.id,
        room_id=invitation.room_id,
        relation=invitation.relation,
        status="pending",
        via="invitation",
        name=name,
        invitation_id=invitation.id,
        decided_by=invitation.created_by,
        decided_at=moment,
    )
    session.add(binding)
    await session.flush()
    await _activate(session, binding, user)
    return binding


# --------------------------------------------------------------------------- asking and approving


async def request_binding(
    session: AsyncSession, user: User, compound_id: uuid.UUID, building: str, unit: str, number: str, relation: str, name: str
) -> RoomBinding:
    """A registered resident asks to be bound to a room, named as on the door; staff approve or refuse."""
    _relation(relation)
    await widen_scope(session, compound_id)
    room_id = await room_named(session, compound_id, building, unit, number)
    if await session.scalar(
        select(RoomBinding.id).where(
            RoomBinding.compound_id == compound_id,
            RoomBinding.user_id == user.id,
            RoomBinding.room_id == room_id,
            RoomBinding.status.in_(("pending", "active")),
        )
    ):
        raise conflict("you have already asked for this room, or are bound to it", errors=[{"field": "number", "message": "already asked"}])
    binding = RoomBinding(
        compound_id=compound_id, user_id=user.id, room_id=room_id, relation=relation, status="pending", via="approval", name=name
    )
    session.add(binding)
    await session.flush()
    return binding


async def room_named(session: AsyncSession, compound_id: uuid.UUID, building: str, unit: str, number: str) -> uuid.UUID:
    """The room of the compound named as on the door (building, unit, number), else a 422 naming ``number``."""
    room_id = await session.scalar(
        select(Room.id)
        .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
        .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
        .where(Room.compound_id == compound_id, Building.name == building.strip(), Unit.name == unit.strip(), Room.number == number.strip())
    )
    if room_id is None:
        raise invalid("number", "no such room in this compound (check the building, unit and room number)")
    return room_id


async def _binding(ctx: RequestContext, binding_id: uuid.UUID) -> RoomBinding:
    row = await ctx.session.get(RoomBinding, (ctx.compound_id, binding_id))
    if row is None:
        raise not_found("room binding")
    return row


async def approve_binding(ctx: RequestContext, binding_id: uuid.UUID) -> RoomBinding:
    """Staff approve a pending binding: recorded with who and when; the account becomes a resident of the room."""
    ctx.require("tenants.binding", "approve")
    binding = await _binding(ctx, binding_id)
    BINDING.next(binding.status, "approve")
    binding.decided_by, binding.decided_at = ctx.user_id, now()
    user = await ctx.session.get(User, binding.user_id)
    await _activate(ctx.session, binding, user)  # type: ignore[arg-type]
    return binding


async def refuse_binding(ctx: RequestContext, binding_id: uuid.UUID, note: str) -> RoomBinding:
    ctx.require("tenants.binding", "approve")
    if not note.strip():
        raise invalid("note", "say why the request is refused")
    binding = await _binding(ctx, binding_id)
    binding.status = BINDING.next(binding.status, "refuse")
    binding.decided_by, binding.decided_at, binding.note = ctx.user_id, now(), note.strip()
    return binding


async def end_binding(ctx: RequestContext, binding_id: uuid.UUID) -> RoomBinding:
    """Move-out (迁出): the binding ends (kept, with who and when); the account is no longer the room's resident and,
    bound to no other room of the compound, loses the compound."""
    ctx.require("tenants.binding", "write")
    session = ctx.session
    binding = await _binding(ctx, binding_id)
    binding.status = BINDING.next(binding.status, "end")
    binding.ended_by, binding.ended_at = ctx.user_id, now()
    if binding.resident_id is not None:
        resident = await session.get(Resident, (binding.compound_id, binding.resident_id))
        if resident is not None:
            resident.user_id = None
    await session.flush()
    still = await session.scalar(
        select(func.count()).select_from(Resident).where(Resident.compound_id == binding.compound_id, Resident.user_id == binding.user_id)
    )
    if not still:
        await remove_rule(session, ("g", subject_of(binding.user_id), RESIDENT_ROLE, compound_domain(binding.compound_id)))
    return binding


async def _activate(session: AsyncSession, binding: RoomBinding, user: User) -> None:
    """The binding's resident: the room's household (created if none), its resident with this phone (from the
    ledger) linked to the account, or a new one; the relation is the role; ``resident`` in the compound."""
    cid = binding.compound_id
    household = await session.scalar(
        select(Household).where(Household.compound_id == cid, Household.room_id == binding.room_id).order_by(Household.created_at).limit(1)
    )
    if household is None:
        household = Household(compound_id=cid, room_id=binding.room_id, moved_in_on=now().date())
        session.add(household)
        await session.flush()
    resident = None
    if user.phone:
        resident = await session.scalar(
            select(Resident).where(
                Resident.compound_id == cid, Resident.household_id == household.id, Resident.phone == user.phone, Resident.user_id.is_(None)
            )
        )
    if resident is None:
        resident = Resident(compound_id=cid, household_id=household.id, name=binding.name, role=binding.relation, phone=user.phone)
        session.add(resident)
    resident.user_id, resident.role = user.id, binding.relation
    await session.flush()
    binding.status, binding.resident_id = "active", resident.id
    await add_rule(session, ("g", subject_of(user.id), RESIDENT_ROLE, compound_domain(cid)))
    await session.flush()


def bindings_query(status: str | None = None):
    stmt = select(RoomBinding, Room.number).join(Room, (Room.compound_id == RoomBinding.compound_id) & (Room.id == RoomBinding.room_id))
    if status:
        stmt = stmt.where(RoomBinding.status == status)
    return stmt.order_by(RoomBinding.created_at.desc(), RoomBinding.id)


# --------------------------------------------------------------------------- registration and password reset


async def register(
    session: AsyncSession, phone: str, code: str, name: str, password: str, invitation: str | None
) -> tuple[User, RoomBinding | None]:
    """A resident's account by phone and one-time code; with an invitation, bound to its room at once."""
    if not name.strip():
        raise invalid("name", "your name is required")
    if invitation:
        await _invitation_for(session, invitation)  # refuse a bad link before the code is spent
    if await session.scalar(select(User.id).where(User.phone == phone)):
        raise conflict(
            "this phone number is already registered; log in or reset the password",
            errors=[{"field": "phone", "message": "already registered"}],
        )
    await otp.consume_code(session, phone, "register", code)
    user = User(phone=phone, display_name=name.strip(), password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    binding = await accept_invitation(session, user, invitation, name.strip()) if invitation else None
    return user, binding


async def reset_password(session: AsyncSession, phone: str, code: str, password: str) -> None:
    """A new password for the account of ``phone``, proved by a one-time code."""
    await otp.consume_code(session, phone, "reset", code)
    user = await session.scalar(select(User).where(User.phone == phone))
    if user is None:  # a code was sent, so the answer cannot tell; but there is nothing to reset
        raise invalid("code", "this code has expired; ask for a new one")
    user.password_hash = hash_password(password)


async def send_code(session: AsyncSession, phone: str, purpose: str, source: str | None) -> dt.datetime:
    """Send a code; a reset code for an unknown phone is recorded (for the limits) but not sent, answered alike."""
    known = purpose != "reset" or bool(await session.scalar(select(User.id).where(User.phone == phone)))
    return await otp.request_code(session, phone, purpose, source, deliver=known)
