"""The owners' committee's terms (业主委员会任期): no two terms of a compound overlap; a term may be filled from a
closed, passed ``elect_committee`` vote (co_building's, known here only through its ``co_building.vote.closed``
event, kept in :class:`CommitteeElection`); a term ending within :data:`EXPIRY_NOTICE` is flagged once to the
district and its community (whoever holds ``tenants.committee:oversee`` in the district).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, String, UniqueConstraint, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.db import Base, CompoundScoped, Scope, UTCDateTime
from core.jobs.runtime import Job
from core.problems import conflict, invalid
from tenants.models import Compound, OwnersCommittee

EXPIRY_NOTICE = dt.timedelta(days=90)
ELECTION_MATTER = "elect_committee"
VOTE_CLOSED = "co_building.vote.closed"


class CommitteeElection(CompoundScoped, Base):
    """A closed ``elect_committee`` vote, as its event told it: the projection a term is filled from."""

    __tablename__ = "committee_elections"
    __table_args__ = (UniqueConstraint("compound_id", "vote_id"),)

    vote_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    passed: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


MODELS = [CommitteeElection]


# --------------------------------------------------------------------------- the election's projection


def react(event: dict):
    """``redprop_handle_event``: remember a closed ``elect_committee`` vote (idempotent by the vote's id)."""
    if event.get("type") != VOTE_CLOSED or (event.get("payload") or {}).get("matter") != ELECTION_MATTER:
        return None
    payload, compound_id = event["payload"], uuid.UUID(str(event["compound_id"]))
    occurred = event.get("occurred_at")

    async def remember_election(session: AsyncSession) -> None:
        vote_id = uuid.UUID(str(payload["vote_id"]))
        if await session.scalar(
            select(CommitteeElection.id).where(CommitteeElection.compound_id == compound_id, CommitteeElection.vote_id == vote_id)
        ):
            return
        closed_at = dt.datetime.fromisoformat(occurred) if isinstance(occurred, str) else (occurred or now())
        session.add(
            CommitteeElection(
                compound_id=compound_id,
                vote_id=vote_id,
                title=str(payload.get("title", ""))[:200],
                passed=bool(payload.get("passed")),
                closed_at=closed_at,
            )
        )
        await session.flush()

    return remember_election


# --------------------------------------------------------------------------- terms


async def check_term(
    session: AsyncSession, compound_id: uuid.UUID, term_start: dt.date, term_end: dt.date, source_vote_id: uuid.UUID | None
) -> CommitteeElection | None:
    """The rules of a new term: it ends after it starts, overlaps no other term of the compound, and a vote it is
    filled from is a passed ``elect_committee`` vote of the compound not used by another term."""
    if term_end <= term_start:
        raise invalid("term_end", "must be after term_start")
    clash = await session.scalar(
        select(OwnersCommittee)
        .where(OwnersCommittee.compound_id == compound_id, OwnersCommittee.term_start < term_end, OwnersCommittee.term_end > term_start)
        .limit(1)
    )
    if clash is not None:
        raise conflict(
            f"the term overlaps the term {clash.term_start.isoformat()} – {clash.term_end.isoformat()} of this compound",
            errors=[{"field": "term_start", "message": "overlaps another term of this compound"}],
        )
    if source_vote_id is None:
        return None
    election = await session.scalar(
        select(CommitteeElection).where(CommitteeElection.compound_id == compound_id, CommitteeElection.vote_id == source_vote_id)
    )
    if election is None:
        raise invalid("source_vote_id", "not a closed owners' committee election of this compound")
    if not election.passed:
        raise invalid("source_vote_id", "the election did not pass")
    if await session.scalar(
        select(OwnersCommittee.id).where(OwnersCommittee.compound_id == compound_id, OwnersCommittee.source_vote_id == source_vote_id)
    ):
        raise conflict("this election already filled a term", errors=[{"field": "source_vote_id", "message": "already used"}])
    return election


async def elections(session: AsyncSession, compound_id: uuid.UUID) -> list[CommitteeElection]:
    """Closed elections of the compound, newest first (what a term may be filled from)."""
    return list(
        (
            await session.scalars(
                select(CommitteeElection)
                .where(CommitteeElection.compound_id == compound_id)
                .order_by(CommitteeElection.closed_at.desc())
                .limit(50)
            )
        ).all()
    )


# --------------------------------------------------------------------------- expiry


async def flag_expiring_terms(session: AsyncSession, today: dt.date | None = None) -> int:
    """Tell the district (and its community) once about every term ending within :data:`EXPIRY_NOTICE` of today —
    each compound's own today (its zone), unless ``today`` is given."""
    from core.access import compounds_today
    from core.authz.holders import holders
    from core.notifications.services import notify

    around = today or now().date()  # every zone's today is within a day of UTC's
    rows = (
        await session.execute(
            select(OwnersCommittee, Compound.name, Compound.district_tenant_id)
            .join(Compound, Compound.id == OwnersCommittee.compound_id)
            .where(
                OwnersCommittee.expiry_flagged_at.is_(None),
                OwnersCommittee.term_end >= around - dt.timedelta(days=1),
                OwnersCommittee.term_end <= around + EXPIRY_NOTICE + dt.timedelta(days=1),
            )
            .order_by(OwnersCommittee.term_end)
        )
    ).all()
    local = (
        {c: today for c in {r[0].compound_id for r in rows}} if today else await compounds_today(session, [r[0].compound_id for r in rows])
    )
    rows = [r for r in rows if local[r[0].compound_id] <= r[0].term_end <= local[r[0].compound_id] + EXPIRY_NOTICE]
    moment = now()
    for committee, name, district_id in rows:
        days = (committee.term_end - local[committee.compound_id]).days
        recipients = await holders(session, "tenants.committee", "oversee", committee.compound_id, tenant_ids=[district_id])
        await notify(
            session,
            recipients,
            "tenants.committee.expiring",
            f"{name}业主委员会任期将于 {committee.term_end.isoformat()} 届满 / Owners' committee term ends {committee.term_end.isoformat()}",
            f"{name}业主委员会本届任期 {committee.term_start.isoformat()} 至 {committee.term_end.isoformat()}，还有 {days} 天届满，请指导筹备换届选举。"
            f" / The owners' committee of {name} ends its term in {days} days; please guide the next election.",
            link=f"/console/compounds/{committee.compound_id}/committee",
            tenant_id=district_id,
            compound_id=committee.compound_id,
        )
        committee.expiry_flagged_at = moment
    await session.flush()
    return len(rows)


async def _flag_expiring(runtime) -> int:
    async with runtime.database().transaction(Scope.everything("committee terms nearing their end")) as session:
        return await flag_expiring_terms(session)


flag_expiring_job = Job("tenants.flag_committee_expiry", _flag_expiring)
