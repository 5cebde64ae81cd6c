"""Rules of the control plane: tenants, hierarchy, compounds, operator change, housing, committees, plans.

Services validate everything before they add anything, so bad input writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import review
from core.clock import now
from core.context import RequestContext
from core.db import widen_scope
from core.ids import uuid7
from core.problems import Problem, conflict, invalid, not_found
from core.security import blind_index, decrypt_pii, encrypt_pii, mask_id_card, mask_phone
from core.validators import id_card_problem, uscc_problem
from tenants import schemas as s
from tenants.models import (
    Building,
    CommitteeMember,
    Compound,
    Department,
    Household,
    ModuleEnablement,
    OperatorTerm,
    OwnersCommittee,
    Plan,
    Region,
    Resident,
    Room,
    Subscription,
    Tenant,
    Unit,
)

MAX_AREA = Decimal("100000")


async def _get(session: AsyncSession, model, what: str, **key):
    row = await session.get(model, key.get("id") if len(key) == 1 else tuple(key.values()))
    if row is None:
        raise not_found(what)
    return row


async def _in_compound(session: AsyncSession, model, compound_id: uuid.UUID, row_id: uuid.UUID, what: str):
    row = await session.get(model, (compound_id, row_id))
    if row is None:
        raise invalid(f"{what}_id", f"no {what} {row_id} in this compound")
    return row


# --------------------------------------------------------------------------- tenants


async def create_tenant(session: AsyncSession, data: s.TenantIn) -> Tenant:
    if data.kind == "enterprise":
        if not data.credit_code:
            raise invalid("credit_code", "an enterprise needs its unified social credit code")
    if data.credit_code:
        problem = uscc_problem(data.credit_code)
        if problem:
            raise invalid("credit_code", problem)
        if await session.scalar(select(Tenant.id).where(Tenant.credit_code == data.credit_code)):
            raise conflict("a tenant with this credit code exists")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(data.timezone)
    except Exception:
        raise invalid("timezone", "unknown IANA time zone") from None
    tenant = Tenant(kind=data.kind, name=data.name, credit_code=data.credit_code, timezone=data.timezone, contact_phone=data.contact_phone)
    session.add(tenant)
    await session.flush()
    return tenant


async def set_tenant_status(session: AsyncSession, tenant_id: uuid.UUID, status: str) -> Tenant:
    tenant = await _get(session, Tenant, "tenant", id=tenant_id)
    if tenant.kind == "platform" and status != "active":
        raise conflict("the platform tenant cannot be suspended")
    tenant.status = status
    return tenant


# --------------------------------------------------------------------------- district hierarchy


async def create_region(ctx: RequestContext, data: s.RegionIn) -> Region:
    """A district adds a street, or a community under one of its streets (the regions are its own); a caller with
    ``tenants.any_district`` (the platform) adds them to the district named by ``tenant_id``."""
    ctx.require("tenants.region", "write")
    owner = data.tenant_id or ctx.tenant_id
    if owner != ctx.tenant_id and not ctx.can("tenants.any_district", "write"):
        raise invalid("tenant_id", "regions of another district are not yours to add")
    return await add_region(ctx.session, owner, data)  # type: ignore[arg-type]


async def add_region(session: AsyncSession, tenant_id: uuid.UUID, data: s.RegionIn) -> Region:
    """Add a street (under the district) or a community (under one of the district's streets) to ``tenant_id``."""
    district = await session.get(Tenant, tenant_id)
    if district is None or district.kind != "district":
        raise invalid("tenant_id", "not a district")
    if data.kind == "street" and data.parent_id is not None:
        raise invalid("parent_id", "a street sits directly under the district")
    if data.kind == "community":
        if data.parent_id is None:
            raise invalid("parent_id", "a community needs its street")
        parent = await session.get(Region, data.parent_id)
        if parent is None or parent.tenant_id != tenant_id or parent.kind != "street":
            raise invalid("parent_id", "not a street of this district")
    if await session.scalar(
        select(Region.id).where(Region.tenant_id == tenant_id, Region.parent_id == data.parent_id, Region.name == data.name)
    ):
        raise conflict(f"{data.name} already exists here")
    region = Region(tenant_id=tenant_id, kind=data.kind, name=data.name, parent_id=data.parent_id)
    session.add(region)
    await session.flush()
    return region


async def create_department(ctx: RequestContext, data: s.DepartmentIn) -> Department:
    ctx.require("tenants.department", "write")
    session, principal = ctx.session, ctx.principal
    dept = Department(tenant_id=principal.tenant_id, name=data.name, kind=data.kind)
    session.add(dept)
    await session.flush()
    return dept


# --------------------------------------------------------------------------- compounds


async def create_compound(ctx: RequestContext, data: s.CompoundIn) -> Compound:
    """A district registers a compound in one of its communities (``tenants.any_district``: in any district's)."""
    ctx.require("tenants.compound", "write")
    community = await ctx.session.get(Region, data.community_id)
    if community is not None and community.tenant_id != ctx.tenant_id and not ctx.can("tenants.any_district", "write"):
        community = None
    return await register_compound(ctx.session, community, data)


async def register_compound(session: AsyncSession, community: Region | None, data: s.CompoundIn) -> Compound:
    """Register a compound in ``community`` (a community region the caller may use), with its first operator."""
    if community is None or community.kind != "community":
        raise invalid("community_id", "not a community of this district")
    if data.operator_tenant_id is not None:
        await _operator_tenant(session, data.operator_tenant_id)
    compound = Compound(
        id=uuid7(),
        name=data.name,
        address=data.address,
        community_id=community.id,
        district_tenant_id=community.tenant_id,
        operator_tenant_id=data.operator_tenant_id,
    )
    await widen_scope(session, compound.id)
    session.add(compound)
    await session.flush()
    if data.operator_tenant_id is not None:
        session.add(OperatorTerm(compound_id=compound.id, tenant_id=data.operator_tenant_id, started_at=now(), note="initial operator"))
        await session.flush()
    return compound


async def _operator_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None or tenant.kind != "enterprise":
        raise invalid("tenant_id", "not a property enterprise")
    if tenant.status != "active":
        raise invalid("tenant_id", "the enterprise is suspended")
    return tenant


# Choosing or changing the property company passes the community party organisation's pre-review first (前置把关,
# standard §4; core.review). The subject reviewed is "this compound, under its present operator term, to this
# enterprise": approving a change to one enterprise approves nothing else, and an approval is spent once the
# change is made (the term it names has ended).
OPERATOR_MATTER = "hire_property_company"
_OPERATOR_SUBJECTS = uuid.UUID("6f1d7c0e-52a4-4b8e-9d0a-6b0e3f6c2a11")


async def _operator_subjects(session: AsyncSession, compound_id: uuid.UUID, tenant_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    term = await session.scalar(select(OperatorTerm.id).where(OperatorTerm.compound_id == compound_id, OperatorTerm.ended_at.is_(None)))
    return {t: uuid.uuid5(_OPERATOR_SUBJECTS, f"{compound_id}:{term or 'none'}:{t}") for t in tenant_ids}


async def operator_reviews(session: AsyncSession, compound_id: uuid.UUID, tenant_ids: list[uuid.UUID]) -> dict[uuid.UUID, review.PreReview]:
    """Where the review of a change to each of ``tenant_ids`` stands (a form's options: one ask for them all)."""
    subjects = await _operator_subjects(session, compound_id, tenant_ids)
    found = await review.pre_reviews(session, compound_id, OPERATOR_MATTER, list(subjects.values()))
    return {t: found[subject] for t, subject in subjects.items()}


async def request_operator_review(
    session: AsyncSession, compound_id: uuid.UUID, data: s.OperatorChangeIn, user_id: uuid.UUID | None
) -> review.PreReview:
    """Put the change of operator to ``data.tenant_id`` to the community party organisation (again after a refusal)."""
    compound = await _get(session, Compound, "compound", id=compound_id)
    tenant = await _operator_tenant(session, data.tenant_id)
    if compound.operator_tenant_id == data.tenant_id:
        raise conflict("this enterprise already operates the compound")
    subject = (await _operator_subjects(session, compound_id, [data.tenant_id]))[data.tenant_id]
    title = f"{compound.name}：{'更换' if compound.operator_tenant_id else '选聘'}物业服务企业为{tenant.name}"
    if data.note.strip():
        title += f"（{data.note.strip()}）"
    return await review.request_pre_review(
        session, compound_id, OPERATOR_MATTER, subject, title=title[:200], link=f"/console/compounds/{compound_id}", user_id=user_id
    )


async def change_operator(session: AsyncSession, compound_id: uuid.UUID, data: s.OperatorChangeIn) -> Compound:
    """物业更换: the compound's data stays; the old operator loses access and the new one gains it at once — once the
    community party organisation has approved the change (409 ``pre-review-required`` until then)."""
    compound = await _get(session, Compound, "compound", id=compound_id)
    await _operator_tenant(session, data.tenant_id)
    if compound.operator_tenant_id == data.tenant_id:
        raise conflict("this enterprise already operates the compound")
    subject = (await _operator_subjects(session, compound_id, [data.tenant_id]))[data.tenant_id]
    await review.require_pre_review(session, compound_id, OPERATOR_MATTER, subject)
    moment = now()
    current = await session.scalar(select(OperatorTerm).where(OperatorTerm.compound_id == compound_id, OperatorTerm.ended_at.is_(None)))
    if current is not None:
        current.ended_at = moment
    for sub in (
        await session.scalars(select(Subscription).where(Subscription.compound_id == compound_id, Subscription.status == "active"))
    ).all():
        sub.status = "ended"
        sub.ends_on = moment.date()
    compound.operator_tenant_id = data.tenant_id
    session.add(OperatorTerm(compound_id=compound_id, tenant_id=data.tenant_id, started_at=moment, note=data.note))
    await session.flush()
    return compound


async def operator_history(session: AsyncSession, compound_id: uuid.UUID) -> list[s.OperatorTermOut]:
    rows = (
        await session.execute(
            select(OperatorTerm, Tenant.name)
            .join(Tenant, Tenant.id == OperatorTerm.tenant_id)
            .where(OperatorTerm.compound_id == compound_id)
            .order_by(OperatorTerm.started_at)
        )
    ).all()
    return [
        s.OperatorTermOut(id=t.id, tenant_id=t.tenant_id, tenant_name=name, started_at=t.started_at, ended_at=t.ended_at, note=t.note)
        for t, name in rows
    ]


def compounds_query():
    return (
        select(Compound, Tenant.name, Region.name)
        .outerjoin(Tenant, Tenant.id == Compound.operator_tenant_id)
        .join(Region, Region.id == Compound.community_id)
        .order_by(Compound.name, Compound.id)
    )


def compound_out(compound: Compound, operator_name: str | None, community_name: str | None) -> s.CompoundOut:
    return s.CompoundOut(
        id=compound.id,
        name=compound.name,
        address=compound.address,
        community_id=compound.community_id,
        district_tenant_id=compound.district_tenant_id,
        operator_tenant_id=compound.operator_tenant_id,
        operator_name=operator_name,
        community_name=community_name,
    )


async def get_compound(session: AsyncSession, compound_id: uuid.UUID) -> s.CompoundOut:
    row = (await session.execute(compounds_query().where(Compound.id == compound_id))).first()
    if row is None:
        raise not_found("compound")
    return compound_out(*row)


# --------------------------------------------------------------------------- housing


async def create_building(session: AsyncSession, compound_id: uuid.UUID, data: s.BuildingIn) -> Building:
    if await session.scalar(select(Building.id).where(Building.compound_id == compound_id, Building.name == data.name)):
        raise conflict(f"building {data.name} exists", errors=[{"field": "name", "message": "already exists"}])
    row = Building(compound_id=compound_id, name=data.name, floors=data.floors)
    session.add(row)
    await session.flush()
    return row


async def create_unit(session: AsyncSession, compound_id: uuid.UUID, data: s.UnitIn) -> Unit:
    await _in_compound(session, Building, compound_id, data.building_id, "building")
    if await session.scalar(
        select(Unit.id).where(Unit.compound_id == compound_id, Unit.building_id == data.building_id, Unit.name == data.name)
    ):
        raise conflict(f"unit {data.name} exists in this building", errors=[{"field": "name", "message": "already exists"}])
    row = Unit(compound_id=compound_id, building_id=data.building_id, name=data.name)
    session.add(row)
    await session.flush()
    return row


def check_area(area: Decimal, field: str = "exclusive_area") -> Decimal:
    if not area.is_finite() or area <= 0 or area > MAX_AREA:
        raise invalid(field, f"must be a positive area in m² up to {MAX_AREA}")
    if area.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid(field, "at most two decimal places")
    return area


SMALLER_THAN_EXCLUSIVE = "must not be smaller than the exclusive area (专有面积)"
DELIVERED_BUT_HELD = "a delivered room is not held by the developer: write 否 in 开发商持有 or leave it empty"
IN_THE_FUTURE = "must not be after today: record a delivery once it has happened"


def _check_building_area(building_area: Decimal, exclusive_area: Decimal) -> None:
    check_area(building_area, "building_area")
    if building_area < exclusive_area:
        raise invalid("building_area", SMALLER_THAN_EXCLUSIVE)


async def _check_delivery(session: AsyncSession, compound_id: uuid.UUID, delivered_on: dt.date) -> None:
    """A delivery (交付) is recorded once it has happened: not after today in the compound's zone."""
    from core.access import compound_zone

    if delivered_on > now().astimezone(zoneinfo.ZoneInfo(await compound_zone(session, compound_id))).date():
        raise invalid("delivered_on", IN_THE_FUTURE)


async def create_room(session: AsyncSession, compound_id: uuid.UUID, data: s.RoomIn) -> Room:
    check_area(data.exclusive_area)
    if data.building_area is not None:
        _check_building_area(data.building_area, data.exclusive_area)
    if data.delivered_on is not None:
        if data.developer_held:
            raise invalid("developer_held", DELIVERED_BUT_HELD)
        await _check_delivery(session, compound_id, data.delivered_on)
    await _in_compound(session, Unit, compound_id, data.unit_id, "unit")
    if await session.scalar(
        select(Room.id).where(Room.compound_id == compound_id, Room.unit_id == data.unit_id, Room.number == data.number)
    ):
        raise conflict(f"room {data.number} exists in this unit", errors=[{"field": "number", "message": "already exists"}])
    row = Room(
        compound_id=compound_id,
        unit_id=data.unit_id,
        number=data.number,
        floor=data.floor,
        exclusive_area=data.exclusive_area,
        building_area=data.building_area,
        developer_held=data.developer_held,
        delivered_on=data.delivered_on,
    )
    session.add(row)
    await session.flush()
    return row


async def update_room(session: AsyncSession, compound_id: uuid.UUID, room_id: uuid.UUID, data: s.RoomUpdate) -> Room:
    """Record a room's building area (建筑面积, ≥ its exclusive area) or its delivery (交付), or correct them.

    A delivery clears 开发商持有: the room leaves the developer's head in owners' votes (a vote already open keeps
    its frozen roll). The exclusive area, the vote weight, is not changed here.
    """
    if data.building_area is None and data.delivered_on is None:
        raise invalid("building_area", "give a building area or a delivery date")
    room = await session.get(Room, (compound_id, room_id))
    if room is None:
        raise not_found("room")
    if data.building_area is not None:
        _check_building_area(data.building_area, room.exclusive_area)
    if data.delivered_on is not None:
        await _check_delivery(session, compound_id, data.delivered_on)
    if data.building_area is not None:
        room.building_area = data.building_area
    if data.delivered_on is not None:
        room.delivered_on, room.developer_held = data.delivered_on, False
    await session.flush()
    return room


async def create_household(session: AsyncSession, compound_id: uuid.UUID, data: s.HouseholdIn) -> Household:
    await _in_compound(session, Room, compound_id, data.room_id, "room")
    row = Household(compound_id=compound_id, room_id=data.room_id, moved_in_on=data.moved_in_on)
    session.add(row)
    await session.flush()
    return row


async def create_resident(session: AsyncSession, compound_id: uuid.UUID, data: s.ResidentIn) -> Resident:
    await _in_compound(session, Household, compound_id, data.household_id, "household")
    cipher = index = None
    if data.id_card:
        problem = id_card_problem(data.id_card.upper())
        if problem:
            raise invalid("id_card", problem)
        cipher, index = encrypt_pii(data.id_card.upper()), blind_index(data.id_card.upper())
    row = Resident(
        compound_id=compound_id,
        household_id=data.household_id,
        name=data.name,
        role=data.role,
        phone=data.phone,
        id_card_cipher=cipher,
        id_card_index=index,
    )
    session.add(row)
    await session.flush()
    return row


def resident_out(row: Resident, *, show_pii: bool) -> s.ResidentOut:
    """Personal data in full only for roles with ``tenants.resident_pii``; masked otherwise."""
    id_card = decrypt_pii(row.id_card_cipher)
    return s.ResidentOut(
        id=row.id,
        compound_id=row.compound_id,
        household_id=row.household_id,
        name=row.name,
        role=row.role,
        phone=row.phone if show_pii else mask_phone(row.phone),
        id_card=id_card if show_pii else mask_id_card(id_card),
        masked=not show_pii,
    )


# --------------------------------------------------------------------------- owners' committee


async def create_committee(session: AsyncSession, compound_id: uuid.UUID, data: s.CommitteeIn) -> OwnersCommittee:
    """Record a term: no overlap with another term of the compound; filled from a passed election vote when named."""
    from tenants.committee_terms import check_term

    election = await check_term(session, compound_id, data.term_start, data.term_end, data.source_vote_id)
    row = OwnersCommittee(
        compound_id=compound_id,
        term_start=data.term_start,
        term_end=data.term_end,
        elected_on=data.elected_on or (election.closed_at.date() if election else None),
        filing_number=data.filing_number,
        source_vote_id=data.source_vote_id,
    )
    session.add(row)
    await session.flush()
    return row


async def add_committee_member(
    session: AsyncSession, compound_id: uuid.UUID, committee_id: uuid.UUID, data: s.CommitteeMemberIn
) -> CommitteeMember:
    committee = await session.get(OwnersCommittee, (compound_id, committee_id))
    if committee is None:
        raise not_found("owners' committee")
    if data.term_end <= data.term_start:
        raise invalid("term_end", "must be after term_start")
    if data.term_start < committee.term_start or data.term_end > committee.term_end:
        raise invalid("term_start", "a member's term lies within the committee's term")
    if data.resident_id is not None:
        resident = await _in_compound(session, Resident, compound_id, data.resident_id, "resident")
        if resident.role != "owner":
            raise invalid("resident_id", "committee members are owners of the compound")
    if data.post == "chair":
        existing = await session.scalar(
            select(CommitteeMember.id).where(
                CommitteeMember.compound_id == compound_id, CommitteeMember.committee_id == committee_id, CommitteeMember.post == "chair"
            )
        )
        if existing:
            raise conflict("the committee already has a chair")
    row = CommitteeMember(
        compound_id=compound_id,
        committee_id=committee_id,
        name=data.name,
        post=data.post,
        term_start=data.term_start,
        term_end=data.term_end,
        resident_id=data.resident_id,
        user_id=data.user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def committees(session: AsyncSession, compound_id: uuid.UUID) -> list[s.CommitteeOut]:
    rows = (
        await session.scalars(
            select(OwnersCommittee).where(OwnersCommittee.compound_id == compound_id).order_by(OwnersCommittee.term_start.desc())
        )
    ).all()
    members = (
        await session.scalars(
            select(CommitteeMember).where(CommitteeMember.compound_id == compound_id).order_by(CommitteeMember.post, CommitteeMember.name)
        )
    ).all()
    out = []
    for c in rows:
        ms = [
            s.CommitteeMemberOut(
                id=m.id,
                name=m.name,
                post=m.post,
                term_start=m.term_start,
                term_end=m.term_end,
                resident_id=m.resident_id,
                user_id=m.user_id,
            )
            for m in members
            if m.committee_id == c.id
        ]
        out.append(
            s.CommitteeOut(
                id=c.id,
                compound_id=c.compound_id,
                term_start=c.term_start,
                term_end=c.term_end,
                elected_on=c.elected_on,
                filing_number=c.filing_number,
                members=ms,
                source_vote_id=c.source_vote_id,
            )
        )
    return out


# --------------------------------------------------------------------------- plans, subscriptions, modules


async def create_plan(session: AsyncSession, data: s.PlanIn, known_modules: set[str]) -> Plan:
    unknown = sorted(set(data.modules) - known_modules)
    if unknown:
        raise invalid("modules", f"unknown modules: {', '.join(unknown)}")
    if await session.scalar(select(Plan.id).where(Plan.code == data.code)):
        raise conflict(f"plan {data.code} exists")
    plan = Plan(
        code=data.code, name=data.name, modules=sorted(set(data.modules)), price_fen_per_compound_month=data.price_fen_per_compound_month
    )
    session.add(plan)
    await session.flush()
    return plan


async def subscribe(ctx: RequestContext, compound_id: uuid.UUID, data: s.SubscriptionIn) -> Subscription:
    """The operating enterprise subscribes one compound to a plan (whoever holds the right, only the operator)."""
    ctx.require("tenants.subscription", "write", compound_id)
    session, principal = ctx.session, ctx.principal
    compound = await _get(session, Compound, "compound", id=compound_id)
    if compound.operator_tenant_id != principal.tenant_id:
        raise Problem(403, "not-operator", "Not the operator", "only the compound's current operator subscribes it")
    plan = await session.get(Plan, data.plan_id)
    if plan is None or not plan.is_active:
        raise invalid("plan_id", "no such active plan")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise invalid("ends_on", "must not be before starts_on")
    for sub in (
        await session.scalars(select(Subscription).where(Subscription.compound_id == compound_id, Subscription.status == "active"))
    ).all():
        sub.status = "ended"
        sub.ends_on = data.starts_on
    row = Subscription(
        compound_id=compound_id, tenant_id=principal.tenant_id, plan_id=plan.id, starts_on=data.starts_on, ends_on=data.ends_on
    )
    session.add(row)
    await session.flush()
    return row


async def set_district_module(
    ctx: RequestContext, compound_id: uuid.UUID, module: str, enabled: bool, known_modules: set[str]
) -> ModuleEnablement:
    """A district enables (or withdraws) a module for a compound in its jurisdiction (``tenants.any_district``:
    in any); data is kept either way."""
    ctx.require("tenants.module", "write", compound_id)
    session, principal = ctx.session, ctx.principal
    if module not in known_modules:
        raise not_found(f"module {module}")
    compound = await _get(session, Compound, "compound", id=compound_id)
    if compound.district_tenant_id != principal.tenant_id and not ctx.can("tenants.any_district", "write", compound_id):
        raise not_found("compound")
    row = await session.scalar(
        select(ModuleEnablement).where(ModuleEnablement.compound_id == compound_id, ModuleEnablement.module == module)
    )
    if row is None:
        row = ModuleEnablement(
            compound_id=compound_id, module=module, enabled=enabled, by_tenant_id=principal.tenant_id, by_user_id=principal.user_id
        )
        session.add(row)
    else:
        row.enabled, row.by_tenant_id, row.by_user_id = enabled, principal.tenant_id, principal.user_id
    await session.flush()
    return row
