"""Rules of party_building (党建引领), without HTTP.

Every function validates all of its input before it adds anything, so a
refused request writes nothing. Compound-scoped rows are filtered by the
session's scope (core.db); organisations are tenant-owned, so which of them a
caller sees is decided here (:func:`visible_organisation_ids`): its own, and
those covering a compound it reaches.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.enforcer import ANY_DOMAIN
from core.authz.models import CasbinRule
from core.clock import now
from core.events.services import emit
from core.identity.models import Membership, User
from core.identity.principal import Principal, compound_domain, tenant_domain
from core.notifications.services import notify
from core.problems import Problem, conflict, invalid, not_found
from core.security import mask_phone
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from tenants.models import Building, CommitteeMember, Compound, Department, Household, OwnersCommittee, Region, Resident, Room, Tenant, Unit

LABEL_ZH = "党建引领"
LABEL_EN = "Party-building leadership"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
LEVEL_RANK = {"community": 0, "branch": 1, "group": 2}
DEFAULT_REQUIREMENTS = {
    "joint": ("month", 1),
    "branch_committee": ("month", 1),
    "branch_assembly": ("quarter", 1),
    "group_meeting": ("month", 1),
    "party_lesson": ("quarter", 1),
    "theme_day": ("month", 1),
}
"""Used where the district has not set its own (联席会议 monthly; 三会一课 as the party's rules have them)."""
BRANCH_MEETING_KINDS = ("branch_committee", "branch_assembly", "party_lesson", "theme_day")
KIND_ZH = {
    "joint": "红色物业联席会议",
    "branch_assembly": "党员大会",
    "branch_committee": "支委会",
    "group_meeting": "党小组会",
    "party_lesson": "党课",
    "theme_day": "主题党日",
}


def overview(compound_id: uuid.UUID) -> s.ModuleOverview:
    return s.ModuleOverview(module="party_building", label_zh=LABEL_ZH, label_en=LABEL_EN, compound_id=str(compound_id))


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` of ``whole`` in %, two decimals, exact; None when there is nothing to measure."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- time


async def compound_zone(session: AsyncSession, compound_id: uuid.UUID) -> ZoneInfo:
    """The time zone of the compound's district: where its days, months and deadlines are counted."""
    name = await session.scalar(
        select(Tenant.timezone).join(Compound, Compound.district_tenant_id == Tenant.id).where(Compound.id == compound_id)
    )
    return ZoneInfo(name or "Asia/Shanghai")


async def local_today(session: AsyncSession, compound_id: uuid.UUID) -> dt.date:
    return now().astimezone(await compound_zone(session, compound_id)).date()


async def tenant_today(session: AsyncSession, tenant_id: uuid.UUID | None) -> dt.date:
    """Today in the tenant's time zone (a district's responsibility periods are its own)."""
    name = await session.scalar(select(Tenant.timezone).where(Tenant.id == tenant_id)) if tenant_id else None
    return now().astimezone(ZoneInfo(name or "Asia/Shanghai")).date()


def period_bounds(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The month, quarter or year containing ``day``: ``[start, end)``."""
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif period == "year":
        start = dt.date(day.year, 1, 1)
    else:
        raise ValueError(f"unknown period {period!r}")
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    year, month = divmod(start.month - 1 + months, 12)
    return start, dt.date(start.year + year, month + 1, 1)


def period_label(day: dt.date, period: str) -> str:
    """``2026-11``, ``2026-Q4``, ``2026`` or ``once``."""
    if period == "month":
        return f"{day:%Y-%m}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return str(day.year)
    return "once"


def periods_in(start: dt.date, end: dt.date, period: str) -> int:
    """How many whole or partial periods ``[start, end)`` touches."""
    count, day = 0, start
    while day < end:
        count += 1
        day = period_bounds(day, period)[1]
    return count


def local_datetime(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A time given without an offset (a console form) is read in the tenant's time zone; stored in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)


# --------------------------------------------------------------------------- who holds a permission


async def holders(
    session: AsyncSession, obj: str, act: str, tenant_id: uuid.UUID | None, compound_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Users of ``tenant_id`` holding ``act`` on ``obj`` there (tenant-wide or in the compound): whom to notify.

    Read from the rules table, so jobs (which hold no enforcer) ask the same question as requests.
    """
    if tenant_id is None:
        return []
    roles = (
        await session.scalars(
            select(CasbinRule.v0).where(
                CasbinRule.ptype == "p",
                CasbinRule.v1.in_([ANY_DOMAIN, tenant_domain(tenant_id)]),
                CasbinRule.v2 == obj,
                CasbinRule.v3 == act,
            )
        )
    ).all()
    if not roles:
        return []
    domains = [tenant_domain(tenant_id)] + ([compound_domain(compound_id)] if compound_id else [])
    subjects = (
        await session.scalars(select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v1.in_(roles), CasbinRule.v2.in_(domains)))
    ).all()
    ids = {uuid.UUID(sub[2:]) for sub in subjects if sub.startswith("u:")}
    if not ids:
        return []
    members = (
        await session.scalars(select(Membership.user_id).where(Membership.tenant_id == tenant_id, Membership.user_id.in_(ids)))
    ).all()
    return sorted(set(members))


# --------------------------------------------------------------------------- organisations


def _require_tenant(principal: Principal, *kinds: str) -> uuid.UUID:
    if principal.tenant_kind not in kinds or principal.tenant_id is None:
        raise Problem(403, "wrong-tenant-kind", "Not for this kind of tenant", f"only {' or '.join(kinds)} tenants may do this")
    return principal.tenant_id


async def visible_organisation_ids(session: AsyncSession, principal: Principal) -> set[uuid.UUID] | None:
    """Organisations the caller sees: its own, those covering a compound it reaches, its operators' branches. None = all."""
    if principal.scope.is_all:
        return None
    covering = set((await session.scalars(select(m.OrganisationCoverage.organisation_id).distinct())).all())
    operators = {t for t in (await session.scalars(select(Compound.operator_tenant_id).distinct())).all() if t}
    conditions = [m.PartyOrganisation.id.in_(covering)] if covering else []
    if principal.tenant_id is not None:
        conditions.append(m.PartyOrganisation.tenant_id == principal.tenant_id)
    if operators:
        conditions.append(and_(m.PartyOrganisation.kind == "enterprise_branch", m.PartyOrganisation.enterprise_tenant_id.in_(operators)))
    if not conditions:
        return set()
    return set((await session.scalars(select(m.PartyOrganisation.id).where(or_(*conditions)))).all())


async def get_organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID, *, owned: bool = False
) -> m.PartyOrganisation:
    """An organisation the caller sees (404 otherwise); ``owned`` also asks that its tenant owns it (403 otherwise)."""
    org = await session.get(m.PartyOrganisation, organisation_id)
    visible = await visible_organisation_ids(session, principal)
    if org is None or (visible is not None and org.id not in visible):
        raise not_found("party organisation")
    if owned and org.tenant_id != principal.tenant_id:
        raise Problem(403, "not-owner", "Not the owner", "only the tenant that owns this party organisation changes it")
    return org


async def _check_parent(
    session: AsyncSession, principal: Principal, kind: str, parent_id: uuid.UUID | None, own_id: uuid.UUID | None = None
) -> None:
    if parent_id is None:
        if kind == "building_group":
            raise invalid("parent_id", "a building group sits under a branch")
        return
    try:
        parent = await get_organisation(session, principal, parent_id)
    except Problem:
        raise invalid("parent_id", "no such party organisation") from None
    if own_id is not None and parent.id == own_id:
        raise invalid("parent_id", "an organisation cannot be its own parent")
    if LEVEL_RANK[m.LEVEL_OF_KIND[parent.kind]] >= LEVEL_RANK[m.LEVEL_OF_KIND[kind]]:
        raise invalid("parent_id", "the parent must be of a higher level (community committee above branches, branches above groups)")


async def create_organisation(session: AsyncSession, principal: Principal, data: s.OrganisationIn) -> m.PartyOrganisation:
    """A district founds community committees, compound and joint branches and building groups; an enterprise its own branch."""
    tenant_id = _require_tenant(principal, "district", "enterprise")
    allowed = m.DISTRICT_KINDS if principal.tenant_kind == "district" else m.ENTERPRISE_KINDS
    if data.kind not in allowed:
        raise invalid("kind", f"a {principal.tenant_kind} founds only: {', '.join(allowed)}")
    await _check_parent(session, principal, data.kind, data.parent_id)
    if data.community_id is not None:
        community = await session.get(Region, data.community_id)
        if community is None or community.kind != "community" or (principal.tenant_kind == "district" and community.tenant_id != tenant_id):
            raise invalid("community_id", "not a community of this district")
    elif data.kind == "community_committee":
        raise invalid("community_id", "a community committee needs its community")
    if await session.scalar(
        select(m.PartyOrganisation.id).where(m.PartyOrganisation.tenant_id == tenant_id, m.PartyOrganisation.name == data.name)
    ):
        raise conflict(f"a party organisation named {data.name} exists", errors=[{"field": "name", "message": "already exists"}])
    org = m.PartyOrganisation(
        tenant_id=tenant_id,
        kind=data.kind,
        name=data.name,
        parent_id=data.parent_id,
        community_id=data.community_id,
        enterprise_tenant_id=tenant_id if data.kind == "enterprise_branch" else None,
        founded_on=data.founded_on,
    )
    session.add(org)
    await session.flush()
    return org


async def update_organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID, data: s.OrganisationPatch
) -> m.PartyOrganisation:
    org = await get_organisation(session, principal, organisation_id, owned=True)
    if "parent_id" in _given(data):
        await _check_parent(session, principal, org.kind, data.parent_id, org.id)
    if data.dissolved_on is not None and data.dissolved_on < (data.founded_on or org.founded_on or data.dissolved_on):
        raise invalid("dissolved_on", "must not be before founded_on")
    if (
        data.name
        and data.name != org.name
        and await session.scalar(
            select(m.PartyOrganisation.id).where(m.PartyOrganisation.tenant_id == org.tenant_id, m.PartyOrganisation.name == data.name)
        )
    ):
        raise conflict(f"a party organisation named {data.name} exists", errors=[{"field": "name", "message": "already exists"}])
    for key in _given(data):
        setattr(org, key, getattr(data, key))
    await session.flush()
    return org


def _given(data: Any) -> list[str]:
    """Fields a patch sets (msgspec leaves the others at their None default)."""
    return [f for f in data.__struct_fields__ if getattr(data, f) is not None]


async def add_coverage(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID, data: s.CoverageIn
) -> m.OrganisationCoverage:
    """Record that the organisation covers a compound (or, for a building group, one building)."""
    org = await get_organisation(session, principal, organisation_id, owned=True)
    if not principal.scope.allows(data.compound_id) or await session.get(Compound, data.compound_id) is None:
        raise invalid("compound_id", "not a compound of yours")
    if org.kind == "building_group":
        if data.building_id is None:
            raise invalid("building_id", "a building group covers buildings: name one")
        if await session.get(Building, (data.compound_id, data.building_id)) is None:
            raise invalid("building_id", "no such building in this compound")
    elif data.building_id is not None:
        raise invalid("building_id", "only a building group covers single buildings")
    same = select(m.OrganisationCoverage.id).where(
        m.OrganisationCoverage.compound_id == data.compound_id, m.OrganisationCoverage.organisation_id == org.id
    )
    same = (
        same.where(m.OrganisationCoverage.building_id == data.building_id)
        if data.building_id
        else same.where(m.OrganisationCoverage.building_id.is_(None))
    )
    if await session.scalar(same):
        raise conflict("the organisation already covers this")
    if org.kind == "compound_branch":
        other = await session.scalar(
            select(m.PartyOrganisation.name)
            .join(m.OrganisationCoverage, m.OrganisationCoverage.organisation_id == m.PartyOrganisation.id)
            .where(
                m.OrganisationCoverage.compound_id == data.compound_id,
                m.PartyOrganisation.kind == "compound_branch",
                m.PartyOrganisation.dissolved_on.is_(None),
            )
        )
        if other:
            raise conflict(
                f"the compound already has a compound branch: {other}",
                errors=[{"field": "compound_id", "message": "already covered by a compound branch"}],
            )
    row = m.OrganisationCoverage(compound_id=data.compound_id, organisation_id=org.id, building_id=data.building_id)
    session.add(row)
    await session.flush()
    return row


async def remove_coverage(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID, compound_id: uuid.UUID, coverage_id: uuid.UUID
) -> None:
    await get_organisation(session, principal, organisation_id, owned=True)
    row = await session.get(m.OrganisationCoverage, (compound_id, coverage_id))
    if row is None or row.organisation_id != organisation_id:
        raise not_found("coverage")
    await session.delete(row)
    await session.flush()


async def organisations(
    session: AsyncSession, principal: Principal, *, compound_id: uuid.UUID | None = None, kind: str | None = None
) -> list[s.OrganisationOut]:
    """The organisations the caller sees, parents before children, each with what it covers (in reach)."""
    visible = await visible_organisation_ids(session, principal)
    stmt = select(m.PartyOrganisation).order_by(m.PartyOrganisation.kind, m.PartyOrganisation.name)
    if visible is not None:
        stmt = stmt.where(m.PartyOrganisation.id.in_(visible))
    if kind:
        stmt = stmt.where(m.PartyOrganisation.kind == kind)
    orgs = list((await session.scalars(stmt)).all())
    coverage = (
        await session.execute(
            select(m.OrganisationCoverage, Compound.name, Building.name)
            .join(Compound, Compound.id == m.OrganisationCoverage.compound_id)
            .outerjoin(
                Building, (Building.compound_id == m.OrganisationCoverage.compound_id) & (Building.id == m.OrganisationCoverage.building_id)
            )
            .order_by(Compound.name, Building.name)
        )
    ).all()
    covered: dict[uuid.UUID, list[s.CoverageOut]] = defaultdict(list)
    for row, compound_name, building_name in coverage:
        covered[row.organisation_id].append(
            s.CoverageOut(
                id=row.id,
                compound_id=row.compound_id,
                compound_name=compound_name,
                building_id=row.building_id,
                building_name=building_name,
            )
        )
    if compound_id is not None:
        operator = await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == compound_id))
        orgs = [
            o
            for o in orgs
            if any(c.compound_id == compound_id for c in covered[o.id])
            or (o.kind == "enterprise_branch" and o.enterprise_tenant_id == operator)
        ]
    return [organisation_out(o, principal, covered[o.id]) for o in _tree_order(orgs)]


def _tree_order(orgs: list[m.PartyOrganisation]) -> list[m.PartyOrganisation]:
    """Depth first, so a reader sees each organisation under its parent."""
    ids = {o.id for o in orgs}
    children: dict[uuid.UUID | None, list[m.PartyOrganisation]] = defaultdict(list)
    for o in orgs:
        children[o.parent_id if o.parent_id in ids else None].append(o)
    out: list[m.PartyOrganisation] = []

    def walk(parent: uuid.UUID | None) -> None:
        for o in sorted(children.get(parent, []), key=lambda x: (LEVEL_RANK[m.LEVEL_OF_KIND[x.kind]], x.name)):
            out.append(o)
            walk(o.id)

    walk(None)
    return out


def organisation_out(o: m.PartyOrganisation, principal: Principal, coverage: list[s.CoverageOut]) -> s.OrganisationOut:
    return s.OrganisationOut(
        id=o.id,
        tenant_id=o.tenant_id,
        kind=o.kind,
        name=o.name,
        parent_id=o.parent_id,
        community_id=o.community_id,
        enterprise_tenant_id=o.enterprise_tenant_id,
        secretary_name=o.secretary_name,
        founded_on=o.founded_on,
        dissolved_on=o.dissolved_on,
        owned=o.tenant_id == principal.tenant_id,
        coverage=coverage,
    )


async def organisations_serving(session: AsyncSession, compound_id: uuid.UUID) -> list[m.PartyOrganisation]:
    """Active organisations that serve a compound: those covering it, and its operator's branch."""
    covering = (
        await session.scalars(
            select(m.OrganisationCoverage.organisation_id).where(m.OrganisationCoverage.compound_id == compound_id).distinct()
        )
    ).all()
    operator = await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == compound_id))
    conditions = [m.PartyOrganisation.id.in_(covering)]
    if operator:
        conditions.append(and_(m.PartyOrganisation.kind == "enterprise_branch", m.PartyOrganisation.enterprise_tenant_id == operator))
    rows = (await session.scalars(select(m.PartyOrganisation).where(or_(*conditions), m.PartyOrganisation.dissolved_on.is_(None)))).all()
    return _tree_order(list(rows))


# --------------------------------------------------------------------------- coverage report (两个覆盖)


@dataclass
class _CoverageFacts:
    """Which compounds, buildings and operating enterprises an active organisation covers."""

    buildings_of: dict[uuid.UUID, list[Building]]
    branch_covered: set[uuid.UUID]
    group_covered: set[uuid.UUID]
    enterprise_names: dict[uuid.UUID, str]
    with_branch: set[uuid.UUID]


async def _coverage_facts(session: AsyncSession, compounds: list[Compound]) -> _CoverageFacts:
    ids = [c.id for c in compounds]
    buildings = (
        list((await session.scalars(select(Building).where(Building.compound_id.in_(ids)).order_by(Building.name))).all()) if ids else []
    )
    rows = (
        (
            await session.execute(
                select(m.OrganisationCoverage.compound_id, m.OrganisationCoverage.building_id, m.PartyOrganisation.kind)
                .join(m.PartyOrganisation, m.PartyOrganisation.id == m.OrganisationCoverage.organisation_id)
                .where(m.OrganisationCoverage.compound_id.in_(ids), m.PartyOrganisation.dissolved_on.is_(None))
            )
        ).all()
        if ids
        else []
    )
    operators = {c.operator_tenant_id for c in compounds if c.operator_tenant_id}
    enterprise_names = (
        dict((await session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(operators)))).all()) if operators else {}
    )
    with_branch = (
        set(
            (
                await session.scalars(
                    select(m.PartyOrganisation.enterprise_tenant_id).where(
                        m.PartyOrganisation.kind == "enterprise_branch",
                        m.PartyOrganisation.enterprise_tenant_id.in_(operators),
                        m.PartyOrganisation.dissolved_on.is_(None),
                    )
                )
            ).all()
        )
        if operators
        else set()
    )
    buildings_of: dict[uuid.UUID, list[Building]] = defaultdict(list)
    for b in buildings:
        buildings_of[b.compound_id].append(b)
    return _CoverageFacts(
        buildings_of=buildings_of,
        branch_covered={cid for cid, bid, kind in rows if bid is None and kind in m.BRANCH_KINDS},
        group_covered={bid for cid, bid, kind in rows if bid is not None and kind == "building_group"},
        enterprise_names=enterprise_names,
        with_branch=with_branch,
    )


def _coverage_row(level: str, region_id: uuid.UUID | None, name: str, compounds: list[Compound], facts: _CoverageFacts) -> s.CoverageRow:
    gaps: list[s.CoverageGap] = []
    for c in compounds:
        if c.id not in facts.branch_covered:
            gaps.append(s.CoverageGap(kind="compound", id=c.id, name=c.name, compound_id=c.id, compound_name=c.name))
    enterprises = sorted({c.operator_tenant_id for c in compounds if c.operator_tenant_id}, key=lambda t: facts.enterprise_names.get(t, ""))
    for e in enterprises:
        if e not in facts.with_branch:
            gaps.append(s.CoverageGap(kind="enterprise", id=e, name=facts.enterprise_names.get(e, str(e))))
    names = {c.id: c.name for c in compounds}
    buildings = [b for c in compounds for b in facts.buildings_of[c.id]]
    for b in buildings:
        if b.id not in facts.group_covered:
            gaps.append(s.CoverageGap(kind="building", id=b.id, name=b.name, compound_id=b.compound_id, compound_name=names[b.compound_id]))
    covered_compounds = sum(1 for c in compounds if c.id in facts.branch_covered)
    covered_enterprises = sum(1 for e in enterprises if e in facts.with_branch)
    return s.CoverageRow(
        level=level,
        region_id=region_id,
        name=name,
        compounds=len(compounds),
        compounds_covered=covered_compounds,  # type: ignore[arg-type]
        enterprises=len(enterprises),
        enterprises_covered=covered_enterprises,
        buildings=len(buildings),
        buildings_covered=sum(1 for b in buildings if b.id in facts.group_covered),
        coverage=percent(covered_compounds + covered_enterprises, len(compounds) + len(enterprises)),
        gaps=gaps,
    )


async def coverage_of(session: AsyncSession, compound_ids: list[uuid.UUID]) -> s.CoverageRow:
    """两个覆盖 over some compounds: compounds with a branch and operators with a branch, in % of both."""
    compounds = list((await session.scalars(select(Compound).where(Compound.id.in_(compound_ids)))).all()) if compound_ids else []
    return _coverage_row("district", None, "", compounds, await _coverage_facts(session, compounds))


async def coverage_report(session: AsyncSession, principal: Principal, region_id: uuid.UUID | None = None) -> s.CoverageReport:
    """Per community, street and district: compounds without a compound or joint branch, operating enterprises
    without a branch, buildings without a building group (over the compounds the caller reaches)."""
    compounds = list((await session.scalars(select(Compound).order_by(Compound.name))).all())
    if principal.tenant_kind == "district":
        compounds = [c for c in compounds if c.district_tenant_id == principal.tenant_id]
    region_ids = {c.community_id for c in compounds}
    regions = {r.id: r for r in (await session.scalars(select(Region).where(Region.id.in_(region_ids)))).all()} if region_ids else {}
    streets = (
        {
            r.id: r
            for r in (
                await session.scalars(select(Region).where(Region.id.in_({r.parent_id for r in regions.values() if r.parent_id})))
            ).all()
        }
        if regions
        else {}
    )
    if region_id is not None:
        if region_id not in regions and region_id not in streets:
            raise invalid("region_id", "not a street or community of yours")
        compounds = [c for c in compounds if c.community_id == region_id or regions[c.community_id].parent_id == region_id]
        regions = {k: v for k, v in regions.items() if any(c.community_id == k for c in compounds)}
    facts = await _coverage_facts(session, compounds)
    out: list[s.CoverageRow] = []
    by_street: dict[uuid.UUID | None, list[Region]] = defaultdict(list)
    for r in regions.values():
        by_street[r.parent_id].append(r)
    for street_id in sorted(by_street, key=lambda sid: streets[sid].name if sid in streets else ""):
        for community in sorted(by_street[street_id], key=lambda r: r.name):
            out.append(
                _coverage_row("community", community.id, community.name, [c for c in compounds if c.community_id == community.id], facts)
            )
        if street_id in streets:
            out.append(
                _coverage_row(
                    "street",
                    street_id,
                    streets[street_id].name,
                    [c for c in compounds if regions[c.community_id].parent_id == street_id],
                    facts,
                )
            )
    district_name = await session.scalar(select(Tenant.name).where(Tenant.id == principal.tenant_id)) if principal.tenant_id else None
    out.append(_coverage_row("district", None, district_name or "", compounds, facts))
    return s.CoverageReport(rows=out)


async def compound_coverage(session: AsyncSession, compound_id: uuid.UUID) -> Decimal | None:
    """两个覆盖 for one compound: its branch and its operator's branch, in % of both."""
    return (await coverage_of(session, [compound_id])).coverage


async def _covers(session: AsyncSession, organisation_id: uuid.UUID, compound_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(m.OrganisationCoverage.id)
            .where(
                m.OrganisationCoverage.compound_id == compound_id,
                m.OrganisationCoverage.organisation_id == organisation_id,
                m.OrganisationCoverage.building_id.is_(None),
            )
            .limit(1)
        )
    )


# --------------------------------------------------------------------------- members


async def _serving_organisation(
    session: AsyncSession, compound_id: uuid.UUID, organisation_id: uuid.UUID, field: str
) -> m.PartyOrganisation:
    org = next((o for o in await organisations_serving(session, compound_id) if o.id == organisation_id), None)
    if org is None:
        raise invalid(field, "no active party organisation serving this compound has this id")
    return org


def _level_clash(orgs: Iterable[m.PartyOrganisation]) -> tuple[str, list[str]] | None:
    by_level: dict[str, list[str]] = defaultdict(list)
    for org in orgs:
        by_level[m.LEVEL_OF_KIND[org.kind]].append(org.name)
    for level, names in by_level.items():
        if len(names) > 1:
            return level, names
    return None


async def _check_secretary(session: AsyncSession, org: m.PartyOrganisation, member_id: uuid.UUID | None = None) -> None:
    current = set(
        (
            await session.scalars(
                select(m.PartyMembership.member_id).where(
                    m.PartyMembership.organisation_id == org.id, m.PartyMembership.post == "secretary"
                )
            )
        ).all()
    )
    # no secretary in reach but a name on the organisation: the secretary is registered in another compound
    if current - {member_id} or (not current and org.secretary_name):
        raise conflict(
            f"{org.name} already has a secretary; change that member's post first",
            errors=[{"field": "post", "message": "the organisation already has a secretary"}],
        )


async def create_member(session: AsyncSession, compound_id: uuid.UUID, data: s.MemberIn) -> m.PartyMember:
    """Register a party member in the compound, with their organisations (at most one per level)."""
    if len(set(data.organisation_ids)) != len(data.organisation_ids):
        raise invalid("organisation_ids", "an organisation is named twice")
    orgs = [await _serving_organisation(session, compound_id, oid, "organisation_ids") for oid in data.organisation_ids]
    clash = _level_clash(orgs)
    if clash:
        raise invalid(
            "organisation_ids",
            f"a member belongs to at most one organisation of each level; {' and '.join(clash[1])} are both of level {clash[0]}",
        )
    await _check_member_links(session, compound_id, data.resident_id, data.user_id)
    if data.registered_on is not None and not data.serving:
        raise invalid("registered_on", "only serving members (在职党员) register at the community")
    if data.post == "secretary":
        for org in orgs:
            await _check_secretary(session, org)
    member = m.PartyMember(
        compound_id=compound_id,
        name=data.name,
        phone=data.phone,
        status=data.status,
        joined_on=data.joined_on,
        resident_id=data.resident_id,
        user_id=data.user_id,
        serving=data.serving,
        workplace=data.workplace,
        registered_on=data.registered_on,
        show_identity=data.show_identity,
        property_post=data.property_post,
    )
    session.add(member)
    await session.flush()
    for org in orgs:
        session.add(
            m.PartyMembership(
                compound_id=compound_id, member_id=member.id, organisation_id=org.id, level=m.LEVEL_OF_KIND[org.kind], post=data.post
            )
        )
        if data.post == "secretary":
            org.secretary_name = member.name
    await session.flush()
    return member


async def _check_member_links(
    session: AsyncSession, compound_id: uuid.UUID, resident_id: uuid.UUID | None, user_id: uuid.UUID | None
) -> None:
    if resident_id is not None:
        if await session.get(Resident, (compound_id, resident_id)) is None:
            raise invalid("resident_id", "no such resident in this compound")
        if await session.scalar(
            select(m.PartyMember.id).where(m.PartyMember.compound_id == compound_id, m.PartyMember.resident_id == resident_id)
        ):
            raise conflict(
                "this resident is already registered as a party member", errors=[{"field": "resident_id", "message": "already registered"}]
            )
    if user_id is not None and await session.get(User, user_id) is None:
        raise invalid("user_id", "no such user")


async def update_member(session: AsyncSession, compound_id: uuid.UUID, member_id: uuid.UUID, data: s.MemberPatch) -> m.PartyMember:
    member = await get_member(session, compound_id, member_id)
    serving = data.serving if data.serving is not None else member.serving
    if data.registered_on is not None and not serving:
        raise invalid("registered_on", "only serving members (在职党员) register at the community")
    for key in _given(data):
        setattr(member, key, getattr(data, key))
    if data.serving is False:
        member.registered_on = None
    await session.flush()
    return member


async def get_member(session: AsyncSession, compound_id: uuid.UUID, member_id: uuid.UUID) -> m.PartyMember:
    member = await session.get(m.PartyMember, (compound_id, member_id))
    if member is None:
        raise not_found("party member")
    return member


async def add_membership(session: AsyncSession, compound_id: uuid.UUID, member_id: uuid.UUID, data: s.MembershipIn) -> m.PartyMembership:
    """Place a member in one more organisation (a different level) or change their post in one."""
    member = await get_member(session, compound_id, member_id)
    org = await _serving_organisation(session, compound_id, data.organisation_id, "organisation_id")
    level = m.LEVEL_OF_KIND[org.kind]
    existing = await session.scalar(
        select(m.PartyMembership).where(
            m.PartyMembership.compound_id == compound_id, m.PartyMembership.member_id == member.id, m.PartyMembership.level == level
        )
    )
    if existing is not None and existing.organisation_id != org.id:
        other = await session.get(m.PartyOrganisation, existing.organisation_id)
        raise invalid(
            "organisation_id",
            f"a member belongs to at most one organisation of each level; {member.name} is already in {other.name if other else existing.organisation_id} (level {level})",
        )
    if data.post == "secretary":
        await _check_secretary(session, org, member.id)
    if existing is None:
        existing = m.PartyMembership(compound_id=compound_id, member_id=member.id, organisation_id=org.id, level=level, post=data.post)
        session.add(existing)
    else:
        if existing.post == "secretary" and data.post != "secretary":
            org.secretary_name = None
        existing.post = data.post
    if data.post == "secretary":
        org.secretary_name = member.name
    await session.flush()
    return existing


async def remove_membership(session: AsyncSession, compound_id: uuid.UUID, member_id: uuid.UUID, organisation_id: uuid.UUID) -> None:
    row = await session.scalar(
        select(m.PartyMembership).where(
            m.PartyMembership.compound_id == compound_id,
            m.PartyMembership.member_id == member_id,
            m.PartyMembership.organisation_id == organisation_id,
        )
    )
    if row is None:
        raise not_found("membership")
    if row.post == "secretary":
        org = await session.get(m.PartyOrganisation, organisation_id)
        if org is not None:
            org.secretary_name = None
    await session.delete(row)
    await session.flush()


async def memberships_of(
    session: AsyncSession, compound_id: uuid.UUID, member_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[s.MembershipOut]]:
    if not member_ids:
        return {}
    rows = (
        await session.execute(
            select(m.PartyMembership, m.PartyOrganisation.name, m.PartyOrganisation.kind)
            .join(m.PartyOrganisation, m.PartyOrganisation.id == m.PartyMembership.organisation_id)
            .where(m.PartyMembership.compound_id == compound_id, m.PartyMembership.member_id.in_(member_ids))
        )
    ).all()
    out: dict[uuid.UUID, list[s.MembershipOut]] = defaultdict(list)
    for ms, name, kind in sorted(rows, key=lambda r: LEVEL_RANK[r[0].level]):
        out[ms.member_id].append(
            s.MembershipOut(
                id=ms.id, organisation_id=ms.organisation_id, organisation_name=name, organisation_kind=kind, level=ms.level, post=ms.post
            )
        )
    return out


def member_out(row: m.PartyMember, memberships: list[s.MembershipOut], *, show_pii: bool) -> s.MemberOut:
    """The phone in full only for those who keep the register; masked for the others who may read it."""
    return s.MemberOut(
        id=row.id,
        compound_id=row.compound_id,
        name=row.name,
        phone=row.phone if show_pii else mask_phone(row.phone),
        status=row.status,
        joined_on=row.joined_on,
        resident_id=row.resident_id,
        user_id=row.user_id,
        serving=row.serving,
        workplace=row.workplace,
        registered_on=row.registered_on,
        show_identity=row.show_identity,
        property_post=row.property_post,
        left_on=row.left_on,
        masked=not show_pii,
        memberships=memberships,
    )


def members_query(
    compound_id: uuid.UUID,
    *,
    organisation_id: uuid.UUID | None = None,
    status: str | None = None,
    serving: bool | None = None,
    q: str | None = None,
    current: bool = True,
):
    stmt = select(m.PartyMember).where(m.PartyMember.compound_id == compound_id).order_by(m.PartyMember.name, m.PartyMember.id)
    if current:
        stmt = stmt.where(m.PartyMember.left_on.is_(None))
    if organisation_id:
        stmt = stmt.where(
            m.PartyMember.id.in_(
                select(m.PartyMembership.member_id).where(
                    m.PartyMembership.compound_id == compound_id, m.PartyMembership.organisation_id == organisation_id
                )
            )
        )
    if status:
        stmt = stmt.where(m.PartyMember.status == status)
    if serving is not None:
        stmt = stmt.where(m.PartyMember.serving.is_(serving))
    if q:
        stmt = stmt.where(m.PartyMember.name.contains(q))
    return stmt


# --------------------------------------------------------------------------- central households (党员中心户)


async def create_central_household(session: AsyncSession, compound_id: uuid.UUID, data: s.CentralHouseholdIn) -> m.CentralHousehold:
    """A member's household becomes a central household looking after households of a building."""
    member = await get_member(session, compound_id, data.member_id)
    if member.left_on is not None:
        raise invalid("member_id", "the member has left")
    if await session.get(Building, (compound_id, data.building_id)) is None:
        raise invalid("building_id", "no such building in this compound")
    if await session.scalar(
        select(m.CentralHousehold.id).where(m.CentralHousehold.compound_id == compound_id, m.CentralHousehold.member_id == member.id)
    ):
        raise conflict(
            f"{member.name} is already a central household", errors=[{"field": "member_id", "message": "already a central household"}]
        )
    in_building = set(
        (
            await session.scalars(
                select(Household.id)
                .join(Room, (Room.compound_id == Household.compound_id) & (Room.id == Household.room_id))
                .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
                .where(Household.compound_id == compound_id, Unit.building_id == data.building_id)
            )
        ).all()
    )
    taken = set(
        (await session.scalars(select(m.CentralHouseholdLink.household_id).where(m.CentralHouseholdLink.compound_id == compound_id))).all()
    )
    if data.household_ids:
        outside = [h for h in data.household_ids if h not in in_building]
        if outside:
            raise invalid("household_ids", f"{len(outside)} household(s) are not in this building")
        busy = [h for h in data.household_ids if h in taken]
        if busy:
            raise conflict(
                f"{len(busy)} household(s) are already looked after by another central household",
                errors=[{"field": "household_ids", "message": "already looked after"}],
            )
        chosen = list(dict.fromkeys(data.household_ids))
    else:
        chosen = sorted(in_building - taken)
    row = m.CentralHousehold(compound_id=compound_id, member_id=member.id, building_id=data.building_id, since=data.since)
    session.add(row)
    await session.flush()
    session.add_all([m.CentralHouseholdLink(compound_id=compound_id, central_id=row.id, household_id=h) for h in chosen])
    await session.flush()
    return row


async def central_households(session: AsyncSession, compound_id: uuid.UUID) -> list[s.CentralHouseholdOut]:
    rows = (
        await session.execute(
            select(m.CentralHousehold, m.PartyMember.name, Building.name)
            .join(
                m.PartyMember,
                (m.PartyMember.compound_id == m.CentralHousehold.compound_id) & (m.PartyMember.id == m.CentralHousehold.member_id),
            )
            .join(Building, (Building.compound_id == m.CentralHousehold.compound_id) & (Building.id == m.CentralHousehold.building_id))
            .where(m.CentralHousehold.compound_id == compound_id)
            .order_by(Building.name, m.PartyMember.name)
        )
    ).all()
    rooms = (
        await session.execute(
            select(m.CentralHouseholdLink.central_id, Unit.name, Room.number)
            .join(
                Household,
                (Household.compound_id == m.CentralHouseholdLink.compound_id) & (Household.id == m.CentralHouseholdLink.household_id),
            )
            .join(Room, (Room.compound_id == Household.compound_id) & (Room.id == Household.room_id))
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .where(m.CentralHouseholdLink.compound_id == compound_id)
            .order_by(Unit.name, Room.number)
        )
    ).all()
    rooms_of: dict[uuid.UUID, list[str]] = defaultdict(list)
    for central_id, unit, number in rooms:
        rooms_of[central_id].append(f"{unit} {number}")
    return [
        s.CentralHouseholdOut(
            id=c.id,
            member_id=c.member_id,
            member_name=name,
            building_id=c.building_id,
            building_name=bname,
            since=c.since,
            households=len(rooms_of[c.id]),
            rooms=rooms_of[c.id],
        )
        for c, name, bname in rows
    ]


# --------------------------------------------------------------------------- district targets and meeting requirements


async def targets(session: AsyncSession, district_tenant_id: uuid.UUID | None) -> s.TargetsOut:
    row = (
        await session.scalar(select(m.DistrictTargets).where(m.DistrictTargets.tenant_id == district_tenant_id))
        if district_tenant_id
        else None
    )
    row = row or m.DistrictTargets(
        committee_party_share=Decimal("50"),
        secretary_on_committee=True,
        coverage=Decimal("100"),
        action_items_on_time=Decimal("90"),
        study_hours_per_member=Decimal("32"),
    )
    return s.TargetsOut(
        committee_party_share=row.committee_party_share,
        secretary_on_committee=row.secretary_on_committee,
        coverage=row.coverage,
        action_items_on_time=row.action_items_on_time,
        study_hours_per_member=row.study_hours_per_member,
        requirements=[
            s.RequirementOut(kind=k, period=p, minimum=n) for k, (p, n) in (await requirements(session, district_tenant_id)).items()
        ],
    )


async def requirements(session: AsyncSession, district_tenant_id: uuid.UUID | None) -> dict[str, tuple[str, int]]:
    """Per meeting kind: (period, minimum) as the district set it, the defaults elsewhere."""
    out = dict(DEFAULT_REQUIREMENTS)
    if district_tenant_id:
        for row in (await session.scalars(select(m.MeetingRequirement).where(m.MeetingRequirement.tenant_id == district_tenant_id))).all():
            out[row.kind] = (row.period, row.minimum)
    return out


def check_decimal(value: Decimal | None, field: str, low: Decimal, high: Decimal, *, low_included: bool = True) -> None:
    """Bounds and at most two decimals for a percentage or hours (exact, never a float)."""
    if value is None:
        return
    if not value.is_finite() or value > high or value < low or (value == low and not low_included):
        raise invalid(field, f"must lie between {low} and {high}")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid(field, "at most two decimal places")


async def set_targets(session: AsyncSession, principal: Principal, data: s.TargetsIn) -> s.TargetsOut:
    tenant_id = _require_tenant(principal, "district")
    for field in ("committee_party_share", "coverage", "action_items_on_time"):
        check_decimal(getattr(data, field), field, Decimal(0), HUNDRED)
    check_decimal(data.study_hours_per_member, "study_hours_per_member", Decimal(0), Decimal(1000))
    row = await session.scalar(select(m.DistrictTargets).where(m.DistrictTargets.tenant_id == tenant_id))
    if row is None:
        row = m.DistrictTargets(
            tenant_id=tenant_id,
            committee_party_share=Decimal("50"),
            secretary_on_committee=True,
            coverage=Decimal("100"),
            action_items_on_time=Decimal("90"),
            study_hours_per_member=Decimal("32"),
        )
        session.add(row)
    for key in _given(data):
        setattr(row, key, getattr(data, key))
    await session.flush()
    return await targets(session, tenant_id)


async def set_requirement(session: AsyncSession, principal: Principal, data: s.RequirementIn) -> s.TargetsOut:
    tenant_id = _require_tenant(principal, "district")
    row = await session.scalar(
        select(m.MeetingRequirement).where(m.MeetingRequirement.tenant_id == tenant_id, m.MeetingRequirement.kind == data.kind)
    )
    if row is None:
        session.add(m.MeetingRequirement(tenant_id=tenant_id, kind=data.kind, period=data.period, minimum=data.minimum))
    else:
        row.period, row.minimum = data.period, data.minimum
    await session.flush()
    return await targets(session, tenant_id)


# --------------------------------------------------------------------------- cross-appointment (双向进入、交叉任职)


async def current_committee_members(session: AsyncSession, compound_id: uuid.UUID, today: dt.date) -> list[CommitteeMember]:
    return list(
        (
            await session.scalars(
                select(CommitteeMember)
                .join(
                    OwnersCommittee,
                    (OwnersCommittee.compound_id == CommitteeMember.compound_id) & (OwnersCommittee.id == CommitteeMember.committee_id),
                )
                .where(
                    CommitteeMember.compound_id == compound_id,
                    OwnersCommittee.term_start <= today,
                    OwnersCommittee.term_end >= today,
                    CommitteeMember.term_start <= today,
                    CommitteeMember.term_end >= today,
                )
                .order_by(CommitteeMember.post, CommitteeMember.name)
            )
        ).all()
    )


def _same_person(member: m.PartyMember, cm: CommitteeMember) -> bool:
    return (member.resident_id is not None and member.resident_id == cm.resident_id) or (
        member.user_id is not None and member.user_id == cm.user_id
    )


async def cross_appointment(session: AsyncSession, compound_id: uuid.UUID, today: dt.date | None = None) -> s.CrossAppointment:
    """Each party member's posts in the party, the owners' committee and the property company; the committee's party share."""
    today = today or await local_today(session, compound_id)
    compound = await session.get(Compound, compound_id)
    if compound is None:
        raise not_found("compound")
    goal = await targets(session, compound.district_tenant_id)
    committee = await current_committee_members(session, compound_id, today)
    members = list((await session.scalars(members_query(compound_id))).all())
    memberships = await memberships_of(session, compound_id, [p.id for p in members])
    titles: dict[uuid.UUID, str] = {}
    users = [p.user_id for p in members if p.user_id]
    if users and compound.operator_tenant_id:
        titles = {
            u: t
            for u, t in (
                await session.execute(
                    select(Membership.user_id, Membership.title).where(
                        Membership.tenant_id == compound.operator_tenant_id, Membership.user_id.in_(users)
                    )
                )
            ).all()
            if t
        }
    operator = (
        await session.scalar(select(Tenant.name).where(Tenant.id == compound.operator_tenant_id)) if compound.operator_tenant_id else None
    )
    people: list[s.PersonPosts] = []
    for p in members:
        posts = [s.PostOut(body="party", name=ms.organisation_name, post=ms.post) for ms in memberships.get(p.id, [])]
        posts += [s.PostOut(body="committee", name="业主委员会", post=cm.post) for cm in committee if _same_person(p, cm)]
        company_post = titles.get(p.user_id) if p.user_id else None
        if company_post or p.property_post:
            posts.append(s.PostOut(body="property", name=operator or "", post=company_post or p.property_post or ""))
        if len({post.body for post in posts}) > 1:
            people.append(s.PersonPosts(member_id=p.id, name=p.name, posts=posts))
    on_committee = [cm for cm in committee if any(_same_person(p, cm) for p in members)]
    branches = [
        o
        for o in await organisations_serving(session, compound_id)
        if o.kind in m.BRANCH_KINDS and await _covers(session, o.id, compound_id)
    ]
    secretary = None
    for branch in branches:
        secretary_id = await session.scalar(
            select(m.PartyMembership.member_id).where(
                m.PartyMembership.compound_id == compound_id,
                m.PartyMembership.organisation_id == branch.id,
                m.PartyMembership.post == "secretary",
            )
        )
        secretary = next((p for p in members if p.id == secretary_id), None)
        if secretary is not None:
            break
    share = percent(len(on_committee), len(committee))
    return s.CrossAppointment(
        compound_id=compound_id,
        committee_members=len(committee),
        committee_party_members=len(on_committee),
        committee_party_share=share,
        share_target=goal.committee_party_share,
        share_met=None if share is None else share >= goal.committee_party_share,
        secretary_name=secretary.name if secretary else (branches[0].secretary_name if branches else None),
        secretary_on_committee=secretary is not None and any(_same_person(secretary, cm) for cm in committee),
        secretary_target=goal.secretary_on_committee,
        people=people,
    )


# --------------------------------------------------------------------------- meetings


async def _meeting(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID) -> m.Meeting:
    row = await session.get(m.Meeting, (compound_id, meeting_id))
    if row is None:
        raise not_found("meeting")
    return row


def _moves(status: str) -> str:
    return {
        "planned": "planned → held (record the minutes), planned → cancelled",
        "held": "none: a held meeting is final (add resolutions)",
        "cancelled": "none: a cancelled meeting is final",
    }[status]


async def create_meeting(session: AsyncSession, principal: Principal, compound_id: uuid.UUID, data: s.MeetingIn) -> m.Meeting:
    """Schedule a joint or branch meeting, list whom it invites and send them the invitation."""
    zone = await compound_zone(session, compound_id)
    scheduled = local_datetime(data.scheduled_at, zone)
    org = None
    if data.organisation_id is not None:
        org = await _serving_organisation(session, compound_id, data.organisation_id, "organisation_id")
    elif data.kind != "joint":
        raise invalid("organisation_id", "a branch meeting (三会一课, 主题党日) belongs to a party organisation")
    compound = await session.get(Compound, compound_id)
    departments = []
    for dept_id in dict.fromkeys(data.departments):
        dept = await session.get(Department, dept_id)
        if dept is None or dept.tenant_id != compound.district_tenant_id:  # type: ignore[union-attr]
            raise invalid("departments", "not a department of this compound's district")
        departments.append(dept)
    for attendee in data.attendees:
        if attendee.user_id is not None and await session.get(User, attendee.user_id) is None:
            raise invalid("attendees", f"no user {attendee.user_id}")
    meeting = m.Meeting(
        compound_id=compound_id,
        kind=data.kind,
        title=data.title,
        organisation_id=org.id if org else None,
        scheduled_at=scheduled,
        location=data.location,
        agenda=data.agenda,
        status="planned",
        sign_in_code=secrets.token_urlsafe(18),
        created_by=principal.user_id,
    )
    session.add(meeting)
    await session.flush()
    invitees: list[tuple[str, str, uuid.UUID | None]] = [("party", principal.display_name, principal.user_id)]
    invitees += [(a.side, a.name, a.user_id) for a in data.attendees]
    if data.kind == "joint":
        if data.invite_committee:
            invitees += [
                ("committee", cm.name, cm.user_id)
                for cm in await current_committee_members(session, compound_id, scheduled.astimezone(zone).date())
            ]
        if data.invite_property and compound.operator_tenant_id:  # type: ignore[union-attr]
            names = await user_names(
                session, await holders(session, "party_building.action_item", "write", compound.operator_tenant_id, compound_id)
            )  # type: ignore[union-attr]
            invitees += [("property", name, uid) for uid, name in names.items()]
        for dept in departments:
            people = (await session.scalars(select(Membership.user_id).where(Membership.department_id == dept.id))).all()
            names = await user_names(session, list(people))
            invitees += [("department", f"{dept.name} {name}", uid) for uid, name in names.items()] or [("department", dept.name, None)]
    seen: set[Any] = set()
    for side, name, user_id in invitees:
        key = user_id or (side, name)
        if key in seen:
            continue
        seen.add(key)
        session.add(
            m.MeetingAttendee(compound_id=compound_id, meeting_id=meeting.id, side=side, name=name[:100], user_id=user_id, invited=True)
        )
    await session.flush()
    to_invite = [uid for _, _, uid in invitees if uid and uid != principal.user_id]
    local = scheduled.astimezone(zone)
    await notify(
        session,
        to_invite,
        "party_building.meeting_invitation",
        f"会议邀请：{data.title}",
        f"{KIND_ZH[data.kind]}「{data.title}」定于 {local:%Y-%m-%d %H:%M} 在{data.location or '（地点待定）'}召开。议程：{data.agenda[:500]}",
        link=f"/console/compounds/{compound_id}/party_building/meetings/{meeting.id}",
        compound_id=compound_id,
    )
    emit(
        session,
        "party_building.meeting.scheduled",
        {"meeting_id": str(meeting.id), "kind": data.kind, "title": data.title, "scheduled_at": scheduled.isoformat()},
        compound_id=compound_id,
    )
    return meeting


async def user_names(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    return dict(
        (
            await session.execute(
                select(User.id, User.display_name).where(User.id.in_(user_ids), User.is_active.is_(True)).order_by(User.display_name)
            )
        ).all()
    )


async def add_attendee(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.AttendeeIn) -> m.MeetingAttendee:
    meeting = await _meeting(session, compound_id, meeting_id)
    if meeting.status != "planned":
        raise conflict(f"the meeting is {meeting.status}; invitations go out before it is held", allowed=_moves(meeting.status))
    if data.user_id is not None and await session.get(User, data.user_id) is None:
        raise invalid("user_id", "no such user")
    row = m.MeetingAttendee(
        compound_id=compound_id, meeting_id=meeting.id, side=data.side, name=data.name, user_id=data.user_id, invited=True
    )
    session.add(row)
    await session.flush()
    if data.user_id:
        await notify(
            session,
            [data.user_id],
            "party_building.meeting_invitation",
            f"会议邀请：{meeting.title}",
            f"{KIND_ZH[meeting.kind]}「{meeting.title}」",
            link=f"/console/compounds/{compound_id}/party_building/meetings/{meeting.id}",
            compound_id=compound_id,
        )
    return row


def _side_of(principal: Principal) -> str:
    return {"enterprise": "property", "district": "party"}.get(principal.tenant_kind or "", "member")


async def sign_in_by_code(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, meeting_id: uuid.UUID, code: str
) -> m.MeetingAttendee:
    """Sign in by scanning the meeting's QR code: the code proves presence, the login says who."""
    meeting = await _meeting(session, compound_id, meeting_id)
    if not hmac.compare_digest(meeting.sign_in_code.encode(), code.encode()):
        raise invalid("code", "this is not the meeting's sign-in code")
    if meeting.status == "cancelled":
        raise conflict("the meeting was cancelled", allowed=_moves(meeting.status))
    row = await session.scalar(
        select(m.MeetingAttendee).where(
            m.MeetingAttendee.compound_id == compound_id,
            m.MeetingAttendee.meeting_id == meeting.id,
            m.MeetingAttendee.user_id == principal.user_id,
        )
    )
    if row is None:
        row = m.MeetingAttendee(
            compound_id=compound_id,
            meeting_id=meeting.id,
            side=_side_of(principal),
            name=principal.display_name,
            user_id=principal.user_id,
            invited=False,
        )
        session.add(row)
    if row.signed_in_at is None:
        row.signed_in_at, row.sign_in_method = now(), "qr"
    await session.flush()
    return row


async def sign_in_by_staff(
    session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, attendee_id: uuid.UUID
) -> m.MeetingAttendee:
    """Whoever keeps the list signs an attendee in (no phone at hand)."""
    meeting = await _meeting(session, compound_id, meeting_id)
    if meeting.status == "cancelled":
        raise conflict("the meeting was cancelled", allowed=_moves(meeting.status))
    row = await session.get(m.MeetingAttendee, (compound_id, attendee_id))
    if row is None or row.meeting_id != meeting.id:
        raise invalid("attendee_id", "not an attendee of this meeting")
    if row.signed_in_at is None:
        row.signed_in_at, row.sign_in_method = now(), "staff"
    await session.flush()
    return row


async def cancel_meeting(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID) -> m.Meeting:
    meeting = await _meeting(session, compound_id, meeting_id)
    if meeting.status != "planned":
        raise conflict(f"a {meeting.status} meeting cannot be cancelled", allowed=_moves(meeting.status))
    meeting.status = "cancelled"
    await session.flush()
    return meeting


@dataclass
class _Owner:
    kind: str
    name: str
    user_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None


async def _resolve_owner(session: AsyncSession, compound: Compound, item: s.ActionItemIn, field: str) -> _Owner:
    """Who owns an action item: a person, the property company, the owners' committee, a party organisation or a department."""
    user_name = None
    if item.owner_user_id is not None:
        user = await session.get(User, item.owner_user_id)
        if user is None:
            raise invalid(f"{field}.owner_user_id", "no such user")
        user_name = user.display_name
    if item.owner_kind == "person":
        if not (user_name or item.owner_name):
            raise invalid(f"{field}.owner_name", "name the person, or choose their account")
        return _Owner("person", item.owner_name or user_name or "", item.owner_user_id)
    if item.owner_kind == "property_company":
        if compound.operator_tenant_id is None:
            raise invalid(f"{field}.owner_kind", "the compound has no property company")
        operator = await session.get(Tenant, compound.operator_tenant_id)
        return _Owner("property_company", operator.name if operator else "", item.owner_user_id, compound.operator_tenant_id)
    if item.owner_kind == "owners_committee":
        return _Owner("owners_committee", item.owner_name or "业主委员会", item.owner_user_id)
    if item.owner_kind == "party_organisation":
        if item.owner_organisation_id is None:
            raise invalid(f"{field}.owner_organisation_id", "choose the party organisation")
        org = await _serving_organisation(session, compound.id, item.owner_organisation_id, f"{field}.owner_organisation_id")
        return _Owner("party_organisation", org.name, item.owner_user_id, org.tenant_id, org.id)
    if item.owner_department_id is None:
        raise invalid(f"{field}.owner_department_id", "choose the department")
    dept = await session.get(Department, item.owner_department_id)
    if dept is None or dept.tenant_id != compound.district_tenant_id:
        raise invalid(f"{field}.owner_department_id", "not a department of this compound's district")
    return _Owner("department", dept.name, item.owner_user_id, dept.tenant_id)


async def _prepare_resolutions(
    session: AsyncSession, compound: Compound, resolutions: list[s.ResolutionIn], meeting_day: dt.date
) -> list[tuple[s.ResolutionIn, list[tuple[s.ActionItemIn, _Owner]]]]:
    prepared = []
    for i, resolution in enumerate(resolutions):
        if not resolution.text.strip():
            raise invalid(f"resolutions[{i}].text", "a resolution says what was decided")
        items = []
        for j, item in enumerate(resolution.action_items):
            field = f"resolutions[{i}].action_items[{j}]"
            if item.due_on < meeting_day:
                raise invalid(f"{field}.due_on", "an action item is due on or after the meeting")
            items.append((item, await _resolve_owner(session, compound, item, field)))
        prepared.append((resolution, items))
    return prepared


async def record_minutes(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.MinutesIn
) -> m.Meeting:
    """The meeting was held: its minutes and resolutions; each resolution's action items go to their owners."""
    meeting = await _meeting(session, compound_id, meeting_id)
    if meeting.status != "planned":
        raise conflict(f"the meeting is already {meeting.status}", allowed=_moves(meeting.status))
    if not data.minutes.strip():
        raise invalid("minutes", "the minutes say what was discussed")
    zone = await compound_zone(session, compound_id)
    held_at = local_datetime(data.held_at, zone) if data.held_at else meeting.scheduled_at
    if held_at > now():
        raise invalid("held_at", "minutes are recorded for a meeting that has taken place")
    compound = await session.get(Compound, compound_id)
    prepared = await _prepare_resolutions(session, compound, data.resolutions, held_at.astimezone(zone).date())  # type: ignore[arg-type]
    meeting.status, meeting.held_at, meeting.minutes, meeting.minutes_recorded_at = "held", held_at, data.minutes, now()
    await session.flush()
    await _write_resolutions(session, principal, meeting, prepared, start=1)
    emit(
        session,
        "party_building.meeting.held",
        {
            "meeting_id": str(meeting.id),
            "kind": meeting.kind,
            "title": meeting.title,
            "held_at": held_at.isoformat(),
            "resolutions": len(prepared),
        },
        compound_id=compound_id,
    )
    return meeting


async def add_resolution(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, meeting_id: uuid.UUID, data: s.ResolutionIn
) -> m.Resolution:
    meeting = await _meeting(session, compound_id, meeting_id)
    if meeting.status != "held":
        raise conflict("resolutions belong to a held meeting: record its minutes first", allowed=_moves(meeting.status))
    zone = await compound_zone(session, compound_id)
    compound = await session.get(Compound, compound_id)
    prepared = await _prepare_resolutions(session, compound, [data], meeting.held_at.astimezone(zone).date())  # type: ignore[arg-type, union-attr]
    last = (
        await session.scalar(
            select(func.max(m.Resolution.seq)).where(m.Resolution.compound_id == compound_id, m.Resolution.meeting_id == meeting.id)
        )
        or 0
    )
    return (await _write_resolutions(session, principal, meeting, prepared, start=last + 1))[0]


async def add_action_item(session: AsyncSession, compound_id: uuid.UUID, resolution_id: uuid.UUID, item: s.ActionItemIn) -> m.ActionItem:
    """One more action item of a resolution of a held meeting."""
    resolution = await session.get(m.Resolution, (compound_id, resolution_id))
    if resolution is None:
        raise not_found("resolution")
    meeting = await _meeting(session, compound_id, resolution.meeting_id)
    zone = await compound_zone(session, compound_id)
    compound = await session.get(Compound, compound_id)
    ((_, [(data, owner)]),) = await _prepare_resolutions(
        session, compound, [s.ResolutionIn(text=resolution.text, action_items=[item])], meeting.held_at.astimezone(zone).date()
    )  # type: ignore[arg-type, union-attr]
    return await _assign(session, meeting, resolution, data, owner)


async def _write_resolutions(
    session: AsyncSession, principal: Principal, meeting: m.Meeting, prepared, *, start: int
) -> list[m.Resolution]:
    out = []
    for seq, (resolution, items) in enumerate(prepared, start=start):
        row = m.Resolution(compound_id=meeting.compound_id, meeting_id=meeting.id, seq=seq, text=resolution.text)
        session.add(row)
        await session.flush()
        out.append(row)
        for item, owner in items:
            await _assign(session, meeting, row, item, owner)
    return out


async def _assign(session: AsyncSession, meeting: m.Meeting, resolution: m.Resolution, item: s.ActionItemIn, owner: _Owner) -> m.ActionItem:
    row = m.ActionItem(
        compound_id=meeting.compound_id,
        meeting_id=meeting.id,
        resolution_id=resolution.id,
        title=item.title,
        owner_kind=owner.kind,
        owner_name=owner.name[:200],
        owner_user_id=owner.user_id,
        owner_tenant_id=owner.tenant_id,
        owner_organisation_id=owner.organisation_id,
        due_on=item.due_on,
        status="open",
    )
    session.add(row)
    await session.flush()
    recipients = await _owner_users(session, row)
    await notify(
        session,
        recipients,
        "party_building.action_item_assigned",
        f"新任务：{item.title}",
        f"{KIND_ZH[meeting.kind]}「{meeting.title}」决议：{resolution.text[:300]}\n任务：{item.title}，完成期限 {item.due_on:%Y-%m-%d}。",
        link=f"/console/compounds/{meeting.compound_id}/party_building/action-items",
        compound_id=meeting.compound_id,
    )
    # a self-contained payload: a consumer (e.g. co_building opening a work order) needs nothing else of ours
    emit(
        session,
        "party_building.action_item.assigned",
        {
            "action_item_id": str(row.id),
            "title": row.title,
            "due_on": row.due_on.isoformat(),
            "owner_kind": row.owner_kind,
            "owner_name": row.owner_name,
            "owner_tenant_id": str(row.owner_tenant_id) if row.owner_tenant_id else None,
            "owner_user_id": str(row.owner_user_id) if row.owner_user_id else None,
            "meeting_id": str(meeting.id),
            "meeting_kind": meeting.kind,
            "meeting_title": meeting.title,
            "resolution": resolution.text,
            "link": f"/console/compounds/{meeting.compound_id}/party_building/action-items",
        },
        compound_id=meeting.compound_id,
    )
    return row


async def _owner_users(session: AsyncSession, item: m.ActionItem) -> list[uuid.UUID]:
    """Who hears about an item: its person, and for an organisation those of it who may act on items here."""
    users = [item.owner_user_id] if item.owner_user_id else []
    if item.owner_kind in ("property_company", "department") and item.owner_tenant_id:
        users += await holders(session, "party_building.action_item", "write", item.owner_tenant_id, item.compound_id)
    return list(dict.fromkeys(users))


async def close_action_item(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, item_id: uuid.UUID, evidence: str, *, keeper: bool
) -> m.ActionItem:
    """The owner (or whoever keeps the meetings) closes an item with evidence of completion."""
    item = await _action_item(session, compound_id, item_id)
    if not (keeper or owns(principal, item)):
        raise Problem(403, "not-owner", "Not the owner", "only the item's owner or whoever keeps the meetings closes it")
    if item.status != "open":
        raise conflict(f"the action item is {item.status}", allowed="open → closed (with evidence), open → cancelled")
    if not evidence.strip():
        raise invalid("evidence", "say what was done")
    moment = now()
    item.status, item.evidence, item.closed_at, item.closed_by = "closed", evidence, moment, principal.user_id
    item.closed_on_time = moment.astimezone(await compound_zone(session, compound_id)).date() <= item.due_on
    await session.flush()
    emit(
        session,
        "party_building.action_item.closed",
        {"action_item_id": str(item.id), "title": item.title, "owner_kind": item.owner_kind, "on_time": item.closed_on_time},
        compound_id=compound_id,
    )
    return item


def owns(principal: Principal, item: m.ActionItem) -> bool:
    if item.owner_user_id is not None and item.owner_user_id == principal.user_id:
        return True
    if item.owner_kind in ("property_company", "department", "party_organisation"):
        return item.owner_tenant_id is not None and item.owner_tenant_id == principal.tenant_id
    if item.owner_kind == "owners_committee":
        return principal.tenant_id is None  # a committee member acting in the compound
    return False


async def cancel_action_item(session: AsyncSession, compound_id: uuid.UUID, item_id: uuid.UUID) -> m.ActionItem:
    item = await _action_item(session, compound_id, item_id)
    if item.status != "open":
        raise conflict(f"the action item is {item.status}", allowed="open → closed (with evidence), open → cancelled")
    item.status = "cancelled"
    await session.flush()
    return item


async def _action_item(session: AsyncSession, compound_id: uuid.UUID, item_id: uuid.UUID) -> m.ActionItem:
    item = await session.get(m.ActionItem, (compound_id, item_id))
    if item is None:
        raise not_found("action item")
    return item


def action_item_out(item: m.ActionItem, today: dt.date) -> s.ActionItemOut:
    return s.ActionItemOut(
        id=item.id,
        compound_id=item.compound_id,
        meeting_id=item.meeting_id,
        resolution_id=item.resolution_id,
        title=item.title,
        owner_kind=item.owner_kind,
        owner_name=item.owner_name,
        owner_user_id=item.owner_user_id,
        owner_tenant_id=item.owner_tenant_id,
        due_on=item.due_on,
        status=item.status,
        overdue=item.status == "open" and item.due_on < today,
        evidence=item.evidence,
        closed_at=item.closed_at,
        closed_on_time=item.closed_on_time,
    )


def action_items_query(
    compound_id: uuid.UUID, today: dt.date, *, status: str | None = None, overdue: bool | None = None, owner_kind: str | None = None
):
    stmt = select(m.ActionItem).where(m.ActionItem.compound_id == compound_id).order_by(m.ActionItem.due_on, m.ActionItem.id)
    if status:
        stmt = stmt.where(m.ActionItem.status == status)
    if overdue is True:
        stmt = stmt.where(m.ActionItem.status == "open", m.ActionItem.due_on < today)
    elif overdue is False:
        stmt = stmt.where(or_(m.ActionItem.status != "open", m.ActionItem.due_on >= today))
    if owner_kind:
        stmt = stmt.where(m.ActionItem.owner_kind == owner_kind)
    return stmt


async def owner_tallies(session: AsyncSession, compound_id: uuid.UUID, today: dt.date) -> list[s.OwnerTally]:
    """The board's count per owner: overdue and late items count against them."""
    items = (
        await session.scalars(select(m.ActionItem).where(m.ActionItem.compound_id == compound_id, m.ActionItem.status != "cancelled"))
    ).all()
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for item in items:
        t = tally[(item.owner_name, item.owner_kind)]
        if item.status == "open":
            t[0] += 1
            t[1] += item.due_on < today
        else:
            t[2 if item.closed_on_time else 3] += 1
    return [
        s.OwnerTally(owner_name=name, owner_kind=kind, open=o, overdue=od, closed_on_time=ot, closed_late=late)
        for (name, kind), (o, od, ot, late) in sorted(tally.items(), key=lambda kv: (-kv[1][1] - kv[1][3], kv[0][0]))
    ]


async def meeting_detail(session: AsyncSession, compound_id: uuid.UUID, meeting_id: uuid.UUID, *, keeper: bool) -> s.MeetingOut:
    meeting = await _meeting(session, compound_id, meeting_id)
    attendees = (
        await session.scalars(
            select(m.MeetingAttendee)
            .where(m.MeetingAttendee.compound_id == compound_id, m.MeetingAttendee.meeting_id == meeting.id)
            .order_by(m.MeetingAttendee.side, m.MeetingAttendee.name)
        )
    ).all()
    resolutions = (
        await session.scalars(
            select(m.Resolution)
            .where(m.Resolution.compound_id == compound_id, m.Resolution.meeting_id == meeting.id)
            .order_by(m.Resolution.seq)
        )
    ).all()
    items = (
        await session.scalars(
            select(m.ActionItem)
            .where(m.ActionItem.compound_id == compound_id, m.ActionItem.meeting_id == meeting.id)
            .order_by(m.ActionItem.due_on)
        )
    ).all()
    today = await local_today(session, compound_id)
    return s.MeetingOut(
        id=meeting.id,
        compound_id=compound_id,
        kind=meeting.kind,
        title=meeting.title,
        organisation_id=meeting.organisation_id,
        scheduled_at=meeting.scheduled_at,
        location=meeting.location,
        agenda=meeting.agenda,
        status=meeting.status,
        held_at=meeting.held_at,
        minutes=meeting.minutes,
        sign_in_code=meeting.sign_in_code if keeper else None,
        attendees=[
            s.AttendeeOut(
                id=a.id,
                side=a.side,
                name=a.name,
                user_id=a.user_id,
                invited=a.invited,
                signed_in_at=a.signed_in_at,
                sign_in_method=a.sign_in_method,
            )
            for a in attendees
        ],
        resolutions=[
            s.ResolutionOut(
                id=r.id, seq=r.seq, text=r.text, action_items=[action_item_out(i, today) for i in items if i.resolution_id == r.id]
            )
            for r in resolutions
        ],
    )


def meeting_out(row: m.Meeting) -> s.MeetingOut:
    return s.MeetingOut(
        id=row.id,
        compound_id=row.compound_id,
        kind=row.kind,
        title=row.title,
        organisation_id=row.organisation_id,
        scheduled_at=row.scheduled_at,
        location=row.location,
        agenda=row.agenda,
        status=row.status,
        held_at=row.held_at,
        minutes=row.minutes,
    )


def meetings_query(compound_id: uuid.UUID, *, kind: str | None = None, status: str | None = None):
    stmt = select(m.Meeting).where(m.Meeting.compound_id == compound_id).order_by(m.Meeting.scheduled_at.desc(), m.Meeting.id)
    if kind:
        stmt = stmt.where(m.Meeting.kind == kind)
    if status:
        stmt = stmt.where(m.Meeting.status == status)
    return stmt


async def meetings_held(session: AsyncSession, compound_id: uuid.UUID, kind: str, start: dt.date, end: dt.date, zone: ZoneInfo) -> int:
    first = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    last = dt.datetime.combine(end, dt.time(0), tzinfo=zone)
    return int(
        await session.scalar(
            select(func.count())
            .select_from(m.Meeting)
            .where(
                m.Meeting.compound_id == compound_id,
                m.Meeting.kind == kind,
                m.Meeting.status == "held",
                m.Meeting.held_at >= first,
                m.Meeting.held_at < last,
            )
        )
        or 0
    )


async def required_kinds(session: AsyncSession, compound_id: uuid.UUID) -> dict[str, tuple[str, int]]:
    """The meeting kinds the district requires of this compound: joint meetings always; 三会一课 where a branch covers it."""
    compound = await session.get(Compound, compound_id)
    if compound is None:
        return {}
    wanted = await requirements(session, compound.district_tenant_id)
    kinds = {
        o.kind
        for o in await organisations_serving(session, compound_id)
        if await _covers(session, o.id, compound_id) or o.kind == "enterprise_branch"
    }
    has_branch = bool(kinds & set(m.BRANCH_KINDS))
    has_groups = bool(
        await session.scalar(
            select(m.OrganisationCoverage.id)
            .join(m.PartyOrganisation, m.PartyOrganisation.id == m.OrganisationCoverage.organisation_id)
            .where(m.OrganisationCoverage.compound_id == compound_id, m.PartyOrganisation.kind == "building_group")
            .limit(1)
        )
    )
    out = {}
    for kind, (period, minimum) in wanted.items():
        if minimum <= 0:
            continue
        if kind == "joint" or (kind in BRANCH_MEETING_KINDS and has_branch) or (kind == "group_meeting" and has_groups):
            out[kind] = (period, minimum)
    return out


# --------------------------------------------------------------------------- the jobs' rules


async def flag_missed_meetings(session: AsyncSession, compound_id: uuid.UUID) -> list[m.MeetingGap]:
    """Flag the last complete period of each required meeting kind the compound fell short in (once per period)."""
    zone = await compound_zone(session, compound_id)
    today = now().astimezone(zone).date()
    compound = await session.get(Compound, compound_id)
    flagged = []
    for kind, (period, minimum) in (await required_kinds(session, compound_id)).items():
        start, end = period_bounds(period_bounds(today, period)[0] - dt.timedelta(days=1), period)
        if await session.scalar(
            select(m.MeetingGap.id).where(
                m.MeetingGap.compound_id == compound_id, m.MeetingGap.kind == kind, m.MeetingGap.period_start == start
            )
        ):
            continue
        held = await meetings_held(session, compound_id, kind, start, end, zone)
        if held >= minimum:
            continue
        gap = m.MeetingGap(
            compound_id=compound_id, kind=kind, period=period, period_start=start, period_end=end, required=minimum, held=held
        )
        session.add(gap)
        flagged.append(gap)
        label = period_label(start, period)
        recipients = await holders(session, "party_building.meeting", "write", compound.district_tenant_id, compound_id)  # type: ignore[union-attr]
        await notify(
            session,
            recipients,
            "party_building.meeting_missed",
            f"{compound.name}：{label} 未按要求召开{KIND_ZH[kind]}",  # type: ignore[union-attr]
            f"要求 {minimum} 次，实际召开 {held} 次（{start:%Y-%m-%d} 至 {end - dt.timedelta(days=1):%Y-%m-%d}）。",
            link=f"/console/compounds/{compound_id}/party_building/meetings",
            compound_id=compound_id,
        )
        emit(
            session,
            "party_building.meeting.missed",
            {
                "kind": kind,
                "period": label,
                "required": minimum,
                "held": held,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
            },
            compound_id=compound_id,
        )
    await session.flush()
    return flagged


async def flag_overdue_action_items(session: AsyncSession, compound_id: uuid.UUID) -> list[m.ActionItem]:
    """Notify the owners of open items past their due date (once per item) and emit an event for each."""
    today = await local_today(session, compound_id)
    items = list(
        (
            await session.scalars(
                select(m.ActionItem).where(
                    m.ActionItem.compound_id == compound_id,
                    m.ActionItem.status == "open",
                    m.ActionItem.due_on < today,
                    m.ActionItem.overdue_notified_on.is_(None),
                )
            )
        ).all()
    )
    for item in items:
        meeting = await session.get(m.Meeting, (compound_id, item.meeting_id))
        recipients = await _owner_users(session, item) + ([meeting.created_by] if meeting and meeting.created_by else [])
        await notify(
            session,
            list(dict.fromkeys(recipients)),
            "party_building.action_item_overdue",
            f"任务逾期：{item.title}",
            f"{item.owner_name} 的任务「{item.title}」已超过完成期限 {item.due_on:%Y-%m-%d}，请尽快办结并上传佐证。",
            link=f"/console/compounds/{compound_id}/party_building/action-items",
            compound_id=compound_id,
        )
        item.overdue_notified_on = today
        emit(
            session,
            "party_building.action_item.overdue",
            {
                "action_item_id": str(item.id),
                "title": item.title,
                "owner_kind": item.owner_kind,
                "owner_name": item.owner_name,
                "owner_tenant_id": str(item.owner_tenant_id) if item.owner_tenant_id else None,
                "due_on": item.due_on.isoformat(),
            },
            compound_id=compound_id,
        )
    await session.flush()
    return items


# --------------------------------------------------------------------------- responsibility lists (责任清单)


async def create_responsibility(session: AsyncSession, principal: Principal, data: s.ResponsibilityIn) -> m.Responsibility:
    org = await get_organisation(session, principal, data.organisation_id, owned=True)
    row = m.Responsibility(
        tenant_id=org.tenant_id, organisation_id=org.id, role=data.role, title=data.title, description=data.description, period=data.period
    )
    session.add(row)
    await session.flush()
    return row


async def record_completion(
    session: AsyncSession, principal: Principal, responsibility_id: uuid.UUID, data: s.CompletionIn, today: dt.date
) -> m.ResponsibilityRecord:
    item = await session.get(m.Responsibility, responsibility_id)
    if item is None:
        raise not_found("responsibility")
    await get_organisation(session, principal, item.organisation_id, owned=True)
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
        recorded_by=principal.user_id,
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


async def responsibilities(
    session: AsyncSession, principal: Principal, today: dt.date, organisation_id: uuid.UUID | None = None
) -> list[s.ResponsibilityOut]:
    visible = await visible_organisation_ids(session, principal)
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


# --------------------------------------------------------------------------- study and training (思想引领)


async def create_study_session(session: AsyncSession, compound_id: uuid.UUID, data: s.StudySessionIn, today: dt.date) -> m.StudySession:
    check_decimal(data.hours, "hours", Decimal(0), Decimal(24), low_included=False)
    if data.hours.as_tuple().exponent < -1:  # type: ignore[operator]
        raise invalid("hours", "at most one decimal place")
    if data.organisation_id is not None:
        await _serving_organisation(session, compound_id, data.organisation_id, "organisation_id")
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


# --------------------------------------------------------------------------- disclosure (公开)


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


async def create_disclosure(session: AsyncSession, principal: Principal, compound_id: uuid.UUID, data: s.DisclosureIn) -> m.Disclosure:
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
    session.add(_version(row, principal.user_id))
    await session.flush()
    if data.publish:
        _emit_published(session, row)
    return row


async def update_disclosure(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, disclosure_id: uuid.UUID, data: s.DisclosurePatch
) -> m.Disclosure:
    """A correction is a new version; the old ones stay in the history."""
    row = await get_disclosure(session, compound_id, disclosure_id)
    given = _given(data)
    if not given:
        raise invalid("form", "nothing to change")
    _check_period(data.publish_from or row.publish_from, data.publish_until if data.publish_until is not None else row.publish_until)
    for key in given:
        setattr(row, key, getattr(data, key))
    row.version += 1
    session.add(_version(row, principal.user_id))
    await session.flush()
    return row


async def set_disclosure_status(
    session: AsyncSession, principal: Principal, compound_id: uuid.UUID, disclosure_id: uuid.UUID, status: str
) -> m.Disclosure:
    row = await get_disclosure(session, compound_id, disclosure_id)
    allowed = {"draft": ("published",), "published": ("withdrawn",), "withdrawn": ("published",)}
    if status not in allowed[row.status]:
        raise conflict(
            f"a {row.status} disclosure cannot become {status}", allowed="draft → published, published → withdrawn, withdrawn → published"
        )
    row.status = status
    if status == "published":
        row.published_at = now()
    row.version += 1
    session.add(_version(row, principal.user_id))
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


# --------------------------------------------------------------------------- the public side (resident portal)


async def my_household_ids(session: AsyncSession, principal: Principal, compound_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        (
            await session.scalars(
                select(Resident.household_id).where(Resident.compound_id == compound_id, Resident.user_id == principal.user_id)
            )
        ).all()
    )


async def public_view(session: AsyncSession, principal: Principal, compound_id: uuid.UUID) -> s.PublicView:
    """What every resident may see: the party organisations, members who show identity, central households, disclosures."""
    today = await local_today(session, compound_id)
    orgs = await organisations_serving(session, compound_id)
    badges = (
        await session.scalars(
            select(m.PartyMember)
            .where(m.PartyMember.compound_id == compound_id, m.PartyMember.show_identity.is_(True), m.PartyMember.left_on.is_(None))
            .order_by(m.PartyMember.name)
        )
    ).all()
    memberships = await memberships_of(session, compound_id, [b.id for b in badges])
    mine = set(await my_household_ids(session, principal, compound_id))
    my_buildings = (
        set(
            (
                await session.scalars(
                    select(Unit.building_id)
                    .join(Room, (Room.compound_id == Unit.compound_id) & (Room.unit_id == Unit.id))
                    .join(Household, (Household.compound_id == Room.compound_id) & (Household.room_id == Room.id))
                    .where(Household.compound_id == compound_id, Household.id.in_(mine))
                )
            ).all()
        )
        if mine
        else set()
    )
    looked_after = (
        set(
            (
                await session.scalars(
                    select(m.CentralHouseholdLink.central_id).where(
                        m.CentralHouseholdLink.compound_id == compound_id, m.CentralHouseholdLink.household_id.in_(mine)
                    )
                )
            ).all()
        )
        if mine
        else set()
    )
    centrals = (
        await session.execute(
            select(m.CentralHousehold, m.PartyMember.name, Building.name)
            .join(
                m.PartyMember,
                (m.PartyMember.compound_id == m.CentralHousehold.compound_id) & (m.PartyMember.id == m.CentralHousehold.member_id),
            )
            .join(Building, (Building.compound_id == m.CentralHousehold.compound_id) & (Building.id == m.CentralHousehold.building_id))
            .where(m.CentralHousehold.compound_id == compound_id)
            .order_by(Building.name, m.PartyMember.name)
        )
    ).all()
    staff = principal.tenant_id is not None
    return s.PublicView(
        compound_id=compound_id,
        organisations=[s.PublicOrganisation(id=o.id, kind=o.kind, name=o.name, secretary_name=o.secretary_name) for o in orgs],
        identity=[
            s.IdentityBadge(
                name=b.name,
                organisation=(memberships.get(b.id) or [None])[0].organisation_name if memberships.get(b.id) else None,
                post=memberships[b.id][0].post if memberships.get(b.id) else None,
            )
            for b in badges
        ],
        central_households=[
            s.PublicCentralHousehold(name=name, building_name=bname, looks_after_me=c.id in looked_after)
            for c, name, bname in centrals
            if staff or c.building_id in my_buildings or c.id in looked_after
        ],
        disclosures=[await disclosure_out(session, d, today) for d in await visible_disclosures(session, compound_id, today)],
    )
