"""Disclosure (公开): drafts, publication periods, versions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import now
from core.context import RequestContext
from core.events.services import emit
from core.problems import invalid, not_found
from core.states import StateMachine
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    given,
)

# --------------------------------------------------------------------------- disclosure (公开)

DISCLOSURE = StateMachine(
    "disclosure", {"draft": {"publish": "published"}, "published": {"withdraw": "withdrawn"}, "withdrawn": {"publish": "published"}}
)
"""A draft is published; a published item is withdrawn (its history stays) and may be published again."""
ACTION_TO = {"published": "publish", "withdrawn": "withdraw"}


def _check_period(publish_from: dt.date, publish_until: dt.date | None) -> None:
    if publish_until is not None and publish_until < publish_from:
        raise invalid("publish_until", "the publication ends before it starts")


def is_visible(row: m.Disclosure, today: dt.date) -> bool:
    """Residents see a published item within its publication period (both ends inclusive)."""
    return row.status == "published" and row.publish_from <= today and (row.publish_until is None or today <= row.publish_until)


def _version(row: m.Disclosure, user_id: uuid.UUID | None) -> m.DisclosureVersion:
    return m.DisclosureVersion(
        compound_id=row.compound_id,
        disclosure_id=row.id,
        version=row.version,
        category=row.category,
        title=row.title,
        body=row.body,
        publish_from=row.publish_from,
        publish_until=row.publish_until,
        status=row.status,
        changed_by=user_id,
    )


async def create_disclosure(ctx: RequestContext, compound_id: uuid.UUID, data: s.DisclosureIn) -> m.Disclosure:
    session = ctx.session
    _check_period(data.publish_from, data.publish_until)
    row = m.Disclosure(
        compound_id=compound_id,
        category=data.category,
        title=data.title,
        body=data.body,
        publish_from=data.publish_from,
        publish_until=data.publish_until,
        status="published" if data.publish else "draft",
        version=1,
        published_at=now() if data.publish else None,
    )
    session.add(row)
    await session.flush()
    session.add(_version(row, ctx.user_id))
    await session.flush()
    if data.publish:
        _emit_published(session, row)
    return row


async def update_disclosure(ctx: RequestContext, compound_id: uuid.UUID, disclosure_id: uuid.UUID, data: s.DisclosurePatch) -> m.Disclosure:
    """A correction is a new version; the old ones stay in the history."""
    session = ctx.session
    row = await get_disclosure(session, compound_id, disclosure_id)
    changed = given(data)
    if not changed:
        raise invalid("form", "nothing to change")
    _check_period(data.publish_from or row.publish_from, data.publish_until if data.publish_until is not None else row.publish_until)
    for key in changed:
        setattr(row, key, getattr(data, key))
    row.version += 1
    session.add(_version(row, ctx.user_id))
    await session.flush()
    return row


async def set_disclosure_status(ctx: RequestContext, compound_id: uuid.UUID, disclosure_id: uuid.UUID, status: str) -> m.Disclosure:
    session = ctx.session
    row = await get_disclosure(session, compound_id, disclosure_id)
    row.status = DISCLOSURE.next(row.status, ACTION_TO[status])
    if status == "published":
        row.published_at = now()
    row.version += 1
    session.add(_version(row, ctx.user_id))
    await session.flush()
    if status == "published":
        _emit_published(session, row)
    return row


def _emit_published(session: AsyncSession, row: m.Disclosure) -> None:
    emit(
        session,
        "party_building.disclosure.published",
        {
            "disclosure_id": str(row.id),
            "category": row.category,
            "title": row.title,
            "version": row.version,
            "publish_from": row.publish_from.isoformat(),
            "publish_until": row.publish_until.isoformat() if row.publish_until else None,
        },
        compound_id=row.compound_id,
    )


async def get_disclosure(session: AsyncSession, compound_id: uuid.UUID, disclosure_id: uuid.UUID) -> m.Disclosure:
    row = await session.get(m.Disclosure, (compound_id, disclosure_id))
    if row is None:
        raise not_found("disclosure")
    return row


async def disclosure_out(session: AsyncSession, row: m.Disclosure, today: dt.date, *, history: bool = False) -> s.DisclosureOut:
    versions = []
    if history:
        versions = [
            s.DisclosureVersionOut(
                version=v.version,
                title=v.title,
                status=v.status,
                publish_from=v.publish_from,
                publish_until=v.publish_until,
                created_at=v.created_at,
            )
            for v in (
                await session.scalars(
                    select(m.DisclosureVersion)
                    .where(m.DisclosureVersion.compound_id == row.compound_id, m.DisclosureVersion.disclosure_id == row.id)
                    .order_by(m.DisclosureVersion.version.desc())
                )
            ).all()
        ]
    return s.DisclosureOut(
        id=row.id,
        compound_id=row.compound_id,
        category=row.category,
        title=row.title,
        body=row.body,
        publish_from=row.publish_from,
        publish_until=row.publish_until,
        status=row.status,
        version=row.version,
        published_at=row.published_at,
        visible=is_visible(row, today),
        history=versions,
    )


def disclosures_query(compound_id: uuid.UUID, *, category: str | None = None, status: str | None = None):
    stmt = select(m.Disclosure).where(m.Disclosure.compound_id == compound_id).order_by(m.Disclosure.publish_from.desc(), m.Disclosure.id)
    if category:
        stmt = stmt.where(m.Disclosure.category == category)
    if status:
        stmt = stmt.where(m.Disclosure.status == status)
    return stmt


async def visible_disclosures(session: AsyncSession, compound_id: uuid.UUID, today: dt.date) -> list[m.Disclosure]:
    rows = (
        await session.scalars(
            disclosures_query(compound_id, status="published").where(
                m.Disclosure.publish_from <= today,
                or_(m.Disclosure.publish_until.is_(None), m.Disclosure.publish_until >= today),
            )
        )
    ).all()
    return list(rows)
