"""The public side (resident portal): organisations, identity badges, central households, disclosures."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.context import RequestContext
from plugins.party_building import models as m
from plugins.party_building import schemas as s
from plugins.party_building.services.common import (
    local_today,
)
from plugins.party_building.services.disclosure import (
    disclosure_out,
    visible_disclosures,
)
from plugins.party_building.services.members import (
    memberships_of,
)
from plugins.party_building.services.organisations import (
    organisations_serving,
)
from tenants.models import Building, Household, Resident, Room, Unit

# --------------------------------------------------------------------------- the public side (resident portal)


async def my_household_ids(ctx: RequestContext, compound_id: uuid.UUID) -> list[uuid.UUID]:
    session = ctx.session
    return list(
        (
            await session.scalars(select(Resident.household_id).where(Resident.compound_id == compound_id, Resident.user_id == ctx.user_id))
        ).all()
    )


async def public_view(ctx: RequestContext, compound_id: uuid.UUID) -> s.PublicView:
    """What every resident may see: the party organisations, members who show identity, central households, disclosures."""
    session = ctx.session
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
    mine = set(await my_household_ids(ctx, compound_id))
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
    staff = ctx.can("party_building.central_household", "read", compound_id)  # every central household, not just my building's
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
