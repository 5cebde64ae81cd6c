"""The rules register (制度, standard §4): versions with effective dates, draft → published → superseded, and what
residents see — the version in force today of each rule, with its published history."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import compound_today
from core.clock import now
from core.ids import uuid7
from core.problems import conflict, invalid, not_found
from core.states import StateMachine
from plugins.co_building.models.rules import RuleVersion
from plugins.co_building.schemas import rules as s

RULE_VERSIONS = StateMachine(
    "rule version", {"draft": {"publish": "published"}, "published": {"supersede": "superseded"}, "superseded": {}}
)
"""A draft is published; a published version is superseded when a later one is published (its last day is set)."""
PUBLIC = ("published", "superseded")


async def create_rule(session: AsyncSession, compound_id: uuid.UUID, user_id: uuid.UUID, data: s.RuleIn) -> RuleVersion:
    """A new rule of the compound: its first version, a draft."""
    row = RuleVersion(
        compound_id=compound_id,
        kind=data.kind,
        title=data.title.strip(),
        body=data.body,
        level="compound",
        series_id=uuid7(),
        version=1,
        effective_from=data.effective_from,
        status="draft",
        created_by_user_id=user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def _series(session: AsyncSession, compound_id: uuid.UUID, series_id: uuid.UUID) -> list[RuleVersion]:
    rows = (
        await session.scalars(
            select(RuleVersion)
            .where(RuleVersion.compound_id == compound_id, RuleVersion.series_id == series_id)
            .order_by(RuleVersion.version)
        )
    ).all()
    if not rows:
        raise not_found("rule")
    return list(rows)


async def add_version(
    session: AsyncSession, compound_id: uuid.UUID, series_id: uuid.UUID, user_id: uuid.UUID, data: s.RuleVersionIn
) -> RuleVersion:
    """The next version of a rule, a draft (one draft at a time)."""
    rows = await _series(session, compound_id, series_id)
    if any(r.status == "draft" for r in rows):
        raise conflict("the rule has a draft version already: publish or change it first", series_id=str(series_id))
    last = rows[-1]
    row = RuleVersion(
        compound_id=compound_id,
        kind=last.kind,
        title=(data.title or last.title).strip(),
        body=data.body,
        level=last.level,
        series_id=series_id,
        version=last.version + 1,
        effective_from=data.effective_from,
        status="draft",
        created_by_user_id=user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def publish_version(session: AsyncSession, compound_id: uuid.UUID, version_id: uuid.UUID) -> RuleVersion:
    """Publish a draft: it takes effect on its date and the version published before it ends the day before. A
    version must take effect after the previous one did (else 422 naming ``effective_from``)."""
    row = await session.get(RuleVersion, (compound_id, version_id))
    if row is None:
        raise not_found("rule version")
    target = RULE_VERSIONS.next(row.status, "publish")
    rows = await _series(session, compound_id, row.series_id)
    previous = [r for r in rows if r.status == "published" and r.id != row.id]
    for p in previous:
        if row.effective_from <= p.effective_from:
            raise invalid(
                "effective_from",
                f"must be after {p.effective_from.isoformat()}, when version {p.version} took effect (versions may not overlap)",
            )
    for p in previous:
        p.status = RULE_VERSIONS.next(p.status, "supersede")
        p.effective_until = row.effective_from - dt.timedelta(days=1)
    row.status, row.published_at = target, now()
    await session.flush()
    return row


def in_force(row: RuleVersion, today: dt.date) -> bool:
    return row.status in PUBLIC and row.effective_from <= today and (row.effective_until is None or today <= row.effective_until)


def version_out(row: RuleVersion, today: dt.date) -> s.RuleVersionOut:
    return s.RuleVersionOut(
        id=row.id,
        series_id=row.series_id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        level=row.level,
        version=row.version,
        effective_from=row.effective_from,
        effective_until=row.effective_until,
        status=row.status,
        in_force=in_force(row, today),
        published_at=row.published_at,
    )


def versions_query(compound_id: uuid.UUID, *, public_only: bool):
    stmt = select(RuleVersion).where(RuleVersion.compound_id == compound_id)
    if public_only:
        stmt = stmt.where(RuleVersion.status.in_(PUBLIC))
    return stmt.order_by(RuleVersion.kind, RuleVersion.series_id, RuleVersion.version.desc(), RuleVersion.id)


async def today_of(session: AsyncSession, compound_id: uuid.UUID) -> dt.date:
    return await compound_today(session, compound_id)


async def register(session: AsyncSession, compound_id: uuid.UUID) -> list[s.RuleOut]:
    """What residents see: each rule's version in force today (or none yet) with its published history, in one query."""
    today = await today_of(session, compound_id)
    rows = (await session.scalars(versions_query(compound_id, public_only=True))).all()
    series: dict[uuid.UUID, list[RuleVersion]] = {}
    for r in rows:
        series.setdefault(r.series_id, []).append(r)
    out = []
    for versions in series.values():
        current = next((v for v in versions if in_force(v, today)), None)
        head = current or versions[0]
        out.append(
            s.RuleOut(
                series_id=head.series_id,
                kind=head.kind,
                title=head.title,
                in_force=version_out(current, today) if current else None,
                history=[version_out(v, today) for v in versions],
            )
        )
    return out


# --------------------------------------------------------------------------- community-level rules
# A community's rule (e.g. its residents' convention) is written once and stored as one row per compound of the
# community where co_building is on, sharing ``series_id`` and ``level = "community"``: every row stays under its own
# compound's row-level security (no table without a compound, no wider policy), and residents read it with their
# compound's other rules. A compound registered in the community later gets the community's rules from their next
# version on.


async def community_compounds(session: AsyncSession, community_id: uuid.UUID) -> list[uuid.UUID]:
    """The compounds of the community the caller reaches where co_building is on (two statements)."""
    from core.access import rules as access_rules
    from tenants.models import Compound

    ids = list((await session.scalars(select(Compound.id).where(Compound.community_id == community_id).order_by(Compound.id))).all())
    states = await access_rules().module_states(session, ids, ["co_building"]) if ids else {}
    reached = [c for c in ids if states.get(c, {}).get("co_building", (False, ""))[0]]
    if not reached:
        raise invalid("community_id", "no compound of this community that you reach has co_building")
    return reached


async def create_community_rule(session: AsyncSession, user_id: uuid.UUID, data: s.CommunityRuleIn) -> list[RuleVersion]:
    compounds = await community_compounds(session, data.community_id)
    series = uuid7()
    rows = [
        RuleVersion(
            compound_id=c,
            kind=data.kind,
            title=data.title.strip(),
            body=data.body,
            level="community",
            series_id=series,
            version=1,
            effective_from=data.effective_from,
            status="draft",
            created_by_user_id=user_id,
        )
        for c in compounds
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def _community_series(session: AsyncSession, series_id: uuid.UUID) -> list[RuleVersion]:
    rows = list(
        (
            await session.scalars(
                select(RuleVersion)
                .where(RuleVersion.series_id == series_id, RuleVersion.level == "community")
                .order_by(RuleVersion.version)
            )
        ).all()
    )
    if not rows:
        raise not_found("community rule")
    return rows


async def add_community_version(
    session: AsyncSession, series_id: uuid.UUID, user_id: uuid.UUID, data: s.RuleVersionIn
) -> list[RuleVersion]:
    rows = await _community_series(session, series_id)
    if any(r.status == "draft" for r in rows):
        raise conflict("the rule has a draft version already: publish it first", series_id=str(series_id))
    last = max(r.version for r in rows)
    head = next(r for r in rows if r.version == last)
    new = [
        RuleVersion(
            compound_id=c,
            kind=head.kind,
            title=(data.title or head.title).strip(),
            body=data.body,
            level="community",
            series_id=series_id,
            version=last + 1,
            effective_from=data.effective_from,
            status="draft",
            created_by_user_id=user_id,
        )
        for c in sorted({r.compound_id for r in rows})
    ]
    session.add_all(new)
    await session.flush()
    return new


async def publish_community_version(session: AsyncSession, series_id: uuid.UUID) -> list[RuleVersion]:
    """Publish the community rule's draft in every compound at once, by the same rules as a compound's."""
    rows = await _community_series(session, series_id)
    drafts = [r for r in rows if r.status == "draft"]
    if not drafts:
        raise conflict("the community rule has no draft to publish", series_id=str(series_id))
    day = drafts[0].effective_from
    previous = [r for r in rows if r.status == "published"]
    for p in previous:
        if day <= p.effective_from:
            raise invalid("effective_from", f"must be after {p.effective_from.isoformat()}, when version {p.version} took effect")
    moment = now()
    for p in previous:
        p.status, p.effective_until = RULE_VERSIONS.next(p.status, "supersede"), day - dt.timedelta(days=1)
    for d in drafts:
        d.status, d.published_at = RULE_VERSIONS.next(d.status, "publish"), moment
    await session.flush()
    return drafts
