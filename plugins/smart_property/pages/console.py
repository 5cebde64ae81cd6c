"""Console pages of smart_property: the device registry (register with the secret shown once, rotate, retire) and
the alarms desk (unresolved first, by severity; acknowledge and resolve).

Pages are thin over the services the API calls; a refused action comes back
as the service's problem and is shown in the form's slot.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import OffsetParam
from core.schemas import Input
from core.web.forms import parse_form
from core.web.render import PAGE_SIZE, done, fragment, is_htmx, page, pager
from plugins.smart_property.pages.common import KINDS, LABELS, STATUSES, C
from plugins.smart_property.schemas import alarms as alarm_schemas
from plugins.smart_property.schemas import devices as s
from plugins.smart_property.services import alarms as alarm_services
from plugins.smart_property.services import devices as services
from plugins.smart_property.services.dashboard import severity_counts
from tenants.models import Building
from tenants.services import get_compound

PICKER_LIMIT = 500


class DevicePages(Controller):
    path = C

    @get("/devices", guards=[requires("smart_property.device", "read")])
    async def devices(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        kind: str | None = None,
        status: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """设备台账: the compound's devices with location, status and last heard; filters by kind and status."""
        kind = kind if kind in KINDS else None
        status = status if status in STATUSES else None
        listed = await services.list_devices(ctx.session, compound_id, kind=kind, status=status, limit=PAGE_SIZE, offset=offset)
        admin = ctx.can("smart_property.device", "admin")
        buildings = (
            (await ctx.session.execute(select(Building.id, Building.name).order_by(Building.name).limit(PICKER_LIMIT))).all()
            if admin
            else []
        )
        return await page(
            request,
            "smart_property/devices.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            devices=listed.items,
            pager=pager(request, listed.total, offset),
            kind=kind,
            status_filter=status,
            admin=admin,
            writable=ctx.can("smart_property.device", "write"),
            buildings=buildings,
            **LABELS,
        )

    async def _secret(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, shown: s.DeviceSecret) -> Response[Any]:
        context = {"shown": shown, "compound_id": compound_id, **LABELS}
        if is_htmx(request):
            return fragment(request, "smart_property/_secret.html", **context)
        return await page(request, "smart_property/secret.html", compound=await get_compound(ctx.session, compound_id), **context)

    @post("/devices", guards=[requires("smart_property.device", "admin")], status_code=200)
    async def register(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Register a device; the answer shows its secret this once (it is kept sealed and never shown again)."""
        shown = await services.register_device(ctx, await parse_form(request, s.DeviceIn))
        return await self._secret(request, compound_id, ctx, shown)

    @post("/devices/{device_id:uuid}/secret", guards=[requires("smart_property.device", "admin")], status_code=200)
    async def rotate(self, request: Request, compound_id: uuid.UUID, device_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """A new secret, shown this once; the old one stops working at once."""
        return await self._secret(request, compound_id, ctx, await services.rotate_secret(ctx, device_id))

    @post("/devices/{device_id:uuid}/active", guards=[requires("smart_property.device", "write")])
    async def set_active(self, request: Request, compound_id: uuid.UUID, device_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Retire a device (its messages are refused from now on) or bring it back."""
        values = await parse_form(request, ActiveIn)
        await services.update_device(ctx, device_id, s.DevicePatch(active=values.active == "on"))
        return done(request, f"/console/compounds/{compound_id}/smart_property/devices")


class ActiveIn(Input):
    active: Literal["on", "off"]


class AlarmPages(Controller):
    path = C

    @get("/alarms", guards=[requires("smart_property.alarm", "read")])
    async def alarms(
        self,
        request: Request,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        state_: Annotated[str | None, QueryParameter(name="state")] = None,
        severity: str | None = None,
        offset: OffsetParam = 0,
    ) -> Response[Any]:
        """告警处置: unresolved alarms first (critical ones on top), with what each rule does, and the moves the user may make."""
        state_ = state_ if state_ in LABELS["alarm_states"] else "unresolved"
        severity = severity if severity in LABELS["severities"] else None
        listed = await alarm_services.list_alarms(ctx, state=state_, severity=severity, limit=PAGE_SIZE, offset=offset)
        return await page(
            request,
            "smart_property/alarms.html",
            compound_id=compound_id,
            compound=await get_compound(ctx.session, compound_id),
            alarms=listed.items,
            pager=pager(request, listed.total, offset),
            state=state_,
            severity=severity,
            tally=await severity_counts(ctx.session, [compound_id]),
            **LABELS,
        )

    @post("/alarms/{alarm_id:uuid}/moves", guards=[requires("smart_property.alarm", "write")])
    async def move(self, request: Request, compound_id: uuid.UUID, alarm_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Acknowledge or resolve an alarm (a move its state does not allow is refused, naming the allowed ones)."""
        await alarm_services.move_alarm(ctx, alarm_id, await parse_form(request, alarm_schemas.AlarmMoveIn))
        return done(request, f"/console/compounds/{compound_id}/smart_property/alarms")


HANDLERS: list = [DevicePages, AlarmPages]
