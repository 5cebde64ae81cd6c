"""Visitor passes (访客通行码): a resident issues a signed, expiring pass; a gate verifies it offline and reports the entry.

The token is ``SP1.<payload>.<signature>`` (base64url), the payload a compact
JSON ``{"c": compound, "p": pass, "f": valid from, "u": valid until, "n":
entries}`` signed with the compound's Ed25519 key. A gate keeps the public
key and the revocation list (:func:`pass_key`) and checks a pass with
:func:`verify_offline` without the network; reporting the entry
(:func:`report_entry`) counts it and refuses a pass used up or revoked
meanwhile. Every report is logged.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.context import RequestContext
from core.ids import uuid7
from core.pagination import Page, paginate
from core.problems import Problem, conflict, invalid, not_found
from core.security import decrypt_pii, encrypt_pii, mask_phone
from plugins.smart_property.models import PassEntry, PassKey, VisitorPass
from plugins.smart_property.schemas import passes as s
from tenants.models import Resident

PASS = "smart_property.pass"
PREFIX = "SP1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def compound_key(session: AsyncSession, compound_id: uuid.UUID) -> PassKey:
    """The compound's pass key, made on first use (the private half sealed with the data key)."""
    key = await session.scalar(select(PassKey).where(PassKey.compound_id == compound_id))
    if key is None:
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        key = PassKey(id=uuid7(), compound_id=compound_id, public_key=public, private_sealed=encrypt_pii(_b64(raw)))
        session.add(key)
        await session.flush()
    return key


def sign_token(key: PassKey, visitor_pass: VisitorPass) -> str:
    payload = {
        "c": str(visitor_pass.compound_id),
        "p": str(visitor_pass.id),
        "f": int(visitor_pass.valid_from.timestamp()),
        "u": int(visitor_pass.valid_until.timestamp()),
        "n": visitor_pass.max_entries,
    }
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    private = Ed25519PrivateKey.from_private_bytes(_unb64(decrypt_pii(key.private_sealed) or ""))
    return f"{PREFIX}.{_b64(body)}.{_b64(private.sign(PREFIX.encode() + b'.' + body))}"


@dataclass(frozen=True)
class PassCheck:
    """What a gate concludes from a token: admitted or the reason not, and what the pass says."""

    ok: bool
    reason: str
    pass_id: uuid.UUID | None = None
    compound_id: uuid.UUID | None = None
    max_entries: int = 0


def verify_offline(
    token: str, public_key: bytes, at: dt.datetime, *, revoked: frozenset[uuid.UUID] = frozenset(), used: dict[uuid.UUID, int] | None = None
) -> PassCheck:
    """A gate's check without the network: the signature under the compound's public key, the window, the revocation
    list it last fetched and the entries it has counted itself. Reasons: ``tampered``, ``not_yet_valid``, ``expired``,
    ``revoked``, ``used_up``; ``ok`` when admitted."""
    try:
        prefix, body_b64, sig_b64 = token.strip().split(".")
        if prefix != PREFIX:
            raise ValueError
        body = _unb64(body_b64)
        Ed25519PublicKey.from_public_bytes(public_key).verify(_unb64(sig_b64), PREFIX.encode() + b"." + body)
        payload = json.loads(body)
        pass_id, compound_id = uuid.UUID(payload["p"]), uuid.UUID(payload["c"])
        start, until, entries = int(payload["f"]), int(payload["u"]), int(payload["n"])
    except (ValueError, KeyError, TypeError, InvalidSignature, json.JSONDecodeError):
        return PassCheck(False, "tampered")
    check = PassCheck(False, "", pass_id, compound_id, entries)
    moment = at.timestamp()
    if moment < start:
        return PassCheck(False, "not_yet_valid", pass_id, compound_id, entries)
    if moment > until:
        return PassCheck(False, "expired", pass_id, compound_id, entries)
    if pass_id in revoked:
        return PassCheck(False, "revoked", pass_id, compound_id, entries)
    if used is not None and used.get(pass_id, 0) >= entries:
        return PassCheck(False, "used_up", pass_id, compound_id, entries)
    return PassCheck(True, "ok", check.pass_id, check.compound_id, entries)


def pass_state(p: VisitorPass, at: dt.datetime) -> str:
    if p.revoked_at is not None:
        return "revoked"
    if at > p.valid_until:
        return "expired"
    if p.entries_used >= p.max_entries:
        return "used_up"
    if at < p.valid_from:
        return "not_yet_valid"
    return "valid"


def pass_out(p: VisitorPass, *, token: str | None = None, show_phone: bool = False) -> s.PassOut:
    return s.PassOut(
        id=p.id,
        visitor_name=p.visitor_name,
        visitor_phone=p.visitor_phone if show_phone else mask_phone(p.visitor_phone),
        purpose=p.purpose,
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        max_entries=p.max_entries,
        entries_used=p.entries_used,
        state=pass_state(p, now()),
        token=token,
    )


async def issue_pass(ctx: RequestContext, data: s.PassIn) -> tuple[VisitorPass, str]:
    """A resident of the compound (or staff at the gate house) issues a pass; the token is for the issuer to share."""
    session, compound_id = ctx.session, ctx.compound_id
    assert compound_id is not None
    staff = ctx.can(PASS, "approve")
    if not staff:
        resident = await session.scalar(
            select(Resident.id).where(Resident.compound_id == compound_id, Resident.user_id == ctx.user_id).limit(1)
        )
        if resident is None:
            raise Problem(403, "not-a-resident", "Not a resident of this compound", "residents of the compound issue visitor passes")
    moment = now()
    start = (data.valid_from or moment).astimezone(dt.UTC)
    if start < moment - dt.timedelta(minutes=5):
        raise invalid("valid_from", "a pass cannot start in the past")
    if start > moment + dt.timedelta(days=30):
        raise invalid("valid_from", "a pass starts within 30 days")
    visitor_pass = VisitorPass(
        id=uuid7(),
        compound_id=compound_id,
        issued_by_user_id=ctx.user_id,
        visitor_name=data.visitor_name.strip(),
        visitor_phone=data.visitor_phone,
        purpose=data.purpose.strip(),
        valid_from=start,
        valid_until=start + dt.timedelta(hours=data.valid_hours),
        max_entries=data.max_entries,
        entries_used=0,
    )
    session.add(visitor_pass)
    await session.flush()
    return visitor_pass, sign_token(await compound_key(session, compound_id), visitor_pass)


async def _own_pass(ctx: RequestContext, pass_id: uuid.UUID) -> VisitorPass:
    assert ctx.compound_id is not None
    p = await ctx.session.scalar(select(VisitorPass).where(VisitorPass.compound_id == ctx.compound_id, VisitorPass.id == pass_id))
    if p is None or (p.issued_by_user_id != ctx.user_id and not ctx.can(PASS, "approve")):
        raise not_found("pass")
    return p


async def pass_token(ctx: RequestContext, pass_id: uuid.UUID) -> tuple[VisitorPass, str]:
    """The issuer shows the QR again (the token is re-signed from the stored pass: the same claims)."""
    p = await _own_pass(ctx, pass_id)
    return p, sign_token(await compound_key(ctx.session, p.compound_id), p)


async def revoke_pass(ctx: RequestContext, pass_id: uuid.UUID) -> VisitorPass:
    p = await _own_pass(ctx, pass_id)
    if p.revoked_at is not None:
        raise conflict("the pass is already revoked")
    p.revoked_at = now()
    await ctx.session.flush()
    return p


async def list_passes(ctx: RequestContext, *, mine: bool, limit: int, offset: int) -> Page[s.PassOut]:
    """The caller's passes; the gate house (``approve``) sees every pass of the compound."""
    assert ctx.compound_id is not None
    stmt = select(VisitorPass).where(VisitorPass.compound_id == ctx.compound_id)
    staff = ctx.can(PASS, "approve")
    if mine or not staff:
        stmt = stmt.where(VisitorPass.issued_by_user_id == ctx.user_id)
    rows, total = await paginate(ctx.session, stmt.order_by(VisitorPass.valid_from.desc()), limit, offset)
    return Page(
        items=[pass_out(p, show_phone=staff or p.issued_by_user_id == ctx.user_id) for p in rows], total=total, limit=limit, offset=offset
    )


async def pass_key(session: AsyncSession, compound_id: uuid.UUID) -> s.PassKeyOut:
    """What a gate downloads: the compound's public key and the revoked passes still within their window."""
    key = await compound_key(session, compound_id)
    revoked = await session.scalars(
        select(VisitorPass.id).where(
            VisitorPass.compound_id == compound_id, VisitorPass.revoked_at.is_not(None), VisitorPass.valid_until > now()
        )
    )
    return s.PassKeyOut(compound_id=compound_id, algorithm="Ed25519", public_key=_b64(key.public_key), revoked=list(revoked))


async def report_entry(session: AsyncSession, compound_id: uuid.UUID, gate_device_id: uuid.UUID | None, token: str) -> s.EntryOut:
    """A gate reports a pass shown: checked against the key and the stored pass, counted once, logged either way."""
    key = await compound_key(session, compound_id)
    moment = now()
    check = verify_offline(token, key.public_key, moment)
    if check.pass_id is None or check.compound_id != compound_id:
        return s.EntryOut(admitted=False, result="tampered", pass_id=None, entries_left=None)
    result = check.reason
    p = await session.scalar(select(VisitorPass).where(VisitorPass.compound_id == compound_id, VisitorPass.id == check.pass_id))
    if p is None:
        return s.EntryOut(admitted=False, result="tampered", pass_id=None, entries_left=None)
    if check.ok:
        if p.revoked_at is not None:
            result = "revoked"
        else:
            # counted in the database, so two gates cannot both admit the last entry
            taken = await session.execute(
                update(VisitorPass)
                .where(VisitorPass.compound_id == compound_id, VisitorPass.id == p.id, VisitorPass.entries_used < VisitorPass.max_entries)
                .values(entries_used=VisitorPass.entries_used + 1)
                .execution_options(synchronize_session=False)
            )
            result = "admitted" if taken.rowcount == 1 else "used_up"
            await session.refresh(p)
    session.add(PassEntry(id=uuid7(), compound_id=compound_id, pass_id=p.id, gate_device_id=gate_device_id, at=moment, result=result))
    await session.flush()
    return s.EntryOut(admitted=result == "admitted", result=result, pass_id=p.id, entries_left=max(p.max_entries - p.entries_used, 0))
