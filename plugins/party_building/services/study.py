"""Study and training sessions (思想引领) and study hours."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.problems import conflict, invalid, not_found
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.members import (
    members_query,
    serving_organisation,
)
from plugins.party_building.services.targets import check_decimal

# --------------------------------------------------------------------------- study and training (思想引领)


async def create_study_session(session: AsyncSession, compound_id: uuid.UUID, data: s.StudySessionIn, today: dt.date) -> m.StudySession:
    check_decimal(data.hours, "hours", Decimal(0), Decimal(24), low_included=False)
    if data.hours.as_tuple().exponent < -1:  # type: ignore[operator]
        raise invalid("hours", "at most one decimal place")
    if data.organisation_id is not None:
        await serving_organisation(session, compound_id, data.organisation_id, "organisation_id")
    if data.member_ids and data.held_on > today:
        raise invalid("member_ids", "attendance is recorded once the session has taken place")
    members = list(dict.fromkeys(data.member_ids))
    if members:
        found = set(
            (
                await session.scalars(
                    select(m.PartyMember.id).where(m.PartyMember.compound_id == compound_id, m.PartyMember.id.in_(members))
                )
            ).all()
        )
        if len(found) != len(members):
            raise invalid("member_ids", "not party members of this compound")
    row = m.StudySession(
        compound_id=compound_id,
        organisation_id=data.organisation_id,
        title=data.title,
        topic=data.topic,
        held_on=data.held_on,
        hours=data.hours,
    )
    session.add(row)
    await session.flush()
    session.add_all([m.StudyAttendance(compound_id=compound_id, session_id=row.id, member_id=mid, hours=data.hours) for mid in members])
    await session.flush()
    return row


async def record_attendance(
    session: AsyncSession, compound_id: uuid.UUID, session_id: uuid.UUID, member_ids: list[uuid.UUID], today: dt.date
) -> int:
    study = await session.get(m.StudySession, (compound_id, session_id))
    if study is None:
        raise not_found("study session")
    if study.held_on > today:
        raise conflict("attendance is recorded once the session has taken place")
    wanted = list(dict.fromkeys(member_ids))
    found = (
        set(
            (
                await session.scalars(
                    select(m.PartyMember.id).where(m.PartyMember.compound_id == compound_id, m.PartyMember.id.in_(wanted))
                )
            ).all()
        )
        if wanted
        else set()
    )
    if not wanted or len(found) != len(wanted):
        raise invalid("member_ids", "choose party members of this compound")
    present = set(
        (
            await session.scalars(
                select(m.StudyAttendance.member_id).where(
                    m.StudyAttendance.compound_id == compound_id, m.StudyAttendance.session_id == study.id
                )
            )
        ).all()
    )
    new = [mid for mid in wanted if mid not in present]
    session.add_all([m.StudyAttendance(compound_id=compound_id, session_id=study.id, member_id=mid, hours=study.hours) for mid in new])
    await session.flush()
    return len(new)


async def study_sessions(session: AsyncSession, compound_id: uuid.UUID) -> list[s.StudySessionOut]:
    counts = dict(
        (
            await session.execute(
                select(m.StudyAttendance.session_id, func.count())
                .where(m.StudyAttendance.compound_id == compound_id)
                .group_by(m.StudyAttendance.session_id)
            )
        ).all()
    )
    rows = (
        await session.scalars(
            select(m.StudySession).where(m.StudySession.compound_id == compound_id).order_by(m.StudySession.held_on.desc())
        )
    ).all()
    return [
        s.StudySessionOut(
            id=r.id,
            compound_id=r.compound_id,
            title=r.title,
            held_on=r.held_on,
            hours=r.hours,
            topic=r.topic,
            organisation_id=r.organisation_id,
            attendees=int(counts.get(r.id, 0)),
        )
        for r in rows
    ]


async def study_hours(session: AsyncSession, compound_id: uuid.UUID, year: int) -> list[s.StudyHoursOut]:
    """Hours per member in a year (every current member, with zero for those who attended nothing)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    rows = (
        await session.execute(
            select(m.StudyAttendance.member_id, m.StudyAttendance.hours)
            .join(
                m.StudySession,
                (m.StudySession.compound_id == m.StudyAttendance.compound_id) & (m.StudySession.id == m.StudyAttendance.session_id),
            )
            .where(m.StudyAttendance.compound_id == compound_id, m.StudySession.held_on >= start, m.StudySession.held_on < end)
        )
    ).all()
    totals: dict[uuid.UUID, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for mid, hours in rows:
        totals[mid][0] += 1
        totals[mid][1] += hours
    members = (await session.scalars(members_query(compound_id))).all()
    return [s.StudyHoursOut(member_id=p.id, name=p.name, year=year, sessions=totals[p.id][0], hours=totals[p.id][1]) for p in members]


async def study_hours_per_member(session: AsyncSession, compound_id: uuid.UUID, start: dt.date, end: dt.date) -> Decimal | None:
    members = int(
        await session.scalar(
            select(func.count()).select_from(m.PartyMember).where(m.PartyMember.compound_id == compound_id, m.PartyMember.left_on.is_(None))
        )
        or 0
    )
    if not members:
        return None
    hours = (
        await session.scalars(
            select(m.StudyAttendance.hours)
            .join(
                m.StudySession,
                (m.StudySession.compound_id == m.StudyAttendance.compound_id) & (m.StudySession.id == m.StudyAttendance.session_id),
            )
            .where(m.StudyAttendance.compound_id == compound_id, m.StudySession.held_on >= start, m.StudySession.held_on < end)
        )
    ).all()
    return (sum(hours, Decimal(0)) / members).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
