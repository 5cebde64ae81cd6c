"""Responsibility lists (责任清单) of the organisations and their completions per period."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy import select

from core.context import RequestContext
from core.problems import conflict, invalid, not_found
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    period_bounds,
    period_label,
)
from plugins.party_building.services.organisations import (
    get_organisation,
    visible_organisation_ids,
)

# --------------------------------------------------------------------------- responsibility lists (责任清单)


async def create_responsibility(ctx: RequestContext, data: s.ResponsibilityIn) -> m.Responsibility:
    session = ctx.session
    org = await get_organisation(ctx, data.organisation_id, owned=True)
    row = m.Responsibility(
        tenant_id=org.tenant_id, organisation_id=org.id, role=data.role, title=data.title, description=data.description, period=data.period
    )
    session.add(row)
    await session.flush()
    return row


async def record_completion(
    ctx: RequestContext, responsibility_id: uuid.UUID, data: s.CompletionIn, today: dt.date
) -> m.ResponsibilityRecord:
    session = ctx.session
    item = await session.get(m.Responsibility, responsibility_id)
    if item is None:
        raise not_found("responsibility")
    await get_organisation(ctx, item.organisation_id, owned=True)
    if data.completed_on > today:
        raise invalid("completed_on", "must not be in the future")
    label = data.period_label or period_label(data.completed_on, item.period)
    if label != period_label(data.completed_on, item.period) and item.period != "once":
        try:
            start, end = _label_bounds(label, item.period)
        except ValueError:
            raise invalid("period_label", f"not a {item.period} like {period_label(today, item.period)}") from None
        if data.completed_on < start:
            raise invalid("completed_on", "a period's work is completed within or after it")
    if await session.scalar(
        select(m.ResponsibilityRecord.id).where(
            m.ResponsibilityRecord.responsibility_id == item.id, m.ResponsibilityRecord.period_label == label
        )
    ):
        raise conflict(f"completion for {label} is already recorded", errors=[{"field": "period_label", "message": "already recorded"}])
    row = m.ResponsibilityRecord(
        tenant_id=item.tenant_id,
        responsibility_id=item.id,
        period_label=label,
        completed_on=data.completed_on,
        note=data.note,
        recorded_by=ctx.user_id,
    )
    session.add(row)
    await session.flush()
    return row


def _label_bounds(label: str, period: str) -> tuple[dt.date, dt.date]:
    if period == "month":
        day = dt.date(int(label[:4]), int(label[5:7]), 1) if len(label) == 7 and label[4] == "-" else None
    elif period == "quarter":
        day = (
            dt.date(int(label[:4]), (int(label[6]) - 1) * 3 + 1, 1)
            if len(label) == 7 and label[4:6] == "-Q" and label[6] in "1234"
            else None
        )
    else:
        day = dt.date(int(label), 1, 1) if len(label) == 4 else None
    if day is None:
        raise ValueError(label)
    return period_bounds(day, period)


async def responsibilities(ctx: RequestContext, today: dt.date, organisation_id: uuid.UUID | None = None) -> list[s.ResponsibilityOut]:
    session = ctx.session
    visible = await visible_organisation_ids(ctx)
    stmt = (
        select(m.Responsibility, m.PartyOrganisation.name)
        .join(m.PartyOrganisation, m.PartyOrganisation.id == m.Responsibility.organisation_id)
        .where(m.Responsibility.active.is_(True))
        .order_by(m.PartyOrganisation.name, m.Responsibility.role, m.Responsibility.title)
    )
    if visible is not None:
        stmt = stmt.where(m.Responsibility.organisation_id.in_(visible))
    if organisation_id:
        stmt = stmt.where(m.Responsibility.organisation_id == organisation_id)
    rows = (await session.execute(stmt)).all()
    records = (
        (
            await session.scalars(
                select(m.ResponsibilityRecord)
                .where(m.ResponsibilityRecord.responsibility_id.in_([r.id for r, _ in rows]))
                .order_by(m.ResponsibilityRecord.completed_on.desc())
            )
        ).all()
        if rows
        else []
    )
    by_item: dict[uuid.UUID, list[m.ResponsibilityRecord]] = defaultdict(list)
    for rec in records:
        by_item[rec.responsibility_id].append(rec)
    out = []
    for r, org_name in rows:
        current = period_label(today, r.period)
        done = [c for c in by_item[r.id]]
        out.append(
            s.ResponsibilityOut(
                id=r.id,
                organisation_id=r.organisation_id,
                organisation_name=org_name,
                role=r.role,
                title=r.title,
                description=r.description,
                period=r.period,
                current_period=current,
                done_this_period=any(c.period_label == current for c in done),
                completions=[s.CompletionOut(period_label=c.period_label, completed_on=c.completed_on, note=c.note) for c in done[:12]],
            )
        )
    return out
