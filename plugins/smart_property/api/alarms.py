"""smart_property HTTP handlers of rules, the alarms desk and visitor passes (thin; the rules are in services)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import QueryParameter

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.smart_property.schemas import alarms as s
from plugins.smart_property.schemas import passes as ps
from plugins.smart_property.services import alarms, passes

P = "/api/v1/compounds/{compound_id:uuid}/smart_property"


class AlarmsController(Controller):
    path = P
    tags = ["smart_property: rules and alarms"]

    @get("/rules", operation_id="smartPropertyListRules", guards=[requires("smart_property.rule", "read")])
    async def list_rules(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.RuleOut]:
        """The compound's alarm rules."""
        return await alarms.list_rules(ctx.session, compound_id, limit, offset)

    @post("/rules", operation_id="smartPropertyCreateRule", guards=[requires("smart_property.rule", "write")])
    async def create_rule(self, compound_id: uuid.UUID, data: s.RuleIn, ctx: RequestContext) -> s.RuleOut:
        """Add a threshold, offline or event-code rule with its severity and action."""
        return alarms.rule_out(await alarms.create_rule(ctx.session, compound_id, data))

    @get("/alarms", operation_id="smartPropertyListAlarms", guards=[requires("smart_property.alarm", "read")])
    async def list_alarms(
        self,
        ctx: RequestContext,
        state_: Annotated[Literal["open", "acknowledged", "resolved", "unresolved"] | None, QueryParameter(name="state")] = None,
        severity: Literal["info", "warning", "critical"] | None = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.AlarmOut]:
        """The alarms desk: unresolved first, newest first."""
        return await alarms.list_alarms(ctx, state=state_, severity=severity, limit=limit, offset=offset)

    @post(
        "/alarms/{alarm_id:uuid}/moves",
        operation_id="smartPropertyMoveAlarm",
        guards=[requires("smart_property.alarm", "write")],
        status_code=200,
    )
    async def move(self, alarm_id: uuid.UUID, data: s.AlarmMoveIn, ctx: RequestContext) -> s.AlarmOut:
        """Acknowledge or resolve an alarm (409 naming the allowed moves otherwise)."""
        return await alarms.move_alarm(ctx, alarm_id, data)


class PassesController(Controller):
    path = P
    tags = ["smart_property: visitor passes"]

    @get("/passes", operation_id="smartPropertyListPasses", guards=[requires("smart_property.pass", "read")])
    async def list_passes(
        self, ctx: RequestContext, mine: bool = False, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[ps.PassOut]:
        """The caller's visitor passes (the gate house sees all of the compound's)."""
        return await passes.list_passes(ctx, mine=mine, limit=limit, offset=offset)

    @post("/passes", operation_id="smartPropertyIssuePass", guards=[requires("smart_property.pass", "write")])
    async def issue(self, data: ps.PassIn, ctx: RequestContext) -> ps.PassOut:
        """A resident issues a pass for a visitor; the answer carries the signed token the QR code shows."""
        p, token = await passes.issue_pass(ctx, data)
        return passes.pass_out(p, token=token, show_phone=True)

    @post(
        "/passes/{pass_id:uuid}/revoke",
        operation_id="smartPropertyRevokePass",
        guards=[requires("smart_property.pass", "write")],
        status_code=200,
    )
    async def revoke(self, pass_id: uuid.UUID, ctx: RequestContext) -> ps.PassOut:
        """Revoke a pass (the issuer, or the gate house); gates learn it from the revocation list."""
        return passes.pass_out(await passes.revoke_pass(ctx, pass_id), show_phone=True)

    @get("/pass-key", operation_id="smartPropertyPassKey", guards=[requires("smart_property.device", "read")])
    async def pass_key(self, compound_id: uuid.UUID, ctx: RequestContext) -> ps.PassKeyOut:
        """What a gate keeps to verify passes offline: the compound's Ed25519 public key and the revoked passes."""
        return await passes.pass_key(ctx.session, compound_id)


ROUTE_HANDLERS = [AlarmsController, PassesController]
