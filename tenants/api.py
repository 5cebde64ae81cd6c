"""HTTP handlers of the control plane (thin: parse, call a service, shape the answer)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post, put
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz.guard import can, requires
from core.context import RequestContext
from core.db import Scope
from core.identity.principal import Principal
from core.pagination import LimitParam, OffsetParam, Page, page_of, paginate
from tenants import schemas as s
from tenants import services
from tenants.access import module_status
from tenants.billing import Invoice, InvoiceLine
from tenants.models import Building, Department, Household, Plan, Region, Resident, Room, Subscription, Tenant, Unit

C = "/api/v1/compounds/{compound_id:uuid}"


def _page(items, total, limit, offset):
    return Page(items=items, total=total, limit=limit, offset=offset)


def _tenant(t: Tenant) -> s.TenantOut:
    return s.TenantOut(id=t.id, kind=t.kind, name=t.name, credit_code=t.credit_code, status=t.status, timezone=t.timezone)


class TenantsController(Controller):
    path = "/api/v1/tenants"
    tags = ["tenants"]

    @get("/", operation_id="listTenants", guards=[requires("core.tenant", "read")])
    async def list_tenants(
        self, state: State, limit: LimitParam = 50, offset: OffsetParam = 0, kind: str | None = None
    ) -> Page[s.TenantOut]:
        """Every tenant (platform operators only)."""
        async with state.db.session(Scope.nothing()) as session:
            stmt = select(Tenant).order_by(Tenant.kind, Tenant.name)
            if kind:
                stmt = stmt.where(Tenant.kind == kind)
            rows, total = await paginate(session, stmt, limit, offset)
        return _page([_tenant(t) for t in rows], total, limit, offset)

    @post("/", operation_id="createTenant", guards=[requires("core.tenant", "write")])
    async def create_tenant(self, data: s.TenantIn, session: AsyncSession) -> s.TenantOut:
        """Create an enterprise (credit code checked) or a district tenant."""
        t = await services.create_tenant(session, data)
        return _tenant(t)

    @patch("/{tenant_id:uuid}/status", operation_id="setTenantStatus", guards=[requires("core.tenant", "write")])
    async def set_status(self, tenant_id: uuid.UUID, data: s.TenantStatusIn, session: AsyncSession) -> s.TenantOut:
        """Suspend or reactivate a tenant; a suspended tenant's tokens stop working."""
        t = await services.set_tenant_status(session, tenant_id, data.status)
        return _tenant(t)


class RegionsController(Controller):
    path = "/api/v1/regions"
    tags = ["districts"]

    @get("/", operation_id="listRegions", guards=[requires("tenants.region", "read")])
    async def list_regions(self, ctx: RequestContext) -> Page[s.RegionOut]:
        """The district's streets and communities."""
        stmt = select(Region).order_by(Region.kind.desc(), Region.name)
        if not ctx.can("tenants.any_district", "read"):
            stmt = stmt.where(Region.tenant_id == ctx.tenant_id)
        rows = (await ctx.session.scalars(stmt)).all()
        items = [s.RegionOut(id=r.id, tenant_id=r.tenant_id, kind=r.kind, name=r.name, parent_id=r.parent_id) for r in rows]
        return _page(items, len(items), len(items), 0)

    @post("/", operation_id="createRegion", guards=[requires("tenants.region", "write")])
    async def create_region(self, data: s.RegionIn, ctx: RequestContext) -> s.RegionOut:
        """Add a street, or a community under a street."""
        r = await services.create_region(ctx, data)
        return s.RegionOut(id=r.id, tenant_id=r.tenant_id, kind=r.kind, name=r.name, parent_id=r.parent_id)


class DepartmentsController(Controller):
    path = "/api/v1/departments"
    tags = ["districts"]

    @get("/", operation_id="listDepartments", guards=[requires("tenants.department", "read")])
    async def list_departments(self, principal: Principal, session: AsyncSession) -> Page[s.DepartmentOut]:
        """Departments working with the district (law enforcement, police, fire …)."""
        rows = (
            await session.scalars(select(Department).where(Department.tenant_id == principal.tenant_id).order_by(Department.name))
        ).all()
        items = [s.DepartmentOut(id=d.id, tenant_id=d.tenant_id, name=d.name, kind=d.kind) for d in rows]
        return _page(items, len(items), len(items), 0)

    @post("/", operation_id="createDepartment", guards=[requires("tenants.department", "write")])
    async def create_department(self, data: s.DepartmentIn, ctx: RequestContext) -> s.DepartmentOut:
        """Register a department of the district."""
        d = await services.create_department(ctx, data)
        return s.DepartmentOut(id=d.id, tenant_id=d.tenant_id, name=d.name, kind=d.kind)


class CompoundsController(Controller):
    path = "/api/v1/compounds"
    tags = ["compounds"]

    @get("/", operation_id="listCompounds", guards=[requires("tenants.compound", "read")])
    async def list_compounds(self, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.CompoundOut]:
        """The compounds the caller reaches now (operator, jurisdiction or own household)."""
        rows, total = await paginate(session, services.compounds_query(), limit, offset)
        return _page([services.compound_out(*r) for r in rows], total, limit, offset)

    @post("/", operation_id="createCompound", guards=[requires("tenants.compound", "write")])
    async def create_compound(self, data: s.CompoundIn, ctx: RequestContext) -> s.CompoundOut:
        """Register a compound in one of the district's communities, optionally with its operator."""
        c = await services.create_compound(ctx, data)
        return services.compound_out(c, None, None)

    @get("/{compound_id:uuid}", operation_id="getCompound", guards=[requires("tenants.compound", "read")])
    async def get_compound(self, compound_id: uuid.UUID, session: AsyncSession) -> s.CompoundOut:
        """One compound; 404 when it is not reachable for the caller."""
        return await services.get_compound(session, compound_id)

    @post("/{compound_id:uuid}/operator", operation_id="changeOperator", guards=[requires("tenants.compound", "write")], status_code=200)
    async def change_operator(self, compound_id: uuid.UUID, data: s.OperatorChangeIn, session: AsyncSession) -> s.CompoundOut:
        """物业更换: hand the compound to another enterprise; history is kept, access moves at once."""
        await services.change_operator(session, compound_id, data)
        return await services.get_compound(session, compound_id)

    @post(
        "/{compound_id:uuid}/operator/pre-review",
        operation_id="requestOperatorChangePreReview",
        guards=[requires("tenants.compound", "write")],
        status_code=200,
    )
    async def request_operator_review(self, compound_id: uuid.UUID, data: s.OperatorChangeIn, ctx: RequestContext) -> s.OperatorReviewOut:
        """Put choosing or changing the operator to the community party organisation's pre-review (前置把关): the
        change itself answers 409 ``pre-review-required`` until the review approves it."""
        found = await services.request_operator_review(ctx.session, compound_id, data, ctx.user_id)
        return s.OperatorReviewOut(tenant_id=data.tenant_id, matter=found.matter, state=found.state, review_id=found.review_id)

    @get("/{compound_id:uuid}/operator-history", operation_id="operatorHistory", guards=[requires("tenants.compound", "read")])
    async def operator_history(
        self, compound_id: uuid.UUID, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.OperatorTermOut]:
        """Every operator the compound has had."""
        return page_of(await services.operator_history(session, compound_id), limit, offset)


class HousingController(Controller):
    path = C
    tags = ["housing"]

    @get("/buildings", operation_id="listBuildings", guards=[requires("tenants.housing", "read")])
    async def list_buildings(
        self, compound_id: uuid.UUID, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.BuildingOut]:
        """Buildings of the compound."""
        rows, total = await paginate(
            session, select(Building).where(Building.compound_id == compound_id).order_by(Building.name), limit, offset
        )
        return _page([s.BuildingOut(id=b.id, compound_id=b.compound_id, name=b.name, floors=b.floors) for b in rows], total, limit, offset)

    @post("/buildings", operation_id="createBuilding", guards=[requires("tenants.housing", "write")])
    async def create_building(self, compound_id: uuid.UUID, data: s.BuildingIn, session: AsyncSession) -> s.BuildingOut:
        """Add a building."""
        b = await services.create_building(session, compound_id, data)
        return s.BuildingOut(id=b.id, compound_id=b.compound_id, name=b.name, floors=b.floors)

    @get("/units", operation_id="listUnits", guards=[requires("tenants.housing", "read")])
    async def list_units(
        self,
        compound_id: uuid.UUID,
        session: AsyncSession,
        building_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.UnitOut]:
        """Units, optionally of one building."""
        stmt = select(Unit).where(Unit.compound_id == compound_id).order_by(Unit.name)
        if building_id:
            stmt = stmt.where(Unit.building_id == building_id)
        rows, total = await paginate(session, stmt, limit, offset)
        return _page(
            [s.UnitOut(id=u.id, compound_id=u.compound_id, building_id=u.building_id, name=u.name) for u in rows], total, limit, offset
        )

    @post("/units", operation_id="createUnit", guards=[requires("tenants.housing", "write")])
    async def create_unit(self, compound_id: uuid.UUID, data: s.UnitIn, session: AsyncSession) -> s.UnitOut:
        """Add a unit to a building."""
        u = await services.create_unit(session, compound_id, data)
        return s.UnitOut(id=u.id, compound_id=u.compound_id, building_id=u.building_id, name=u.name)

    @get("/rooms", operation_id="listRooms", guards=[requires("tenants.housing", "read")])
    async def list_rooms(
        self,
        compound_id: uuid.UUID,
        session: AsyncSession,
        unit_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RoomOut]:
        """Rooms with their exclusive and building areas (m², exact decimals) and delivery date."""
        stmt = select(Room).where(Room.compound_id == compound_id).order_by(Room.number, Room.id)
        if unit_id:
            stmt = stmt.where(Room.unit_id == unit_id)
        rows, total = await paginate(session, stmt, limit, offset)
        return _page([_room(r) for r in rows], total, limit, offset)

    @post("/rooms", operation_id="createRoom", guards=[requires("tenants.housing", "write")])
    async def create_room(self, compound_id: uuid.UUID, data: s.RoomIn, session: AsyncSession) -> s.RoomOut:
        """Add a room with its exclusive area (and, when known, its building area and delivery date)."""
        return _room(await services.create_room(session, compound_id, data))

    @patch("/rooms/{room_id:uuid}", operation_id="updateRoom", guards=[requires("tenants.housing", "write")])
    async def update_room(self, compound_id: uuid.UUID, room_id: uuid.UUID, data: s.RoomUpdate, session: AsyncSession) -> s.RoomOut:
        """Record a room's building area (≥ its exclusive area) or its delivery (not in the future; clears developer_held)."""
        return _room(await services.update_room(session, compound_id, room_id, data))

    @get("/households", operation_id="listHouseholds", guards=[requires("tenants.housing", "read")])
    async def list_households(
        self, compound_id: uuid.UUID, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.HouseholdOut]:
        """Households of the compound."""
        rows, total = await paginate(
            session, select(Household).where(Household.compound_id == compound_id).order_by(Household.id), limit, offset
        )
        return _page(
            [s.HouseholdOut(id=h.id, compound_id=h.compound_id, room_id=h.room_id, moved_in_on=h.moved_in_on) for h in rows],
            total,
            limit,
            offset,
        )

    @post("/households", operation_id="createHousehold", guards=[requires("tenants.housing", "write")])
    async def create_household(self, compound_id: uuid.UUID, data: s.HouseholdIn, session: AsyncSession) -> s.HouseholdOut:
        """Register the household living in a room."""
        h = await services.create_household(session, compound_id, data)
        return s.HouseholdOut(id=h.id, compound_id=h.compound_id, room_id=h.room_id, moved_in_on=h.moved_in_on)

    @get("/residents", operation_id="listResidents", guards=[requires("tenants.resident", "read")])
    async def list_residents(
        self,
        compound_id: uuid.UUID,
        principal: Principal,
        session: AsyncSession,
        state: State,
        household_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.ResidentOut]:
        """Residents; phone and ID-card numbers are masked unless the caller holds tenants.resident_pii."""
        stmt = select(Resident).where(Resident.compound_id == compound_id).order_by(Resident.name, Resident.id)
        if household_id:
            stmt = stmt.where(Resident.household_id == household_id)
        rows, total = await paginate(session, stmt, limit, offset)
        show = can(principal, state.policy.enforcer, "tenants.resident_pii", "read", compound_id)
        return _page([services.resident_out(r, show_pii=show) for r in rows], total, limit, offset)

    @post("/residents", operation_id="createResident", guards=[requires("tenants.resident", "write")])
    async def create_resident(
        self, compound_id: uuid.UUID, data: s.ResidentIn, principal: Principal, session: AsyncSession, state: State
    ) -> s.ResidentOut:
        """Register a resident (ID-card number checked, then encrypted at rest)."""
        r = await services.create_resident(session, compound_id, data)
        return services.resident_out(r, show_pii=can(principal, state.policy.enforcer, "tenants.resident_pii", "read", compound_id))


def _room(r: Room) -> s.RoomOut:
    return s.RoomOut(
        id=r.id,
        compound_id=r.compound_id,
        unit_id=r.unit_id,
        number=r.number,
        floor=r.floor,
        exclusive_area=r.exclusive_area,
        developer_held=r.developer_held,
        building_area=r.building_area,
        delivered_on=r.delivered_on,
    )


class CommitteeController(Controller):
    path = C + "/committees"
    tags = ["owners' committee"]

    @get("/", operation_id="listCommittees", guards=[requires("tenants.committee", "read")])
    async def list_committees(
        self, compound_id: uuid.UUID, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.CommitteeOut]:
        """Owners' committee terms with their members, newest first."""
        return page_of(await services.committees(session, compound_id), limit, offset)

    @post("/", operation_id="createCommittee", guards=[requires("tenants.committee", "write")])
    async def create_committee(self, compound_id: uuid.UUID, data: s.CommitteeIn, session: AsyncSession) -> s.CommitteeOut:
        """Record an elected owners' committee term (never overlapping another; optionally filled from a passed
        ``elect_committee`` vote named by ``source_vote_id``)."""
        c = await services.create_committee(session, compound_id, data)
        return s.CommitteeOut(
            id=c.id,
            compound_id=c.compound_id,
            term_start=c.term_start,
            term_end=c.term_end,
            elected_on=c.elected_on,
            filing_number=c.filing_number,
            members=[],
            source_vote_id=c.source_vote_id,
        )

    @post("/{committee_id:uuid}/members", operation_id="addCommitteeMember", guards=[requires("tenants.committee", "write")])
    async def add_member(
        self, compound_id: uuid.UUID, committee_id: uuid.UUID, data: s.CommitteeMemberIn, session: AsyncSession
    ) -> s.CommitteeMemberOut:
        """Add a member with their post and term."""
        m = await services.add_committee_member(session, compound_id, committee_id, data)
        return s.CommitteeMemberOut(
            id=m.id, name=m.name, post=m.post, term_start=m.term_start, term_end=m.term_end, resident_id=m.resident_id, user_id=m.user_id
        )


def _plan(p: Plan) -> s.PlanOut:
    return s.PlanOut(
        id=p.id,
        code=p.code,
        name=p.name,
        modules=list(p.modules or []),
        price_fen_per_compound_month=p.price_fen_per_compound_month,
        is_active=p.is_active,
    )


class PlansController(Controller):
    path = "/api/v1/plans"
    tags = ["subscriptions"]

    @get("/", operation_id="listPlans", guards=[requires("core.plan", "read")])
    async def list_plans(self, session: AsyncSession) -> Page[s.PlanOut]:
        """Plans on offer."""
        items = [_plan(p) for p in (await session.scalars(select(Plan).order_by(Plan.price_fen_per_compound_month))).all()]
        return _page(items, len(items), len(items), 0)

    @post("/", operation_id="createPlan", guards=[requires("core.plan", "write")])
    async def create_plan(self, data: s.PlanIn, session: AsyncSession, state: State) -> s.PlanOut:
        """Offer a plan: a set of modules and a price per compound per month (fen)."""
        return _plan(await services.create_plan(session, data, {p.name for p in state.plugins.modules}))


class SubscriptionsController(Controller):
    path = C
    tags = ["subscriptions"]

    @get("/subscriptions", operation_id="listSubscriptions", guards=[requires("tenants.subscription", "read")])
    async def list_subscriptions(
        self, compound_id: uuid.UUID, session: AsyncSession, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.SubscriptionOut]:
        """The compound's subscriptions, newest first."""
        stmt = select(Subscription).order_by(Subscription.starts_on.desc(), Subscription.id)
        rows, total = await paginate(session, stmt, limit, offset)
        return _page([_sub(r) for r in rows], total, limit, offset)

    @post("/subscriptions", operation_id="subscribe", guards=[requires("tenants.subscription", "write")])
    async def subscribe(self, compound_id: uuid.UUID, data: s.SubscriptionIn, ctx: RequestContext) -> s.SubscriptionOut:
        """The operator subscribes the compound to a plan (ending the previous subscription)."""
        return _sub(await services.subscribe(ctx, compound_id, data))

    @get("/modules", operation_id="listModules", guards=[requires("tenants.module", "read")])
    async def list_modules(
        self, compound_id: uuid.UUID, ctx: RequestContext, state: State, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.ModuleStateOut]:
        """Each installed module and whether it is active here, with the reason (one query for all of them)."""
        states = await ctx.module_states()
        out = []
        for rec in state.plugins.modules:
            active, reason = states.get(rec.name, (False, "not installed"))
            out.append(
                s.ModuleStateOut(
                    module=rec.name,
                    label_zh=rec.info.get("label_zh", rec.name),
                    label_en=rec.info.get("label_en", rec.name),
                    active=active,
                    reason=reason,
                )
            )
        return page_of(out, limit, offset)

    @put("/modules/{module:str}", operation_id="setModule", guards=[requires("tenants.module", "write")])
    async def set_module(
        self, compound_id: uuid.UUID, module: str, data: s.ModuleStateIn, ctx: RequestContext, state: State
    ) -> s.ModuleStateOut:
        """The district enables or withdraws a module for the compound; the module's data is kept."""
        known = {p.name: p for p in state.plugins.modules}
        await services.set_district_module(ctx, compound_id, module, data.enabled, set(known))
        active, reason = await module_status(ctx.session, compound_id, module)
        rec = known[module]
        return s.ModuleStateOut(
            module=module,
            label_zh=rec.info.get("label_zh", module),
            label_en=rec.info.get("label_en", module),
            active=active,
            reason=reason,
        )


def _sub(r: Subscription) -> s.SubscriptionOut:
    return s.SubscriptionOut(
        id=r.id,
        compound_id=r.compound_id,
        tenant_id=r.tenant_id,
        plan_id=r.plan_id,
        starts_on=r.starts_on,
        ends_on=r.ends_on,
        status=r.status,
    )


class InvoiceLineOut(s.Output):
    compound_id: uuid.UUID
    compound_name: str
    plan_code: str
    days: int
    days_in_month: int
    price_fen_per_month: int
    amount_fen: int


class InvoiceOut(s.Output):
    id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_name: str
    period: str
    total_fen: int
    status: str
    lines: list[InvoiceLineOut] = []


class InvoicesController(Controller):
    path = "/api/v1/invoices"
    tags = ["subscriptions"]

    @get("/", operation_id="listInvoices", guards=[requires("tenants.invoice", "read")])
    async def list_invoices(
        self,
        ctx: RequestContext,
        tenant_id: uuid.UUID | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[InvoiceOut]:
        """Monthly invoices: an enterprise sees its own, the platform everyone's (amounts in fen)."""
        owner = tenant_id if ctx.can("tenants.any_invoice", "read") else ctx.tenant_id
        session = ctx.session
        stmt = select(Invoice, Tenant.name).join(Tenant, Tenant.id == Invoice.tenant_id).order_by(Invoice.period.desc(), Tenant.name)
        if owner is not None:
            stmt = stmt.where(Invoice.tenant_id == owner)
        rows, total = await paginate(session, stmt, limit, offset)
        lines = (
            await session.scalars(
                select(InvoiceLine).where(InvoiceLine.invoice_id.in_([i.id for i, _ in rows])).order_by(InvoiceLine.compound_name)
            )
        ).all()
        items = [
            InvoiceOut(
                id=i.id,
                tenant_id=i.tenant_id,
                tenant_name=name,
                period=i.period,
                total_fen=i.total_fen,
                status=i.status,
                lines=[
                    InvoiceLineOut(**{f: getattr(line, f) for f in InvoiceLineOut.__struct_fields__})
                    for line in lines
                    if line.invoice_id == i.id
                ],
            )
            for i, name in rows
        ]
        return _page(items, total, limit, offset)


ROUTE_HANDLERS = [
    InvoicesController,
    TenantsController,
    RegionsController,
    DepartmentsController,
    CompoundsController,
    HousingController,
    CommitteeController,
    PlansController,
    SubscriptionsController,
]

__all__ = ["ROUTE_HANDLERS"]
