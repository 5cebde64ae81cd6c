"""coordination HTTP handlers of social forces, publicity and model selections (thin; the rules are in
services.publicity). The district manages them under /api/v1/coordination; a compound's residents read and take part
under /api/v1/compounds/{compound_id}/coordination."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.pagination import LimitParam, OffsetParam, Page
from plugins.coordination.schemas import publicity as s
from plugins.coordination.services import publicity as services

T = "/api/v1/coordination"
C = "/api/v1/compounds/{compound_id:uuid}/coordination"


class DistrictPublicityController(Controller):
    path = T
    tags = ["coordination: social forces and publicity"]

    @get("/social-forces", operation_id="coordinationSocialForces", guards=[requires("coordination.social_force", "read")])
    async def forces(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.ForceOut]:
        """The district's registry of social organisations, enterprises and volunteer teams."""
        items, total = await services.forces(ctx, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/social-forces",
        operation_id="coordinationCreateSocialForce",
        status_code=201,
        guards=[requires("coordination.social_force", "write")],
    )
    async def create_force(self, ctx: RequestContext, data: s.ForceIn) -> s.ForceOut:
        """Register a social force."""
        return await services.create_force(ctx, data)

    @post(
        "/social-forces/{force_id:uuid}/projects",
        operation_id="coordinationCreateSocialProject",
        status_code=201,
        guards=[requires("coordination.social_force", "write")],
    )
    async def create_project(self, ctx: RequestContext, force_id: uuid.UUID, data: s.ProjectIn) -> s.ProjectOut:
        """A project or activity of the social force, linked to the compounds it serves."""
        return await services.create_project(ctx, force_id, data)

    @post("/articles", operation_id="coordinationPublishArticle", status_code=201, guards=[requires("coordination.publicity", "write")])
    async def publish(self, ctx: RequestContext, data: s.ArticleIn) -> s.ArticleOut:
        """Publish news or a campaign (三德建设) for every compound of the district or one."""
        return await services.publish(ctx, data)

    @get("/selections", operation_id="coordinationSelections", guards=[requires("coordination.selection", "approve")])
    async def selections(self, ctx: RequestContext, limit: LimitParam = 50, offset: OffsetParam = 0) -> Page[s.SelectionOut]:
        """The district's selections with every nomination (for review) and the counts."""
        items, total = await services.district_selections(ctx, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/selections", operation_id="coordinationCreateSelection", status_code=201, guards=[requires("coordination.selection", "approve")]
    )
    async def create_selection(self, ctx: RequestContext, data: s.SelectionIn) -> s.SelectionOut:
        """Open a model selection (文明家庭, 最美志愿者 …) for nominations."""
        return await services.create_selection(ctx, data)

    @post(
        "/selections/{selection_id:uuid}/moves",
        operation_id="coordinationMoveSelection",
        status_code=200,
        guards=[requires("coordination.selection", "approve")],
    )
    async def move(self, ctx: RequestContext, selection_id: uuid.UUID, data: s.SelectionMoveIn) -> s.SelectionOut:
        """review (close nominations), open_vote, close, reopen; 409 names the allowed moves."""
        return await services.move_selection(ctx, selection_id, data)

    @post(
        "/selections/{selection_id:uuid}/nominations/{nomination_id:uuid}/review",
        operation_id="coordinationReviewNomination",
        status_code=200,
        guards=[requires("coordination.selection", "approve")],
    )
    async def review(self, ctx: RequestContext, selection_id: uuid.UUID, nomination_id: uuid.UUID, data: s.ReviewIn) -> s.SelectionOut:
        """Approve a nomination for the vote, or reject it with the reason."""
        return await services.review(ctx, selection_id, nomination_id, data)


class CompoundPublicityController(Controller):
    path = C
    tags = ["coordination: social forces and publicity"]

    @get("/articles", operation_id="coordinationCompoundArticles", guards=[requires("coordination.publicity", "read")])
    async def articles(
        self, ctx: RequestContext, compound_id: uuid.UUID, limit: LimitParam = 20, offset: OffsetParam = 0
    ) -> Page[s.ArticleOut]:
        """News and campaigns for the compound (its own and the district's), newest first."""
        items, total = await services.articles(ctx, compound_id, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/social-projects", operation_id="coordinationCompoundProjects", guards=[requires("coordination.publicity", "read")])
    async def projects(
        self, ctx: RequestContext, compound_id: uuid.UUID, limit: LimitParam = 20, offset: OffsetParam = 0
    ) -> Page[s.ProjectOut]:
        """Projects of social forces serving the compound."""
        items, total = await services.compound_projects(ctx, compound_id, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/selections", operation_id="coordinationCompoundSelections", guards=[requires("coordination.publicity", "read")])
    async def selections(
        self, ctx: RequestContext, compound_id: uuid.UUID, limit: LimitParam = 20, offset: OffsetParam = 0
    ) -> Page[s.SelectionOut]:
        """The district's selections: approved nominees, counts and the caller's own vote."""
        items, total = await services.compound_selections(ctx, compound_id, limit, offset)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/selections/{selection_id:uuid}/nominations",
        operation_id="coordinationNominate",
        status_code=201,
        guards=[requires("coordination.nomination", "write")],
    )
    async def nominate(self, ctx: RequestContext, compound_id: uuid.UUID, selection_id: uuid.UUID, data: s.NominationIn) -> s.NominationOut:
        """Nominate someone of the compound while nominations are open."""
        return await services.nominate(ctx, compound_id, selection_id, data)

    @post(
        "/selections/{selection_id:uuid}/votes",
        operation_id="coordinationVote",
        status_code=200,
        guards=[requires("coordination.vote", "write")],
    )
    async def vote(self, ctx: RequestContext, compound_id: uuid.UUID, selection_id: uuid.UUID, data: s.VoteIn) -> s.SelectionOut:
        """Vote for an approved nominee: one vote per resident per selection (409 the second time)."""
        return await services.vote(ctx, compound_id, selection_id, data)


ROUTE_HANDLERS = [DistrictPublicityController, CompoundPublicityController]
