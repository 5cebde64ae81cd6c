"""HTTP handlers of parcel_lockers under /api/v1/compounds/{compound_id}/parcel_lockers (thin: rules in services)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter

from core.public import LimitParam, OffsetParam, Page, RequestContext, now, requires
from redprop_parcel_lockers import services
from redprop_parcel_lockers.models import Locker, Parcel
from redprop_parcel_lockers.pages import PAGE_ROUTER
from redprop_parcel_lockers.schemas import LockerIn, LockerOut, ParcelIn, ParcelOut, PickupCodeOut, PickupIn

BASE = "/api/v1/compounds/{compound_id:uuid}/parcel_lockers"


def locker_out(locker: Locker) -> LockerOut:
    return LockerOut(id=locker.id, name=locker.name, location=locker.location, compartments=locker.compartments)


def parcel_out(parcel: Parcel, locker: str) -> ParcelOut:
    return ParcelOut(
        id=parcel.id,
        locker_id=parcel.locker_id,
        locker=locker,
        compartment=parcel.compartment,
        phone=parcel.phone_masked,
        carrier=parcel.carrier,
        tracking_number=parcel.tracking_number,
        state=parcel.state,
        checked_in_at=parcel.checked_in_at,
        picked_up_at=parcel.picked_up_at,
        overdue=services.is_overdue(parcel, now()),
        code_issued=parcel.code_digest is not None,
    )


class LockersController(Controller):
    path = BASE + "/lockers"
    tags = ["parcel_lockers"]

    @get("/", operation_id="parcelLockersListLockers", guards=[requires("parcel_lockers.locker", "read")])
    async def list_lockers(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[LockerOut]:
        """The compound's parcel lockers, a page at a time."""
        rows, total = await services.lockers(ctx.session, limit, offset)
        return Page(items=[locker_out(x) for x in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="parcelLockersAddLocker", guards=[requires("parcel_lockers.locker", "write")])
    async def add_locker(self, compound_id: uuid.UUID, data: LockerIn, ctx: RequestContext) -> LockerOut:
        """Register a locker standing in the compound, with its number of compartments."""
        return locker_out(await services.add_locker(ctx, data))


class ParcelsController(Controller):
    path = BASE + "/parcels"
    tags = ["parcel_lockers"]

    @get("/", operation_id="parcelLockersListParcels", guards=[requires("parcel_lockers.parcel", "read")])
    async def list_parcels(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        parcel_state: Annotated[str | None, QueryParameter(name="state")] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[ParcelOut]:
        """The compound's parcels (recipients' phones masked), waiting first; ``state`` filters."""
        rows, total = await services.parcels(ctx.session, parcel_state, limit, offset)
        return Page(items=[parcel_out(p, name) for p, name in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="parcelLockersCheckIn", guards=[requires("parcel_lockers.parcel", "write")])
    async def check_in(self, compound_id: uuid.UUID, data: ParcelIn, ctx: RequestContext) -> ParcelOut:
        """Check a parcel into a compartment for the resident with this phone number; the resident is notified."""
        return parcel_out(*await services.check_in(ctx, data))

    @post("/pickup", operation_id="parcelLockersPickUp", status_code=200, guards=[requires("parcel_lockers.parcel", "write")])
    async def pick_up(self, compound_id: uuid.UUID, data: PickupIn, ctx: RequestContext) -> ParcelOut:
        """Hand over the parcel whose pickup code this is (the code is spent)."""
        return parcel_out(*await services.pick_up(ctx, data.code))


class MyParcelsController(Controller):
    path = BASE + "/my-parcels"
    tags = ["parcel_lockers"]

    @get("/", operation_id="parcelLockersMyParcels", guards=[requires("parcel_lockers.my_parcel", "read")])
    async def my_parcels(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[ParcelOut]:
        """The caller's own parcels in the compound, waiting first."""
        rows, total = await services.my_parcels(ctx, limit, offset)
        return Page(items=[parcel_out(p, name) for p, name in rows], total=total, limit=limit, offset=offset)

    @post("/{parcel_id:uuid}/code", operation_id="parcelLockersIssueCode", guards=[requires("parcel_lockers.my_parcel", "write")])
    async def issue_code(self, compound_id: uuid.UUID, parcel_id: uuid.UUID, ctx: RequestContext) -> PickupCodeOut:
        """A new pickup code for one of the caller's waiting parcels, shown this once (an earlier code stops working)."""
        return PickupCodeOut(parcel_id=parcel_id, code=await services.issue_code(ctx, parcel_id))


ROUTE_HANDLERS = [LockersController, ParcelsController, MyParcelsController, PAGE_ROUTER]
