"""Login, lockout and bearer tokens: the rules, without HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.identity.models import AuthToken, LoginFailure, Membership, User
from core.problems import Problem, conflict, invalid
from core.security import hash_password, new_token, token_digest, verify_password
from core.settings import get_settings
from core.validators import phone_problem

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)


@dataclass
class IssuedToken:
    token: str
    user: User
    tenant_id: uuid.UUID | None
    expires_at: dt.datetime


def _invalid_credentials() -> Problem:
    # one answer for an unknown name and a wrong password: no hint which part was wrong
    return Problem(401, "invalid-credentials", "Invalid credentials", "the login name or the password is wrong")


async def _locked_until(session: AsyncSession, login: str) -> dt.datetime | None:
    since = now() - LOCKOUT_WINDOW
    rows = (
        await session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.login == login, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
            .limit(LOCKOUT_FAILURES)
        )
    ).all()
    if len(rows) < LOCKOUT_FAILURES:
        return None
    return rows[-1] + LOCKOUT_WINDOW


async def authenticate_password(session: AsyncSession, login: str, password: str) -> User:
    """The user with this username or phone and password; records failures and enforces lockout.

    Failures are committed even though the caller will answer with an error.
    """
    key = login.strip().lower()
    until = await _locked_until(session, key)
    if until is not None:
        raise Problem(
            429,
            "login-locked",
            "Too many failed logins",
            f"{LOCKOUT_FAILURES} failed attempts within 15 minutes; try again after {until.isoformat()}",
            retry_after=until.isoformat(),
        )
    user = await session.scalar(select(User).where(or_(func.lower(User.username) == key, User.phone == key)))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(login=key, at=now()))
        await session.commit()
        raise _invalid_credentials()
    await session.execute(delete(LoginFailure).where(LoginFailure.login == key))
    return user


async def choose_tenant(session: AsyncSession, user: User, tenant_id: uuid.UUID | None) -> uuid.UUID | None:
    """The tenant the token acts for: the requested membership, else the default one, else none (resident)."""
    memberships = (
        await session.scalars(
            select(Membership).where(Membership.user_id == user.id).order_by(Membership.is_default.desc(), Membership.created_at)
        )
    ).all()
    if tenant_id is not None:
        if not any(m.tenant_id == tenant_id for m in memberships):
            raise Problem(403, "not-a-member", "Not a member of that tenant", f"user is not a member of tenant {tenant_id}")
        return tenant_id
    return memberships[0].tenant_id if memberships else None


async def issue_token(session: AsyncSession, user: User, tenant_id: uuid.UUID | None) -> IssuedToken:
    token = new_token()
    expires = now() + dt.timedelta(seconds=get_settings().token_ttl_seconds)
    session.add(AuthToken(digest=token_digest(token), user_id=user.id, tenant_id=tenant_id, created_at=now(), expires_at=expires))
    return IssuedToken(token=token, user=user, tenant_id=tenant_id, expires_at=expires)


async def create_staff_user(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    username: str,
    display_name: str,
    password: str,
    phone: str | None = None,
    title: str | None = None,
) -> User:
    """A staff account in ``tenant_id`` (roles are granted separately); names and phones are unique."""
    if phone and phone_problem(phone):
        raise invalid("phone", phone_problem(phone) or "")
    if await session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise conflict("username taken", errors=[{"field": "username", "message": "already taken"}])
    if phone and await session.scalar(select(User.id).where(User.phone == phone)):
        raise conflict("phone number taken", errors=[{"field": "phone", "message": "already taken"}])
    user = User(username=username, display_name=display_name, password_hash=hash_password(password), phone=phone)
    session.add(user)
    await session.flush()
    session.add(Membership(user_id=user.id, tenant_id=tenant_id, title=title, is_default=True))
    await session.flush()
    return user


async def revoke_token(session: AsyncSession, token: str) -> None:
    row = await session.get(AuthToken, token_digest(token))
    if row is not None:
        row.revoked = True


async def token_owner(session: AsyncSession, token: str) -> tuple[User, uuid.UUID | None] | None:
    """The live token's user and tenant, or None when unknown, expired or revoked."""
    row = await session.get(AuthToken, token_digest(token))
    if row is None or row.revoked or row.expires_at <= now():
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row.tenant_id
