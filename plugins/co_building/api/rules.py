"""The rules register (制度): the compound's committee rules, management statute, service standards and others."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.co_building.schemas import rules as s
from plugins.co_building.services import rules as services

C = "/api/v1/compounds/{compound_id:uuid}/co_building"


class RulesController(Controller):
    path = C + "/rules"
    tags = ["co_building: rules"]

    @get("/", operation_id="listRuleVersions", guards=[requires("co_building.rules", "read")])
    async def list_versions(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.RuleVersionOut]:
        """Every version of every rule; drafts only for those who write the register."""
        drafts = ctx.can("co_building.rules", "write")
        today = await services.today_of(ctx.session, compound_id)
        rows, total = await paginate(ctx.session, services.versions_query(compound_id, public_only=not drafts), limit, offset)
        return Page(items=[services.version_out(r, today) for r in rows], total=total, limit=limit, offset=offset)

    @get("/in-force", operation_id="rulesInForce", guards=[requires("co_building.rules", "read")])
    async def in_force(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.RuleOut]:
        """What residents see: each rule's version in force today, with its published history (never drafts)."""
        rules = await services.register(ctx.session, compound_id)
        return Page(items=rules[offset : offset + limit], total=len(rules), limit=limit, offset=offset)

    @post("/", operation_id="createRule", guards=[requires("co_building.rules", "write")])
    async def create(self, compound_id: uuid.UUID, data: s.RuleIn, ctx: RequestContext) -> s.RuleVersionOut:
        """A new rule: its first version, a draft."""
        row = await services.create_rule(ctx.session, compound_id, ctx.user_id, data)
        return services.version_out(row, await services.today_of(ctx.session, compound_id))

    @post("/{series_id:uuid}/versions", operation_id="addRuleVersion", guards=[requires("co_building.rules", "write")])
    async def add_version(
        self, compound_id: uuid.UUID, series_id: uuid.UUID, data: s.RuleVersionIn, ctx: RequestContext
    ) -> s.RuleVersionOut:
        """The rule's next version, a draft."""
        row = await services.add_version(ctx.session, compound_id, series_id, ctx.user_id, data)
        return services.version_out(row, await services.today_of(ctx.session, compound_id))

    @post(
        "/versions/{version_id:uuid}/publish",
        operation_id="publishRuleVersion",
        status_code=200,
        guards=[requires("co_building.rules", "write")],
    )
    async def publish(self, compound_id: uuid.UUID, version_id: uuid.UUID, ctx: RequestContext) -> s.RuleVersionOut:
        """Publish a draft: in force from its date; the previous version ends the day before (versions never overlap)."""
        row = await services.publish_version(ctx.session, compound_id, version_id)
        return services.version_out(row, await services.today_of(ctx.session, compound_id))


def _community_out(rows) -> s.CommunityRuleOut:
    return s.CommunityRuleOut(
        series_id=rows[0].series_id, version=rows[0].version, status=rows[0].status, compounds=[r.compound_id for r in rows]
    )


class CommunityRulesController(Controller):
    """A community's rules, written once for every compound of the community the caller reaches."""

    path = "/api/v1/co_building/community-rules"
    tags = ["co_building: rules"]

    @post("/", operation_id="createCommunityRule", guards=[requires("co_building.community_rules", "write")])
    async def create(self, data: s.CommunityRuleIn, ctx: RequestContext) -> s.CommunityRuleOut:
        return _community_out(await services.create_community_rule(ctx.session, ctx.user_id, data))

    @post("/{series_id:uuid}/versions", operation_id="addCommunityRuleVersion", guards=[requires("co_building.community_rules", "write")])
    async def add_version(self, series_id: uuid.UUID, data: s.RuleVersionIn, ctx: RequestContext) -> s.CommunityRuleOut:
        return _community_out(await services.add_community_version(ctx.session, series_id, ctx.user_id, data))

    @post(
        "/{series_id:uuid}/publish",
        operation_id="publishCommunityRule",
        status_code=200,
        guards=[requires("co_building.community_rules", "write")],
    )
    async def publish(self, series_id: uuid.UUID, ctx: RequestContext) -> s.CommunityRuleOut:
        return _community_out(await services.publish_community_version(ctx.session, series_id))


ROUTE_HANDLERS = [RulesController, CommunityRulesController]
