"""One-time codes (短信验证码) sent to a phone: registering, resetting a password.

A code is six digits, valid for :data:`CODE_TTL`, good for one use, and kept only as a keyed digest
(HMAC with the instance's secret: six digits would fall to a plain hash at once). Asking is limited per
phone and per source address; a code survives :data:`MAX_ATTEMPTS` wrong guesses, then it is spent.

Codes leave through a :class:`CodeProvider`: :class:`SmsProvider` is the adapter shape a gateway plugs
into (a transport callable taking the message); :class:`ConsoleProvider` writes the code to the log for
development — and in production never writes the code, only that one was sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Integer, String, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.db import Base, UTCDateTime, utcnow
from core.identity.phones import phone_index
from core.ids import uuid7
from core.problems import Problem, invalid
from core.security import address_index, mask_phone
from core.settings import get_settings
from core.validators import phone_problem

PURPOSES = ("register", "reset")
CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
"""A phone may ask again only after this long."""
PHONE_HOURLY = 5
SOURCE_HOURLY = 20
MAX_ATTEMPTS = 5

log = logging.getLogger("redprop.otp")


class OneTimeCode(Base):
    """A code sent to a phone for ``purpose``: the phone's blind index (never the number), the digest, expiry, use and
    wrong guesses."""

    __tablename__ = "one_time_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    phone_index: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))
    """The keyed hash of the address the request came from (``core.security.address_index``), never the address."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)


MODELS = [OneTimeCode]


# --------------------------------------------------------------------------- providers


class CodeProvider(Protocol):
    """Where codes go out: ``await send(phone, code, purpose)``."""

    name: str

    async def send(self, phone: str, code: str, purpose: str) -> None: ...


@dataclass
class ConsoleProvider:
    """Development: the code in the log (logger ``redprop.otp``); in production only that a code was sent."""

    name: str = "console"

    async def send(self, phone: str, code: str, purpose: str) -> None:
        if get_settings().is_production:
            log.info("one-time code for %s sent (%s); codes are not logged in production", mask_phone(phone), purpose)
        else:
            log.info("one-time code for %s (%s): %s", mask_phone(phone), purpose, code)


@dataclass
class SmsProvider:
    """An SMS gateway: ``transport(message)`` posts the message (phone, template, parameters) to the gateway."""

    transport: Callable[[dict[str, Any]], Awaitable[None]]
    template_id: str
    sign_name: str = "红色物业"
    name: str = "sms"
    templates: dict[str, str] = field(default_factory=dict)
    """A template per purpose, when the gateway approved different ones; ``template_id`` otherwise."""

    async def send(self, phone: str, code: str, purpose: str) -> None:
        minutes = int(CODE_TTL.total_seconds() // 60)
        await self.transport(
            {
                "phone": phone,
                "sign_name": self.sign_name,
                "template_id": self.templates.get(purpose, self.template_id),
                "params": {"code": code, "minutes": minutes},
            }
        )


_provider: CodeProvider = ConsoleProvider()


def install_provider(provider: CodeProvider) -> CodeProvider:
    """Make ``provider`` the one codes go out through (returns the previous one)."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def provider() -> CodeProvider:
    return _provider


# --------------------------------------------------------------------------- codes


def _digest(phone: str, purpose: str, code: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"otp:{phone}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _rate_limited(field: str, until: dt.datetime) -> Problem:
    message = f"too many codes asked; try again after {until.isoformat(timespec='seconds')}"
    return Problem(
        429,
        "rate-limited",
        "Too many codes",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
        retry_after=until.isoformat(),
    )


async def request_code(session: AsyncSession, phone: str, purpose: str, source: str | None, *, deliver: bool = True) -> dt.datetime:
    """Send a new code to ``phone`` for ``purpose``; returns its expiry. 429 (naming the field) past the limits.

    ``deliver=False`` records the code without sending it: the caller answers alike whether or not the phone has
    an account, and the limits still count.
    """
    problem = phone_problem(phone)
    if problem:
        raise invalid("phone", problem)
    if purpose not in PURPOSES:
        raise invalid("purpose", f"one of {', '.join(PURPOSES)}")
    moment = now()
    hour_ago = moment - dt.timedelta(hours=1)
    recent = (
        await session.scalars(
            select(OneTimeCode.created_at)
            .where(OneTimeCode.phone_index == phone_index(phone), OneTimeCode.created_at > hour_ago)
            .order_by(OneTimeCode.created_at.desc())
        )
    ).all()
    if recent and recent[0] + RESEND_AFTER > moment:
        raise _rate_limited("phone", recent[0] + RESEND_AFTER)
    if len(recent) >= PHONE_HOURLY:
        raise _rate_limited("phone", recent[-1] + dt.timedelta(hours=1))
    if source:
        from_source = await session.scalar(
            select(func.count())
            .select_from(OneTimeCode)
            .where(OneTimeCode.source == address_index(source), OneTimeCode.created_at > hour_ago)
        )
        if from_source >= SOURCE_HOURLY:
            raise _rate_limited("source", moment + dt.timedelta(hours=1))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode(
        phone_index=phone_index(phone),
        purpose=purpose,
        digest=_digest(phone, purpose, code),
        source=address_index(source),
        created_at=moment,
        expires_at=moment + CODE_TTL,
    )
    session.add(row)
    await session.flush()
    if deliver:
        await _provider.send(phone, code, purpose)
    return row.expires_at


async def consume_code(session: AsyncSession, phone: str, purpose: str, code: str) -> None:
    """Spend the newest code sent to ``phone`` for ``purpose``; a 422 naming ``code`` when it is missing, expired,
    already used or wrong (a wrong guess is counted and committed even though the caller fails)."""
    row = await session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.phone_index == phone_index(phone), OneTimeCode.purpose == purpose)
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    )
    moment = now()
    if row is None:
        raise invalid("code", "no code was sent to this phone; ask for one first")
    if row.used_at is not None:
        raise invalid("code", "this code was already used; ask for a new one")
    if row.expires_at <= moment or row.attempts >= MAX_ATTEMPTS:
        raise invalid("code", "this code has expired; ask for a new one")
    if not hmac.compare_digest(row.digest, _digest(phone, purpose, code.strip())):
        row.attempts += 1
        await session.flush()
        await session.commit()  # the guess counts although the request fails
        left = MAX_ATTEMPTS - row.attempts
        raise invalid("code", f"wrong code; {left} attempt(s) left" if left else "wrong code; this code is spent, ask for a new one")
    row.used_at = moment
    await session.flush()
