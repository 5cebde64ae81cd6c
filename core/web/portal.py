"""The resident portal (mobile first): my home, my household, my compound's services, my inbox."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import authenticated, requires
from core.identity.principal import Principal
from core.pagination import OffsetParam
from core.security import mask_phone
from core.web.activity import inbox_page, read_one
from core.web.compound import RESIDENT_ROLES
from core.web.render import page, redirect
from tenants import services
from tenants.access import module_status
from tenants.models import Building, Household, Resident, Room, Unit


class PortalPages(Controller):
    path = "/portal"

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
        homes = []
        for me, household, room, unit, building in mine:
            members = (
                await session.scalars(
                    select(Resident)
                    .where(Resident.compound_id == me.compound_id, Resident.household_id == household.id)
                    .order_by(Resident.role, Resident.name)
                )
            ).all()
            services_on = []
            for rec in state.plugins.modules:
                active, _ = await module_status(session, me.compound_id, rec.name)
                if active:
                    services_on.append(rec.info)
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
        return await page(
            request,
            "portal/home.html",
            portal=True,
            homes=homes,
            roles=RESIDENT_ROLES,
            compound_id=homes[0]["me"].compound_id if homes else None,
        )

    @get("/inbox", guards=[authenticated()])
    async def inbox(
        self, request: Request, principal: Principal, session: AsyncSession, unread: bool = False, offset: OffsetParam = 0
    ) -> Response[Any]:
        """My notifications, newest first."""
        return await inbox_page(request, principal, session, unread, offset, portal=True)

    @post("/inbox/{notification_id:uuid}/read", guards=[authenticated()])
    async def mark_read(self, request: Request, notification_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Mark one notification read."""
        return await read_one(request, principal, session, notification_id, portal=True)
