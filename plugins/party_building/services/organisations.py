"""Party organisations and their coverage of compounds and buildings; the coverage report (两个覆盖)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import RequestContext, forbidden
from core.problems import Problem, conflict, invalid, not_found
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    LEVEL_RANK,
    given,
    percent,
)
from tenants.models import Building, Compound, Region, Tenant

# --------------------------------------------------------------------------- organisations


FOUNDING = {
    kind: "party_building.enterprise_organisation" if kind in m.ENTERPRISE_KINDS else "party_building.community_organisation"
    for kind in m.ORGANISATION_KINDS
}
"""The permission (act ``found``) each kind of organisation asks: community-level kinds (community committees,
compound and joint branches, building groups) or the enterprise-level branch."""


def foundable_kinds(ctx: RequestContext) -> tuple[str, ...]:
    """The kinds of party organisation the caller may found (casbin, in their tenant)."""
    return tuple(kind for kind in m.ORGANISATION_KINDS if ctx.can(FOUNDING[kind], "found"))


async def visible_organisation_ids(ctx: RequestContext) -> set[uuid.UUID] | None:
    """Organisations the caller sees: its own, those covering a compound it reaches, its operators' branches. None = all."""
    session = ctx.session
    if ctx.principal.scope.is_all:
        return None
    covering = set((await session.scalars(select(m.OrganisationCoverage.organisation_id).distinct())).all())
    operators = {t for t in (await session.scalars(select(Compound.operator_tenant_id).distinct())).all() if t}
    conditions = [m.PartyOrganisation.id.in_(covering)] if covering else []
    if ctx.tenant_id is not None:
        conditions.append(m.PartyOrganisation.tenant_id == ctx.tenant_id)
    if operators:
        conditions.append(and_(m.PartyOrganisation.kind == "enterprise_branch", m.PartyOrganisation.enterprise_tenant_id.in_(operators)))
    if not conditions:
        return set()
    return set((await session.scalars(select(m.PartyOrganisation.id).where(or_(*conditions)))).all())


async def get_organisation(ctx: RequestContext, organisation_id: uuid.UUID, *, owned: bool = False) -> m.PartyOrganisation:
    """An organisation the caller sees (404 otherwise); ``owned`` also asks that its tenant owns it (403 otherwise)."""
    session = ctx.session
    org = await session.get(m.PartyOrganisation, organisation_id)
    visible = await visible_organisation_ids(ctx)
    if org is None or (visible is not None and org.id not in visible):
        raise not_found("party organisation")
    if owned and org.tenant_id != ctx.tenant_id:
        raise Problem(403, "not-owner", "Not the owner", "only the tenant that owns this party organisation changes it")
    return org


async def _check_parent(ctx: RequestContext, kind: str, parent_id: uuid.UUID | None, own_id: uuid.UUID | None = None) -> None:
    if parent_id is None:
        if kind == "building_group":
            raise invalid("parent_id", "a building group sits under a branch")
        return
    try:
        parent = await get_organisation(ctx, parent_id)
    except Problem:
        raise invalid("parent_id", "no such party organisation") from None
    if own_id is not None and parent.id == own_id:
        raise invalid("parent_id", "an organisation cannot be its own parent")
    if LEVEL_RANK[m.LEVEL_OF_KIND[parent.kind]] >= LEVEL_RANK[m.LEVEL_OF_KIND[kind]]:
        raise invalid("parent_id", "the parent must be of a higher level (community committee above branches, branches above groups)")


async def create_organisation(ctx: RequestContext, data: s.OrganisationIn) -> m.PartyOrganisation:
    """A district founds community committees, compound and joint branches and building groups; an enterprise its own branch."""
    session = ctx.session
    tenant_id, allowed = ctx.tenant_id, foundable_kinds(ctx)
    if tenant_id is None or not allowed:
        raise forbidden(FOUNDING[data.kind], "found")
    if data.kind not in allowed:
        raise invalid("kind", f"you may found only: {', '.join(allowed)}")
    await _check_parent(ctx, data.kind, data.parent_id)
    if data.community_id is not None:
        community = await session.get(Region, data.community_id)
        if community is None or community.kind != "community" or (data.kind not in m.ENTERPRISE_KINDS and community.tenant_id != tenant_id):
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


async def update_organisation(ctx: RequestContext, organisation_id: uuid.UUID, data: s.OrganisationPatch) -> m.PartyOrganisation:
    session = ctx.session
    org = await get_organisation(ctx, organisation_id, owned=True)
    if "parent_id" in given(data):
        await _check_parent(ctx, org.kind, data.parent_id, org.id)
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
    for key in given(data):
        setattr(org, key, getattr(data, key))
    await session.flush()
    return org


async def add_coverage(ctx: RequestContext, organisation_id: uuid.UUID, data: s.CoverageIn) -> m.OrganisationCoverage:
    """Record that the organisation covers a compound (or, for a building group, one building)."""
    session = ctx.session
    org = await get_organisation(ctx, organisation_id, owned=True)
    if not ctx.principal.scope.allows(data.compound_id) or await session.get(Compound, data.compound_id) is None:
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


async def remove_coverage(ctx: RequestContext, organisation_id: uuid.UUID, compound_id: uuid.UUID, coverage_id: uuid.UUID) -> None:
    session = ctx.session
    await get_organisation(ctx, organisation_id, owned=True)
    row = await session.get(m.OrganisationCoverage, (compound_id, coverage_id))
    if row is None or row.organisation_id != organisation_id:
        raise not_found("coverage")
    await session.delete(row)
    await session.flush()


async def organisations(ctx: RequestContext, *, compound_id: uuid.UUID | None = None, kind: str | None = None) -> list[s.OrganisationOut]:
    """The organisations the caller sees, parents before children, each with what it covers (in reach)."""
    session = ctx.session
    stmt = select(m.PartyOrganisation).order_by(m.PartyOrganisation.kind, m.PartyOrganisation.name)
    if kind:
        stmt = stmt.where(m.PartyOrganisation.kind == kind)
    if compound_id is None:
        visible = await visible_organisation_ids(ctx)
        if visible is not None:
            stmt = stmt.where(m.PartyOrganisation.id.in_(visible))
    else:
        # those serving the compound, chosen by the database; the caller reaches the compound (its route's guard), so
        # they are among the visible ones, which for a district's admin are hundreds
        operator = await session.scalar(select(Compound.operator_tenant_id).where(Compound.id == compound_id))
        covering = select(m.OrganisationCoverage.organisation_id).where(m.OrganisationCoverage.compound_id == compound_id)
        stmt = stmt.where(
            or_(
                m.PartyOrganisation.id.in_(covering),
                and_(m.PartyOrganisation.kind == "enterprise_branch", m.PartyOrganisation.enterprise_tenant_id == operator),
            )
        )
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
    return [organisation_out(o, ctx.tenant_id, covered[o.id]) for o in tree_order(orgs)]


def tree_order(orgs: list[m.PartyOrganisation]) -> list[m.PartyOrganisation]:
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


def organisation_out(o: m.PartyOrganisation, tenant_id: uuid.UUID | None, coverage: list[s.CoverageOut]) -> s.OrganisationOut:
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
        owned=o.tenant_id == tenant_id,
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
    return tree_order(list(rows))


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


async def coverage_report(ctx: RequestContext, region_id: uuid.UUID | None = None) -> s.CoverageReport:
    """Per community, street and district: compounds without a compound or joint branch, operating enterprises
    without a branch, buildings without a building group (over the compounds the caller reaches)."""
    session = ctx.session
    compounds = list((await session.scalars(select(Compound).order_by(Compound.name))).all())
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
    district_name = await session.scalar(select(Tenant.name).where(Tenant.id == ctx.tenant_id)) if ctx.tenant_id else None
    out.append(_coverage_row("district", None, district_name or "", compounds, facts))
    return s.CoverageReport(rows=out)


async def compound_coverage(session: AsyncSession, compound_id: uuid.UUID) -> Decimal | None:
    """两个覆盖 for one compound: its branch and its operator's branch, in % of both."""
    return (await coverage_of(session, [compound_id])).coverage


async def covers(session: AsyncSession, organisation_id: uuid.UUID, compound_id: uuid.UUID) -> bool:
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
