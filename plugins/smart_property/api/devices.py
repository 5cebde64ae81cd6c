"""smart_property HTTP handlers of devices, telemetry and settings (thin; the rules are in services).

The two device routes (telemetry, pass entries) are public: a device is not a
user and proves itself by the HMAC signature of its body, checked by
``services.ingest`` before anything else is read; the transaction is the
route's own, so a refusal is counted even though the answer is a 4xx.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.params import Parameter

from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.db import Scope
from core.inputs import one_of
from core.pagination import LimitParam, OffsetParam, Page
from core.problems import invalid
from plugins.smart_property import services
from plugins.smart_property.models.devices import STATUSES
from plugins.smart_property.schemas import ModuleOverview
from plugins.smart_property.schemas import devices as s
from plugins.smart_property.schemas import passes as ps
from plugins.smart_property.services import devices as device_services
from plugins.smart_property.services import ingest, passes, telemetry

P = "/api/v1/compounds/{compound_id:uuid}/smart_property"


class DevicesController(Controller):
    path = P
    tags = ["smart_property: devices"]

    @get("/", operation_id="smartPropertyOverview", guards=[requires("smart_property.module", "read")])
    async def overview(self, compound_id: uuid.UUID) -> ModuleOverview:
        """The module's entry point for a compound (403 where the module is not enabled)."""
        return services.overview(compound_id)

    @get("/devices", operation_id="smartPropertyListDevices", guards=[requires("smart_property.device", "read")])
    async def list_devices(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        kind: str | None = None,
        status: str | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.DeviceOut]:
        """The compound's devices with location and online status."""
        status = one_of("status", status, STATUSES)
        return await device_services.list_devices(ctx.session, compound_id, kind=kind, status=status, limit=limit, offset=offset)

    @post("/devices", operation_id="smartPropertyRegisterDevice", guards=[requires("smart_property.device", "admin")])
    async def register(self, data: s.DeviceIn, ctx: RequestContext) -> s.DeviceSecret:
        """Register a device; its ingestion secret is in this answer only."""
        return await device_services.register_device(ctx, data)

    @patch("/devices/{device_id:uuid}", operation_id="smartPropertyUpdateDevice", guards=[requires("smart_property.device", "write")])
    async def update(self, device_id: uuid.UUID, data: s.DevicePatch, ctx: RequestContext) -> s.DeviceOut:
        """Rename, relocate or retire a device."""
        return await device_services.update_device(ctx, device_id, data)

    @post("/devices/{device_id:uuid}/secret", operation_id="smartPropertyRotateSecret", guards=[requires("smart_property.device", "admin")])
    async def rotate(self, device_id: uuid.UUID, ctx: RequestContext) -> s.DeviceSecret:
        """A new secret for the device, shown once; the old one stops working at once."""
        return await device_services.rotate_secret(ctx, device_id)

    @get("/devices/{device_id:uuid}/series", operation_id="smartPropertySeries", guards=[requires("smart_property.device", "read")])
    async def series(
        self,
        compound_id: uuid.UUID,
        device_id: uuid.UUID,
        ctx: RequestContext,
        metric: Annotated[str, Parameter(min_length=1, max_length=24)],
        hours: Annotated[int, Parameter(ge=1, le=24 * 90)] = 24,
    ) -> s.SeriesOut:
        """A metric of a device over the last hours: raw readings, or hourly means where raw ones are gone."""
        await device_services.get_device(ctx.session, compound_id, device_id)
        end = now()
        return await telemetry.series(ctx.session, compound_id, device_id, metric, end - dt.timedelta(hours=hours), end)

    @get("/refusals", operation_id="smartPropertyRefusals", guards=[requires("smart_property.device", "read")])
    async def refusals(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        hours: Annotated[int, Parameter(ge=1, le=24 * 90)] = 24,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.RefusalOut]:
        """Refused telemetry of the last hours by reason and transport (the messages are never stored)."""
        return await telemetry.refusal_counts(ctx.session, compound_id, now() - dt.timedelta(hours=hours), limit, offset)


async def _signed_body_only(_request: Request) -> None:
    """The device routes' own ``before_request``, instead of the application's body scan (``core.inputs``): their bodies
    are decoded only by closed msgspec types (unknown fields, wrong nesting and NUL-free patterns refused there, as
    422 and counted), after the signature; scanning a 50-reading body for depth cost ~0.5 ms of a ~7 ms request."""


class DeviceIngestController(Controller):
    path = P + "/devices/{device_id:str}"
    tags = ["smart_property: device ingestion"]
    before_request = _signed_body_only

    @post(
        "/telemetry",
        operation_id="smartPropertyIngestTelemetry",
        opt={"public": True},
        status_code=202,
        security=[],
    )
    async def telemetry(self, compound_id: uuid.UUID, device_id: str, request: Request) -> s.IngestOut:
        """A device posts a batch of readings and event codes, signed: ``X-Redprop-Timestamp`` (Unix seconds) and
        ``X-Redprop-Signature`` (hex HMAC-SHA256 of ``<timestamp>.<body>`` under the device secret).

        Unknown device 404, bad signature or timestamp more than 5 minutes off 401, malformed body 422: refused,
        counted, nothing stored."""
        message = ingest.Message(
            device_id=device_id,
            body=await request.body(),
            timestamp=request.headers.get(ingest.TIMESTAMP_HEADER),
            signature=request.headers.get(ingest.SIGNATURE_HEADER),
        )
        async with request.app.state.db.transaction(Scope.of([compound_id])) as session:
            result = await ingest.ingest(session, compound_id, [message], "http")
        outcome = result.outcomes[0]
        if outcome.refused:
            raise ingest.refusal_problem(outcome.refused)
        return s.IngestOut(accepted=outcome.accepted, events=outcome.events, alarms_opened=result.alarms_opened)

    @post("/pass-entries", operation_id="smartPropertyReportEntry", opt={"public": True}, status_code=200, security=[])
    async def pass_entry(self, compound_id: uuid.UUID, device_id: str, request: Request) -> ps.EntryOut:
        """A gate reports a visitor pass shown (signed like telemetry, body ``{"token": …}``): admitted once per entry
        the pass allows; revoked, expired, used-up and tampered passes are refused and logged."""
        message = ingest.Message(
            device_id=device_id,
            body=await request.body(),
            timestamp=request.headers.get(ingest.TIMESTAMP_HEADER),
            signature=request.headers.get(ingest.SIGNATURE_HEADER),
        )
        async with request.app.state.db.transaction(Scope.of([compound_id])) as session:
            refused, device = await ingest.signed_device(session, compound_id, message, "http")
            out = None
            if device is not None:
                try:
                    entry = msgspec.json.decode(message.body, type=ps.EntryIn)
                except (msgspec.ValidationError, msgspec.DecodeError):
                    entry = None
                if entry is not None:
                    out = await passes.report_entry(session, compound_id, device.id, entry.token)
        if refused:
            raise ingest.refusal_problem(refused)
        if out is None:
            raise invalid("token", 'the body is {"token": "SP1.…"}')
        return out


class GatewayIngestController(Controller):
    path = P + "/gateway"
    tags = ["smart_property: device ingestion"]
    before_request = _signed_body_only

    @post("/telemetry", operation_id="smartPropertyGatewayTelemetry", opt={"public": True}, status_code=200, security=[])
    async def telemetry(self, compound_id: uuid.UUID, request: Request) -> s.GatewayOut:
        """A gateway that buffers several devices posts their signed messages in one request (``{"messages": [{"device_id",
        "timestamp", "signature", "body"}]}``, up to 500). Each message is judged on its own, with its own device's secret,
        exactly as the device route would; the answer lists every message's status in order (202 stored; 401, 403, 404,
        422 refused and counted, nothing of it stored), the others are stored. A body that is not such a list: 422;
        smart_property not enabled for the compound: 403 ``module-disabled`` for the whole request."""
        body = await request.body()
        problem: Exception | None = None
        async with request.app.state.db.transaction(Scope.of([compound_id])) as session:
            refused = await ingest.gateway_refusal(session, compound_id)
            if refused is None:
                try:
                    batch = ingest.GATEWAY_DECODER.decode(body)
                except (msgspec.ValidationError, msgspec.DecodeError) as error:
                    await ingest.count_gateway_malformed(session, compound_id)
                    problem = error
                else:
                    result = await ingest.ingest(session, compound_id, ingest.gateway_messages(batch), "http")
        if refused is not None:
            raise ingest.refusal_problem(refused)
        if problem is not None:
            raise invalid("messages", f"not a gateway batch: {problem}")
        return ingest.gateway_out(batch, result)


class SettingsController(Controller):
    path = "/api/v1/smart_property"
    tags = ["smart_property: settings"]

    @get("/settings", operation_id="smartPropertyGetSettings", guards=[requires("smart_property.settings", "read")])
    async def get_settings(self, ctx: RequestContext) -> s.SettingsOut:
        """The caller's tenant's telemetry retention."""
        return await telemetry.get_settings(ctx.session, ctx.tenant_id)

    @put("/settings", operation_id="smartPropertySetSettings", guards=[requires("smart_property.settings", "write")])
    async def set_settings(self, data: s.SettingsIn, ctx: RequestContext) -> s.SettingsOut:
        """Set how many days raw readings are kept (8 to 3650; hourly roll-ups are kept)."""
        return await telemetry.set_settings(ctx, data)


ROUTE_HANDLERS = [DevicesController, DeviceIngestController, GatewayIngestController, SettingsController]
