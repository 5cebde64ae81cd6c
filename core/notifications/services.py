"""Notification rules: write inbox items and pending deliveries with the change; send them from a job.

:func:`notify` never sends: it adds rows in the caller's transaction, so a
notification exists exactly when the change that caused it was committed.
:func:`deliver_pending` is what the delivery job calls; it sends each due
delivery in a transaction of its own, holding the row with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL so that two workers never send the same message, and
retries failures with back-off until :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.db import Database, Scope
from core.ids import uuid7
from core.notifications.channels import INBOX, Channel, mask_address
from core.notifications.models import Delivery, Notification, NotificationPreference
from core.pagination import paginate
from core.problems import invalid, not_found
from core.validators import phone_problem

log = logging.getLogger("redprop.notifications")

MAX_ATTEMPTS = 5
RETRY_BASE = dt.timedelta(minutes=1)
TITLE_MAX = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 1, 4, 16, 64 minutes."""
    return RETRY_BASE * 4 ** (attempts - 1)


# --------------------------------------------------------------------------- writing


def _title(title: str) -> str:
    # titles often quote what a resident typed; cut rather than fail the change that notifies
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


async def notify(
    session: AsyncSession,
    user_ids: Iterable[uuid.UUID],
    kind: str,
    title: str,
    body: str,
    link: str | None = None,
    channels: Sequence[str] = (INBOX,),
    tenant_id: uuid.UUID | None = None,
    compound_id: uuid.UUID | None = None,
) -> list[Notification]:
    """Add an inbox item per user and a pending delivery per other channel the user has enabled.

    The inbox item is always written. ``channels`` names the extra channels
    worth using for this kind of message (e.g. ``("inbox", "sms")`` for an
    urgent repair); a user without an enabled address on one simply gets none.
    """
    users = list(dict.fromkeys(user_ids))
    wanted = [c for c in dict.fromkeys(channels) if c != INBOX]
    items = [
        Notification(
            id=uuid7(),
            user_id=u,
            tenant_id=tenant_id,
            compound_id=compound_id,
            kind=kind,
            title=_title(title),
            body=body,
            link=link,
            created_at=now(),
        )
        for u in users
    ]
    session.add_all(items)
    if not (wanted and users):
        return items
    prefs = (
        await session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_(users),
                NotificationPreference.channel.in_(wanted),
                NotificationPreference.enabled.is_(True),
            )
        )
    ).all()
    by_user: dict[uuid.UUID, list[NotificationPreference]] = {}
    for pref in prefs:
        by_user.setdefault(pref.user_id, []).append(pref)
    await session.flush()  # the inbox rows first: deliveries reference them and there is no relationship() to order the inserts
    moment = now()
    for item in items:
        for pref in sorted(by_user.get(item.user_id, []), key=lambda p: wanted.index(p.channel)):
            session.add(
                Delivery(notification_id=item.id, channel=pref.channel, address=pref.address, next_attempt_at=moment, created_at=moment)
            )
    return items


# --------------------------------------------------------------------------- the inbox


async def inbox(
    session: AsyncSession, user_id: uuid.UUID, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Notification], int]:
    """The user's notifications, newest first, and how many there are."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return await paginate(session, stmt.order_by(Notification.created_at.desc(), Notification.id.desc()), limit, offset)


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    """How many of the user's notifications are unread (the header's count)."""
    stmt = select(func.count()).select_from(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def mark_read(session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """Mark one of the user's notifications read; someone else's is answered like a missing one."""
    item = await session.get(Notification, notification_id)
    if item is None or item.user_id != user_id:
        raise not_found("notification")
    if item.read_at is None:
        item.read_at = now()
    return item


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


# --------------------------------------------------------------------------- preferences


@dataclass(frozen=True)
class PreferenceChoice:
    channel: str
    address: str
    enabled: bool = True


def address_problem(channel: str, address: str) -> str | None:
    """Why ``address`` cannot be used on ``channel``, or None (channels without a known format accept any)."""
    if channel == "email" and not _EMAIL.match(address):
        return "must be an email address"
    if channel == "sms":
        return phone_problem(address)
    return None


async def preferences(session: AsyncSession, user_id: uuid.UUID) -> list[NotificationPreference]:
    return list(
        (
            await session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id == user_id).order_by(NotificationPreference.channel)
            )
        ).all()
    )


async def set_preferences(
    session: AsyncSession, user_id: uuid.UUID, choices: Sequence[PreferenceChoice], available: Iterable[str]
) -> list[NotificationPreference]:
    """Replace the user's channel addresses with ``choices``; checked whole before anything is written."""
    known = set(available) - {INBOX}
    seen: set[str] = set()
    for i, choice in enumerate(choices):
        if choice.channel not in known:
            raise invalid(f"items[{i}].channel", f"unknown channel {choice.channel!r}; available: {', '.join(sorted(known))}")
        if choice.channel in seen:
            raise invalid(f"items[{i}].channel", f"channel {choice.channel!r} is listed twice")
        seen.add(choice.channel)
        problem = address_problem(choice.channel, choice.address.strip())
        if problem:
            raise invalid(f"items[{i}].address", problem)
    current = {p.channel: p for p in await preferences(session, user_id)}
    if set(current) - seen:
        await session.execute(
            delete(NotificationPreference).where(NotificationPreference.user_id == user_id, NotificationPreference.channel.not_in(seen))
        )
    for choice in choices:
        row = current.get(choice.channel)
        if row is None:
            session.add(
                NotificationPreference(user_id=user_id, channel=choice.channel, address=choice.address.strip(), enabled=choice.enabled)
            )
        else:
            row.address, row.enabled = choice.address.strip(), choice.enabled
    await session.flush()
    return await preferences(session, user_id)


# --------------------------------------------------------------------------- sending (jobs only)


async def deliver_pending(db: Database, channels: Mapping[str, Channel], limit: int = 100) -> int:
    """Send up to ``limit`` due deliveries; returns how many were sent.

    One short transaction per delivery: a worker that dies mid-batch repeats
    at most the message it was sending, and the row lock is released as soon
    as its outcome is recorded.
    """
    sent = 0
    for _ in range(limit):
        # cross-scope: a delivery's notification may belong to any compound (row-level security, core_0007)
        async with db.transaction(Scope.everything("notification delivery")) as session:
            # SKIP LOCKED: a delivery another worker is sending is passed over, not waited for.
            # SQLite renders no FOR UPDATE; the embedded mode runs a single worker.
            stmt = (
                select(Delivery)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= now())
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            delivery = await session.scalar(stmt)
            if delivery is None:
                break
            item = await session.get(Notification, delivery.notification_id)
            sent += await _attempt(delivery, item, channels.get(delivery.channel))
    return sent


async def _attempt(delivery: Delivery, item: Notification | None, channel: Channel | None) -> int:
    delivery.attempts += 1
    try:
        if channel is None:
            raise LookupError(f"no channel named {delivery.channel!r} is installed")
        if item is None:
            raise LookupError("the notification no longer exists")
        await channel.send(delivery.address, item.title, item.body)
    except Exception as exc:  # any failure of a provider is recorded and retried, never raised into the job
        # providers quote the recipient in their errors (e.g. SMTPRecipientsRefused): mask it before storing or logging
        error = f"{type(exc).__name__}: {exc}".replace(delivery.address, mask_address(delivery.address))[:500]
        delivery.last_error = error
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now() + retry_delay(delivery.attempts)
        log.warning(
            "delivery %s via %s to %s failed (attempt %d of %d%s): %s",
            delivery.id,
            delivery.channel,
            mask_address(delivery.address),
            delivery.attempts,
            MAX_ATTEMPTS,
            ", giving up" if delivery.status == "failed" else "",
            error,
        )
        return 0
    delivery.status, delivery.sent_at, delivery.last_error = "sent", now(), None
    return 1


__all__ = [
    "notify",
    "inbox",
    "unread_count",
    "mark_read",
    "mark_all_read",
    "preferences",
    "set_preferences",
    "PreferenceChoice",
    "address_problem",
    "deliver_pending",
    "retry_delay",
    "MAX_ATTEMPTS",
]
