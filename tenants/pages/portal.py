"""The resident portal's home (mobile first): my homes, my household, my compound's services (the inbox is the kernel's)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.guard import requires
from core.clock import now
from core.identity.principal import Principal
from core.security import mask_phone
from core.waiting import waiting_for
from core.web.render import page, redirect
from tenants import services
from tenants.models import Building, Household, Resident, Room, Unit
from tenants.pages.base import CATALOG
from tenants.pages.compound import RESIDENT_ROLES


class PortalHomePages(Controller):
    path = "/portal"
    opt = CATALOG

    @get("/", guards=[requires("tenants.my_household", "read")])
    async def home(self, request: Request, principal: Principal, session: AsyncSession, state: State) -> Response[Any]:
        """My homes: the room, the household's members, the compound and its operator, the services on there."""
        if principal.tenant_id is not None:
            return redirect("/console/")
        mine = (
            await session.execute(
                select(Resident, Household, Room, Unit, Building)
                .join(Household, (Household.compound_id == Resident.compound_id) & (Household.id == Resident.household_id))
                .join(Room, (Room.compound_id == Household.compound_id) & (Room.id == Household.room_id))
                .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
                .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
                .where(Resident.user_id == principal.user_id)
                .order_by(Building.name, Unit.name, Room.number)
            )
        ).all()
        names = [rec.name for rec in state.plugins.modules]
        states = await rules().module_states(session, sorted({row[0].compound_id for row in mine}), names)
        homes = []
        for me, household, room, unit, building in mine:
            members = (
                await session.scalars(
                    select(Resident)
                    .where(Resident.compound_id == me.compound_id, Resident.household_id == household.id)
                    .order_by(Resident.role, Resident.name)
                )
            ).all()
            here = states.get(me.compound_id, {})
            services_on = [rec.info for rec in state.plugins.modules if here.get(rec.name, (False, ""))[0]]
            homes.append(
                {
                    "me": me,
                    "room": room,
                    "unit": unit,
                    "building": building,
                    "household": household,
                    "compound": await services.get_compound(session, me.compound_id),
                    "members": [
                        {"name": m.name, "role": m.role, "phone": m.phone if m.id == me.id else mask_phone(m.phone), "is_me": m.id == me.id}
                        for m in members
                    ],
                    "modules": services_on,
                }
            )
        waiting = await waiting_for(
            session, state.plugins, principal, state.policy.enforcer, [h["me"].compound_id for h in homes], audience="portal", moment=now()
        )
        return await page(
            request,
            "tenants/portal/home.html",
            portal=True,
            homes=homes,
            waiting=[w for w in waiting if w.count],
            roles=RESIDENT_ROLES,
            compound_id=homes[0]["me"].compound_id if homes else None,
        )
