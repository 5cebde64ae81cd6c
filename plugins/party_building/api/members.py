"""The member register and central households."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page, paginate
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.api.common import C, page_of


class MembersController(Controller):
    path = C + "/members"
    tags = ["party_building"]

    @get("/", operation_id="partyListMembers", guards=[requires("party_building.member", "read")])
    async def list_members(
        self,
        compound_id: uuid.UUID,
        ctx: RequestContext,
        organisation_id: uuid.UUID | None = None,
        status: s.MemberStatus | None = None,
        serving: bool | None = None,
        q: str | None = None,
        include_left: bool = False,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[s.MemberOut]:
        """The member register of the compound; phones masked unless the caller keeps the register."""
        stmt = services.members_query(
            compound_id, organisation_id=organisation_id, status=status, serving=serving, q=q, current=not include_left
        )
        rows, total = await paginate(ctx.session, stmt, limit, offset)
        ms = await services.memberships_of(ctx.session, compound_id, [r.id for r in rows])
        show = ctx.can("party_building.member", "write")
        return Page(items=[services.member_out(r, ms.get(r.id, []), show_pii=show) for r in rows], total=total, limit=limit, offset=offset)

    @post("/", operation_id="partyCreateMember", guards=[requires("party_building.member", "write")])
    async def create_member(self, compound_id: uuid.UUID, data: s.MemberIn, ctx: RequestContext) -> s.MemberOut:
        """Register a member with their organisations (at most one per level) and post."""
        row = await services.create_member(ctx.session, compound_id, data)
        return services.member_out(row, (await services.memberships_of(ctx.session, compound_id, [row.id])).get(row.id, []), show_pii=True)

    @get("/{member_id:uuid}", operation_id="partyGetMember", guards=[requires("party_building.member", "read")])
    async def get_member(self, compound_id: uuid.UUID, member_id: uuid.UUID, ctx: RequestContext) -> s.MemberOut:
        """One member of the register."""
        row = await services.get_member(ctx.session, compound_id, member_id)
        show = ctx.can("party_building.member", "write")
        return services.member_out(row, (await services.memberships_of(ctx.session, compound_id, [row.id])).get(row.id, []), show_pii=show)

    @patch("/{member_id:uuid}", operation_id="partyUpdateMember", guards=[requires("party_building.member", "write")])
    async def update_member(self, compound_id: uuid.UUID, member_id: uuid.UUID, data: s.MemberPatch, ctx: RequestContext) -> s.MemberOut:
        """Change status, registration, the show-identity flag or record that the member left."""
        row = await services.update_member(ctx.session, compound_id, member_id, data)
        return services.member_out(row, (await services.memberships_of(ctx.session, compound_id, [row.id])).get(row.id, []), show_pii=True)

    @post("/{member_id:uuid}/memberships", operation_id="partyAddMembership", guards=[requires("party_building.member", "write")])
    async def add_membership(self, compound_id: uuid.UUID, member_id: uuid.UUID, data: s.MembershipIn, ctx: RequestContext) -> s.MemberOut:
        """Place the member in an organisation of another level, or change their post in one."""
        await services.add_membership(ctx.session, compound_id, member_id, data)
        row = await services.get_member(ctx.session, compound_id, member_id)
        return services.member_out(row, (await services.memberships_of(ctx.session, compound_id, [row.id])).get(row.id, []), show_pii=True)

    @delete(
        "/{member_id:uuid}/memberships/{organisation_id:uuid}",
        operation_id="partyRemoveMembership",
        guards=[requires("party_building.member", "write")],
    )
    async def remove_membership(
        self, compound_id: uuid.UUID, member_id: uuid.UUID, organisation_id: uuid.UUID, ctx: RequestContext
    ) -> None:
        """Take the member out of an organisation."""
        await services.remove_membership(ctx.session, compound_id, member_id, organisation_id)


class CentralHouseholdsController(Controller):
    path = C + "/central-households"
    tags = ["party_building"]

    @get("/", operation_id="partyListCentralHouseholds", guards=[requires("party_building.member", "read")])
    async def list_central(
        self, compound_id: uuid.UUID, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0
    ) -> Page[s.CentralHouseholdOut]:
        """党员中心户 with the rooms each looks after."""
        return page_of(await services.central_households(ctx.session, compound_id), limit, offset)

    @post("/", operation_id="partyCreateCentralHousehold", guards=[requires("party_building.member", "write")])
    async def create_central(self, compound_id: uuid.UUID, data: s.CentralHouseholdIn, ctx: RequestContext) -> s.CentralHouseholdOut:
        """Make a member's household a central household for (households of) a building."""
        row = await services.create_central_household(ctx.session, compound_id, data)
        return next(c for c in await services.central_households(ctx.session, compound_id) if c.id == row.id)
