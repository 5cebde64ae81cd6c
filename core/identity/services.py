"""Login, lockout and bearer tokens: the rules, without HTTP."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.identity.models import AuthToken, LoginFailure, Membership, User
from core.problems import Problem, conflict, invalid
from core.security import address_index, blind_index, hash_password, new_token, token_digest, verify_password
from core.settings import get_settings
from core.validators import phone_problem

LOCKOUT_FAILURES = 5
"""Failures of one account (whatever identifier was typed) before the first delay."""
FIRST_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(minutes=30)
FAILURE_MEMORY = dt.timedelta(hours=24)
"""How long a failure counts; a successful login forgets the account's failures."""
SOURCE_FAILURES = 20
"""Failures from one source address (any accounts) before it is delayed the same way."""
SPRAY_ACCOUNTS = 10
SPRAY_WINDOW = dt.timedelta(minutes=15)
"""This many different accounts failing from one address within the window is reported as password spraying."""
SECURITY_ALERT = ("core.audit_all", "read")
"""Who is told about spraying: whoever reads every tenant's audit log (the platform's administrators)."""

log = logging.getLogger("redprop.security")


@dataclass
class IssuedToken:
    token: str
    user: User
    tenant_id: uuid.UUID | None
    expires_at: dt.datetime


def _invalid_credentials() -> Problem:
    # one answer for an unknown name and a wrong password: no hint which part was wrong
    return Problem(401, "invalid-credentials", "Invalid credentials", "the login name or the password is wrong")


def delay_after(failures: int, threshold: int = LOCKOUT_FAILURES) -> dt.timedelta | None:
    """The wait after ``failures`` recent failures: none below ``threshold``, then one minute, doubling, capped."""
    if failures < threshold:
        return None
    return min(FIRST_DELAY * 2 ** min(failures - threshold, 16), MAX_DELAY)


async def _delayed_until(session: AsyncSession, where, threshold: int) -> dt.datetime | None:
    moment = now()
    rows = (
        await session.scalars(
            select(LoginFailure.at)
            .where(where, LoginFailure.at > moment - FAILURE_MEMORY)
            .order_by(LoginFailure.at.desc())
            .limit(threshold + 8)  # enough to reach the cap
        )
    ).all()
    wait = delay_after(len(rows), threshold)
    if wait is None or rows[0] + wait <= moment:
        return None
    return rows[0] + wait


async def _alert_on_spraying(session: AsyncSession, source: str) -> None:
    """Warn once when the failures from ``source`` reach :data:`SPRAY_ACCOUNTS` different accounts in the window.

    The alert names the address (the request's, in memory): whoever answers it may block it; the table keeps its hash.
    """
    pairs = (
        await session.execute(
            select(LoginFailure.user_id, LoginFailure.login)
            .where(LoginFailure.source == address_index(source), LoginFailure.at > now() - SPRAY_WINDOW)
            .distinct()
            .limit(SPRAY_ACCOUNTS * 4)
        )
    ).all()
    accounts = {str(user_id) if user_id else login for user_id, login in pairs}
    if len(accounts) != SPRAY_ACCOUNTS:
        return
    minutes = int(SPRAY_WINDOW.total_seconds() // 60)
    log.warning("password spraying suspected: %d accounts failed to log in from %s within %d minutes", len(accounts), source, minutes)
    from core.authz.holders import tenant_wide_holders
    from core.notifications.services import notify

    await notify(
        session,
        await tenant_wide_holders(session, *SECURITY_ALERT),
        "core.login.spraying_detected",
        "疑似密码喷洒攻击 / Password spraying suspected",
        f"{minutes} 分钟内来自 {source} 的登录在 {len(accounts)} 个不同账号上失败；该地址已被逐步延迟。"
        f" / Logins from {source} failed on {len(accounts)} different accounts within {minutes} minutes; the address is being delayed.",
    )


def login_index(key: str) -> str:
    """What ``login_failures.login`` keeps of the string typed (often a phone number): a keyed hash, compared only."""
    return blind_index("login:" + key)


def source_address(request) -> str | None:
    """The address a request came from (the peer; a trusted proxy's forwarding is the deployment's concern)."""
    client = getattr(request, "client", None)
    return client.host[:64] if client and client.host else None


async def authenticate_password(session: AsyncSession, login: str, password: str, source: str | None = None) -> User:
    """The user with this username or phone and password; records failures and delays repeated ones.

    Failures count per account (a username and a phone of the same user add up;
    an unknown name counts by the string typed, so answers do not tell whether
    an account exists) and per ``source`` address. Past the thresholds each
    further attempt waits longer (:func:`delay_after`) — a delay, never a hard
    lock, so nobody can shut an administrator out for good. Failures are
    committed even though the caller answers with an error.
    """
    key = login.strip().lower()[:64]
    typed = login_index(key)
    user = await session.scalar(select(User).where(or_(func.lower(User.username) == key, User.phone == key)))
    account = LoginFailure.user_id == user.id if user is not None else LoginFailure.login == typed
    until = await _delayed_until(session, account, LOCKOUT_FAILURES)
    if source:
        by_source = await _delayed_until(session, LoginFailure.source == address_index(source), SOURCE_FAILURES)
        until = max(filter(None, (until, by_source)), default=None)
    if until is not None:
        raise Problem(
            429,
            "login-locked",
            "Too many failed logins",
            f"too many failed logins; try again after {until.isoformat()}",
            retry_after=until.isoformat(),
        )
    ok = verify_password(user.password_hash if user else None, password)  # a dummy hash when there is no user: the same work
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(login=typed, user_id=user.id if user else None, source=address_index(source), at=now()))
        await session.flush()
        if source:
            await _alert_on_spraying(session, source)
        await session.commit()
        raise _invalid_credentials()
    await session.execute(delete(LoginFailure).where(or_(LoginFailure.user_id == user.id, LoginFailure.login == typed)))
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


async def token_owner(session: AsyncSession, token: str) -> tuple[User, uuid.UUID | None, dt.datetime] | None:
    """The live token's user, tenant and expiry, or None when unknown, expired or revoked."""
    found = (
        await session.execute(
            select(AuthToken, User).join(User, User.id == AuthToken.user_id).where(AuthToken.digest == token_digest(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked or row.expires_at <= now() or not user.is_active:
        return None
    return user, row.tenant_id, row.expires_at
