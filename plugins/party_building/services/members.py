"""The member register, memberships and posts, and central households (党员中心户)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.identity.models import User
from core.inputs import contains
from core.problems import conflict, invalid, not_found
from core.security import mask_phone
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    LEVEL_RANK,
    given,
)
from plugins.party_building.services.organisations import (
    organisations_serving,
)
from tenants.models import Building, Household, Resident, Room, Unit

# --------------------------------------------------------------------------- members


async def serving_organisation(
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
    orgs = [await serving_organisation(session, compound_id, oid, "organisation_ids") for oid in data.organisation_ids]
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
    for key in given(data):
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
    org = await serving_organisation(session, compound_id, data.organisation_id, "organisation_id")
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
        stmt = stmt.where(contains(m.PartyMember.name, q))
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
