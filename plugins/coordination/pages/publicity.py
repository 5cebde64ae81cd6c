"""coordination portal pages of culture and publicity (文化和宣传): the district's news and campaigns for the compound,
the social forces' projects serving it, and model selections where residents nominate and vote (one vote each)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.web.forms import form_values, to_input
from core.web.i18n import N_
from core.web.render import done, page
from plugins.coordination.schemas import publicity as s
from plugins.coordination.services import publicity as services

PORTAL = "/portal/compounds/{compound_id:uuid}/coordination/publicity"
SELECTION_STATES = {
    "nominating": N_("Nominations open"),
    "reviewing": N_("Under review"),
    "voting": N_("Vote open"),
    "closed": N_("Result"),
}
SELECTION_KINDS = {
    "civilised_family": N_("Civilised family"),
    "best_volunteer": N_("Best volunteer"),
    "good_neighbour": N_("Good neighbour"),
    "other": N_("Model"),
}
THEMES = {
    "social_virtue": N_("Social virtue"),
    "professional_ethics": N_("Professional ethics"),
    "family_virtue": N_("Family virtue"),
    "other": N_("Publicity"),
}
MESSAGES = (N_("you have already voted in this selection"), N_("not an approved nominee of this selection"))


class PortalPublicityPages(Controller):
    path = PORTAL

    @get("/", guards=[requires("coordination.publicity", "read")])
    async def publicity(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """News and campaigns, projects of social forces, and the selections (nominate, vote, results)."""
        articles, _ = await services.articles(ctx, compound_id, 20, 0)
        projects, _ = await services.compound_projects(ctx, compound_id, 10, 0)
        selections, _ = await services.compound_selections(ctx, compound_id, 10, 0)
        return await page(
            request,
            "coordination/publicity/portal.html",
            portal=True,
            compound_id=compound_id,
            articles=articles,
            projects=projects,
            selections=selections,
            can_vote=ctx.can("coordination.vote", "write"),
            can_nominate=ctx.can("coordination.nomination", "write"),
            selection_states=SELECTION_STATES,
            selection_kinds=SELECTION_KINDS,
            themes=THEMES,
        )

    @post("/selections/{selection_id:uuid}/votes", guards=[requires("coordination.vote", "write")])
    async def vote(self, request: Request, compound_id: uuid.UUID, selection_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.vote(ctx, compound_id, selection_id, to_input(await form_values(request), s.VoteIn))
        return done(request, f"/portal/compounds/{compound_id}/coordination/publicity#selection-{selection_id}")

    @post("/selections/{selection_id:uuid}/nominations", guards=[requires("coordination.nomination", "write")])
    async def nominate(self, request: Request, compound_id: uuid.UUID, selection_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.nominate(ctx, compound_id, selection_id, to_input(await form_values(request), s.NominationIn))
        return done(request, f"/portal/compounds/{compound_id}/coordination/publicity#selection-{selection_id}")


CONSOLE = "/console/coordination/publicity"
ACTIONS = {
    "review": N_("Close nominations and review"),
    "open_vote": N_("Open the vote"),
    "close": N_("Close and publish the result"),
    "reopen": N_("Reopen nominations"),
}
NOMINATION_STATUSES = {"pending": N_("To review"), "approved": N_("Approved"), "rejected": N_("Rejected")}
ARTICLE_KINDS = {"news": N_("News"), "campaign": N_("Campaign")}


class ConsolePublicityPages(Controller):
    """The community's side: model selections (review nominations, open and close the vote) and publishing news."""

    path = CONSOLE

    @get("/", guards=[requires("coordination.selection", "approve")])
    async def desk(self, request: Request, ctx: RequestContext) -> Response[Any]:
        selections, _ = await services.district_selections(ctx, 20, 0)
        return await page(
            request,
            "coordination/publicity/console.html",
            selections=selections,
            can_publish=ctx.can("coordination.publicity", "write"),
            selection_states=SELECTION_STATES,
            selection_kinds=SELECTION_KINDS,
            statuses=NOMINATION_STATUSES,
            actions=ACTIONS,
            themes=THEMES,
            article_kinds=ARTICLE_KINDS,
        )

    @post("/selections", guards=[requires("coordination.selection", "approve")])
    async def create(self, request: Request, ctx: RequestContext) -> Response[Any]:
        await services.create_selection(ctx, to_input(await form_values(request), s.SelectionIn))
        return done(request, CONSOLE, "created")

    @post("/selections/{selection_id:uuid}/moves", guards=[requires("coordination.selection", "approve")])
    async def move(self, request: Request, selection_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        await services.move_selection(ctx, selection_id, to_input(await form_values(request), s.SelectionMoveIn))
        return done(request, CONSOLE)

    @post("/selections/{selection_id:uuid}/nominations/{nomination_id:uuid}/review", guards=[requires("coordination.selection", "approve")])
    async def review(self, request: Request, selection_id: uuid.UUID, nomination_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        values = await form_values(request)
        values["approve"] = values.get("approve") == "true"
        await services.review(ctx, selection_id, nomination_id, to_input(values, s.ReviewIn))
        return done(request, CONSOLE)

    @post("/articles", guards=[requires("coordination.publicity", "write")])
    async def publish(self, request: Request, ctx: RequestContext) -> Response[Any]:
        await services.publish(ctx, to_input(await form_values(request), s.ArticleIn))
        return done(request, CONSOLE, "created")


PAGES: list[dict] = [
    {
        "path": CONSOLE,
        "label_zh": "评选与宣传",
        "label_en": "Selections and publicity",
        "permission": "coordination.selection:approve",
        "portal": False,
    },
    {
        "path": "/portal/compounds/{compound_id}/coordination/publicity",
        "label_zh": "文明宣传",
        "label_en": "Publicity",
        "permission": "coordination.publicity:read",
        "portal": True,
    },
]
HANDLERS: list = [PortalPublicityPages, ConsolePublicityPages]
