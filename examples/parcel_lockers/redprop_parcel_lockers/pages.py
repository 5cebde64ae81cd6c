"""Console and portal pages of parcel_lockers, and their navigation entries.

Console (staff at the parcel room): the compound's parcels with the check-in and pickup forms, and its lockers.
Portal (residents): their own parcels; a button reveals a new pickup code, shown on that answer only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter

from core.public import (
    N_,
    PAGE_SIZE,
    OffsetParam,
    RequestContext,
    compound_name,
    compound_zone,
    done,
    now,
    page,
    page_router,
    pager,
    parse_form,
    requires,
)
from redprop_parcel_lockers import services
from redprop_parcel_lockers.schemas import LockerIn, ParcelIn, PickupIn

C = "/console/compounds/{compound_id:uuid}/parcel_lockers"
P = "/portal/compounds/{compound_id:uuid}/parcel_lockers"
STATE_LABELS = {"waiting": N_("Waiting"), "picked_up": N_("Picked up")}


async def _local(ctx: RequestContext, compound_id: uuid.UUID) -> Callable[[dt.datetime | None], str]:
    """Times as the compound reads them (stored in UTC)."""
    zone = ZoneInfo(await compound_zone(ctx.session, compound_id))
    return lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


async def _common(ctx: RequestContext, compound_id: uuid.UUID) -> dict[str, Any]:
    return {
        "compound_id": compound_id,
        "compound": await compound_name(ctx.session, compound_id),
        "local": await _local(ctx, compound_id),
        "moment": now(),
        "overdue": services.is_overdue,
        "state_labels": STATE_LABELS,
    }


class ConsolePages(Controller):
    path = C

    @get("/parcels", guards=[requires("parcel_lockers.parcel", "read")])
    async def parcels(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        parcel_state: Annotated[str | None, QueryParameter(name="state")] = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """The parcel room: parcels waiting first, the check-in and pickup forms, the lockers."""
        rows, total = await services.parcels(ctx.session, parcel_state or None, PAGE_SIZE, offset)
        lockers, _ = await services.lockers(ctx.session, 100, 0)
        return await page(
            request,
            "parcel_lockers/console_parcels.html",
            **await _common(ctx, compound_id),
            parcels=rows,
            lockers=lockers,
            state_filter=parcel_state or "",
            can_write=ctx.can("parcel_lockers.parcel", "write"),
            can_add_locker=ctx.can("parcel_lockers.locker", "write"),
            pager=pager(request, total, offset),
        )

    @post("/parcels", guards=[requires("parcel_lockers.parcel", "write")])
    async def check_in(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Check a parcel in (the resident is notified)."""
        await services.check_in(ctx, await parse_form(request, ParcelIn))
        return done(request, f"/console/compounds/{compound_id}/parcel_lockers/parcels", "Parcel checked in; the resident is notified.")

    @post("/parcels/pickup", guards=[requires("parcel_lockers.parcel", "write")])
    async def pick_up(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Hand over a parcel against its pickup code."""
        await services.pick_up(ctx, (await parse_form(request, PickupIn)).code)
        return done(request, f"/console/compounds/{compound_id}/parcel_lockers/parcels", "Parcel handed over.")

    @post("/lockers", guards=[requires("parcel_lockers.locker", "write")])
    async def add_locker(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Register a locker."""
        await services.add_locker(ctx, await parse_form(request, LockerIn))
        return done(request, f"/console/compounds/{compound_id}/parcel_lockers/parcels", "Locker added.")


class PortalPages(Controller):
    path = P

    async def _mine(
        self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: int, revealed: dict | None = None
    ) -> Response[Any]:
        rows, total = await services.my_parcels(ctx, PAGE_SIZE, offset)
        return await page(
            request,
            "parcel_lockers/portal_parcels.html",
            portal=True,
            **await _common(ctx, compound_id),
            parcels=rows,
            pager=pager(request, total, offset),
            revealed=revealed,
        )

    @get("/parcels", guards=[requires("parcel_lockers.my_parcel", "read")])
    async def my_parcels(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, offset: OffsetParam = 0) -> Response[Any]:
        """My parcels in the compound's lockers."""
        return await self._mine(request, compound_id, ctx, offset)

    @post("/parcels/{parcel_id:uuid}/code", guards=[requires("parcel_lockers.my_parcel", "write")], status_code=200)
    async def reveal_code(self, request: Request, compound_id: uuid.UUID, parcel_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A new pickup code, shown on this answer only (not a redirect: the code is never in a URL or a cookie)."""
        code = await services.issue_code(ctx, parcel_id)
        return await self._mine(request, compound_id, ctx, 0, revealed={"parcel_id": parcel_id, "code": code})


PAGE_ROUTER = page_router([ConsolePages, PortalPages])
PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/parcel_lockers/parcels",
        "label_zh": "快递柜",
        "label_en": "Parcel lockers",
        "permission": "parcel_lockers.parcel:read",
        "portal": False,
    },
    {
        "path": "/portal/compounds/{compound_id}/parcel_lockers/parcels",
        "label_zh": "我的快递",
        "label_en": "My parcels",
        "permission": "parcel_lockers.my_parcel:read",
        "portal": True,
    },
]
