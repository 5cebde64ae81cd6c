"""Console pages of one compound (the control plane's): housing, residents, owners' committee, modules and subscription.

Every route has ``{compound_id}`` in its path, so the guard answers 404 for a
compound the user does not reach, exactly as the API does.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import rules
from core.authz.guard import can, requires
from core.context import RequestContext
from core.identity.principal import Principal
from core.inputs import contains
from core.pagination import OffsetParam, paginate
from core.problems import not_found
from core.web.forms import parse_form
from core.web.i18n import N_
from core.web.render import PAGE_SIZE, done, fragment, is_htmx, page, pager, redirect
from tenants import schemas as s
from tenants import services
from tenants.committee_terms import elections as committee_elections
from tenants.models import Building, Household, Plan, Resident, Room, Subscription, Unit
from tenants.pages.base import CATALOG

C = "/console/compounds/{compound_id:uuid}"

# the reasons module_status gives, so the catalog translates them
MODULE_REASONS = (
    N_("enabled by the district"),
    N_("included in the operator's subscription"),
    N_("withdrawn by the district and not in the operator's subscription"),
    N_("not in the operator's subscription and not enabled by the district"),
)
RESIDENT_ROLES = {"owner": N_("Owner"), "tenant": N_("Tenant"), "family": N_("Family member")}
ROOM_MESSAGES = (N_("give a building area or a delivery date"),)
"""A room update's own refusal, so the catalog translates it (the other messages are the import's)."""
COMMITTEE_POSTS = {"chair": N_("Chair"), "vice_chair": N_("Vice chair"), "member": N_("Member")}


def _can(request: Request, principal: Principal, obj: str, act: str, compound_id: uuid.UUID) -> bool:
    return can(principal, request.app.state.policy.enforcer, obj, act, compound_id)


# --------------------------------------------------------------------------- housing


async def _rooms_of_unit(
    request: Request, session: AsyncSession, principal: Principal, compound_id: uuid.UUID, unit_id: uuid.UUID
) -> dict[str, Any]:
    """A unit's rooms with their household and residents (personal data as the user's rights allow)."""
    unit = await session.get(Unit, (compound_id, unit_id))
    if unit is None:
        raise not_found("unit")
    rooms = (
        await session.scalars(
            select(Room).where(Room.compound_id == compound_id, Room.unit_id == unit_id).order_by(Room.floor, Room.number)
        )
    ).all()
    room_ids = [r.id for r in rooms]
    households = (
        await session.scalars(
            select(Household).where(Household.compound_id == compound_id, Household.room_id.in_(room_ids)).order_by(Household.id)
        )
    ).all()
    residents = (
        await session.scalars(
            select(Resident)
            .where(Resident.compound_id == compound_id, Resident.household_id.in_([h.id for h in households]))
            .order_by(Resident.name)
        )
    ).all()
    show_pii = _can(request, principal, "tenants.resident_pii", "read", compound_id)
    by_household: dict[uuid.UUID, list[s.ResidentOut]] = {}
    for r in residents:
        by_household.setdefault(r.household_id, []).append(services.resident_out(r, show_pii=show_pii))
    household_of: dict[uuid.UUID, Household] = {}
    for h in households:
        household_of.setdefault(h.room_id, h)
    return {
        "unit": unit,
        "rooms": rooms,
        "household_of": household_of,
        "residents_of": by_household,
        "can_see_residents": _can(request, principal, "tenants.resident", "read", compound_id),
        "writable": _can(request, principal, "tenants.housing", "write", compound_id),
        "can_add_resident": _can(request, principal, "tenants.resident", "write", compound_id),
        "roles": RESIDENT_ROLES,
        "compound_id": compound_id,
    }


class HousingPages(Controller):
    path = C
    opt = CATALOG

    @get("/housing", guards=[requires("tenants.housing", "read")])
    async def housing(
        self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession, unit_id: uuid.UUID | None = None
    ) -> Response[Any]:
        """Buildings → units → rooms, with each room's household and residents."""
        buildings = (await session.scalars(select(Building).where(Building.compound_id == compound_id).order_by(Building.name))).all()
        units = (await session.scalars(select(Unit).where(Unit.compound_id == compound_id).order_by(Unit.name))).all()
        counts = dict(
            (await session.execute(select(Room.unit_id, func.count()).where(Room.compound_id == compound_id).group_by(Room.unit_id))).all()
        )
        units_of: dict[uuid.UUID, list[Unit]] = {}
        for u in units:
            units_of.setdefault(u.building_id, []).append(u)
        chosen = unit_id or next((units_of[b.id][0].id for b in buildings if units_of.get(b.id)), None)
        panel = await _rooms_of_unit(request, session, principal, compound_id, chosen) if chosen else None
        compound = await services.get_compound(session, compound_id)
        return await page(
            request,
            "tenants/console/housing.html",
            compound_id=compound_id,
            compound=compound,
            buildings=buildings,
            units_of=units_of,
            room_counts=counts,
            panel=panel,
            writable=_can(request, principal, "tenants.housing", "write", compound_id),
        )

    @get("/housing/units/{unit_id:uuid}", guards=[requires("tenants.housing", "read")])
    async def unit_rooms(
        self, request: Request, compound_id: uuid.UUID, unit_id: uuid.UUID, principal: Principal, session: AsyncSession
    ) -> Response[Any]:
        """The rooms panel of one unit (htmx swaps it in; a plain request gets the whole housing page)."""
        if not is_htmx(request):
            return redirect(f"/console/compounds/{compound_id}/housing?unit_id={unit_id}")
        return fragment(
            request, "tenants/console/_rooms.html", panel=await _rooms_of_unit(request, session, principal, compound_id, unit_id)
        )

    @post("/buildings", guards=[requires("tenants.housing", "write")])
    async def add_building(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Add a building."""
        await services.create_building(session, compound_id, await parse_form(request, s.BuildingIn))
        return done(request, f"/console/compounds/{compound_id}/housing", "created")

    @post("/units", guards=[requires("tenants.housing", "write")])
    async def add_unit(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Add a unit to a building."""
        unit = await services.create_unit(session, compound_id, await parse_form(request, s.UnitIn))
        return done(request, f"/console/compounds/{compound_id}/housing?unit_id={unit.id}", "created")

    @post("/rooms", guards=[requires("tenants.housing", "write")])
    async def add_room(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Add a room with its exclusive area."""
        room = await services.create_room(session, compound_id, await parse_form(request, s.RoomIn))
        return done(request, f"/console/compounds/{compound_id}/housing?unit_id={room.unit_id}", "created")

    @post("/rooms/{room_id:uuid}", guards=[requires("tenants.housing", "write")])
    async def update_room(self, request: Request, compound_id: uuid.UUID, room_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Record a room's building area or its delivery (交付: the room leaves the developer's head in votes)."""
        room = await services.update_room(session, compound_id, room_id, await parse_form(request, s.RoomUpdate))
        return done(request, f"/console/compounds/{compound_id}/housing?unit_id={room.unit_id}")

    @post("/households", guards=[requires("tenants.housing", "write")])
    async def add_household(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Register the household living in a room."""
        household = await services.create_household(session, compound_id, await parse_form(request, s.HouseholdIn))
        room = await session.get(Room, (compound_id, household.room_id))
        return done(request, f"/console/compounds/{compound_id}/housing?unit_id={room.unit_id}", "created")  # type: ignore[union-attr]

    @post("/residents", guards=[requires("tenants.resident", "write")])
    async def add_resident(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Register a resident of a household (ID-card number checked, then encrypted at rest)."""
        resident = await services.create_resident(session, compound_id, await parse_form(request, s.ResidentIn))
        household = await session.get(Household, (compound_id, resident.household_id))
        room = await session.get(Room, (compound_id, household.room_id))  # type: ignore[union-attr]
        return done(request, f"/console/compounds/{compound_id}/housing?unit_id={room.unit_id}", "created")  # type: ignore[union-attr]


# --------------------------------------------------------------------------- residents


class ResidentsPages(Controller):
    path = C
    opt = CATALOG

    @get("/residents", guards=[requires("tenants.resident", "read")])
    async def residents(
        self,
        request: Request,
        compound_id: uuid.UUID,
        principal: Principal,
        session: AsyncSession,
        q: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """Residents with their rooms; phone and ID-card numbers masked unless the user holds tenants.resident_pii."""
        stmt = (
            select(Resident, Room.number, Unit.name, Building.name)
            .join(Household, (Household.compound_id == Resident.compound_id) & (Household.id == Resident.household_id))
            .join(Room, (Room.compound_id == Household.compound_id) & (Room.id == Household.room_id))
            .join(Unit, (Unit.compound_id == Room.compound_id) & (Unit.id == Room.unit_id))
            .join(Building, (Building.compound_id == Unit.compound_id) & (Building.id == Unit.building_id))
            .where(Resident.compound_id == compound_id)
            .order_by(Building.name, Unit.name, Room.number, Resident.name, Resident.id)
        )
        query = (q or "").strip()
        if query:
            stmt = stmt.where(or_(contains(Resident.name, query), Room.number == query))
        rows, total = await paginate(session, stmt, PAGE_SIZE, offset)
        show_pii = _can(request, principal, "tenants.resident_pii", "read", compound_id)
        residents = [(services.resident_out(r, show_pii=show_pii), f"{b} {u} {n}") for r, n, u, b in rows]
        compound = await services.get_compound(session, compound_id)
        return await page(
            request,
            "tenants/console/residents.html",
            compound_id=compound_id,
            compound=compound,
            residents=residents,
            masked=not show_pii,
            q=query,
            pager=pager(request, total, offset),
            roles=RESIDENT_ROLES,
        )


# --------------------------------------------------------------------------- owners' committee


class CommitteePages(Controller):
    path = C + "/committee"
    opt = CATALOG

    @get("/", guards=[requires("tenants.committee", "read")])
    async def committee(self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession) -> Response[Any]:
        """Owners' committee terms (业主委员会) with their members, newest first."""
        terms = await services.committees(session, compound_id)
        writable = _can(request, principal, "tenants.committee", "write", compound_id)
        owners = []
        if writable:
            owners = (
                await session.execute(
                    select(Resident.id, Resident.name)
                    .where(Resident.compound_id == compound_id, Resident.role == "owner")
                    .order_by(Resident.name)
                    .limit(1000)
                )
            ).all()
        compound = await services.get_compound(session, compound_id)
        used = {t.source_vote_id for t in terms}
        chosen = [e for e in await committee_elections(session, compound_id) if e.passed and e.vote_id not in used] if writable else []
        return await page(
            request,
            "tenants/console/committee.html",
            elections=chosen,
            compound_id=compound_id,
            compound=compound,
            terms=terms,
            writable=writable,
            owners=owners,
            posts=COMMITTEE_POSTS,
        )

    @post("/", guards=[requires("tenants.committee", "write")])
    async def add_term(self, request: Request, compound_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Record an elected committee term."""
        await services.create_committee(session, compound_id, await parse_form(request, s.CommitteeIn))
        return done(request, f"/console/compounds/{compound_id}/committee", "created")

    @post("/{committee_id:uuid}/members", guards=[requires("tenants.committee", "write")])
    async def add_member(self, request: Request, compound_id: uuid.UUID, committee_id: uuid.UUID, session: AsyncSession) -> Response[Any]:
        """Add a member with their post and term."""
        await services.add_committee_member(session, compound_id, committee_id, await parse_form(request, s.CommitteeMemberIn))
        return done(request, f"/console/compounds/{compound_id}/committee", "created")


# --------------------------------------------------------------------------- modules and subscription


class ModulesPages(Controller):
    path = C
    opt = CATALOG

    @get("/modules", guards=[requires("tenants.module", "read")])
    async def modules(
        self, request: Request, compound_id: uuid.UUID, principal: Principal, session: AsyncSession, state: State
    ) -> Response[Any]:
        """Each module, whether it is on here and why; the operator's subscriptions; the district's switches."""
        states = []
        known = (await rules().module_states(session, [compound_id], [rec.name for rec in state.plugins.modules])).get(compound_id, {})
        for rec in state.plugins.modules:
            active, reason = known.get(rec.name, (False, ""))
            states.append(
                {
                    "name": rec.name,
                    "label_zh": rec.info.get("label_zh", rec.name),
                    "label_en": rec.info.get("label_en", rec.name),
                    "active": active,
                    "reason": reason,
                }
            )
        subscriptions, plans = [], []
        if _can(request, principal, "tenants.subscription", "read", compound_id):
            subscriptions = (
                await session.execute(
                    select(Subscription, Plan.name)
                    .join(Plan, Plan.id == Subscription.plan_id)
                    .where(Subscription.compound_id == compound_id)
                    .order_by(Subscription.starts_on.desc())
                )
            ).all()
        compound = await services.get_compound(session, compound_id)
        # the compound's operator subscribes it (a fact of the data; the right to is the permission)
        can_subscribe = (
            _can(request, principal, "tenants.subscription", "write", compound_id) and compound.operator_tenant_id == principal.tenant_id
        )
        if can_subscribe:
            plans = (await session.scalars(select(Plan).where(Plan.is_active.is_(True)).order_by(Plan.price_fen_per_compound_month))).all()
        return await page(
            request,
            "tenants/console/modules.html",
            compound_id=compound_id,
            compound=compound,
            states=states,
            subscriptions=subscriptions,
            plans=plans,
            can_subscribe=can_subscribe,
            can_switch=_can(request, principal, "tenants.module", "write", compound_id),
            can_see_subscriptions=_can(request, principal, "tenants.subscription", "read", compound_id),
        )

    @post("/subscriptions", guards=[requires("tenants.subscription", "write")])
    async def subscribe(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """The operator subscribes the compound to a plan (ending the previous subscription)."""
        await services.subscribe(ctx, compound_id, await parse_form(request, s.SubscriptionIn))
        return done(request, f"/console/compounds/{compound_id}/modules", "created")

    @post("/modules/{module:str}", guards=[requires("tenants.module", "write")])
    async def set_module(self, request: Request, compound_id: uuid.UUID, module: str, ctx: RequestContext, state: State) -> Response[Any]:
        """The district enables or withdraws a module here; the module's data is kept either way."""
        data = await parse_form(request, s.ModuleStateIn)
        await services.set_district_module(ctx, compound_id, module, data.enabled, {p.name for p in state.plugins.modules})
        return done(request, f"/console/compounds/{compound_id}/modules")
