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


PAGES: list[dict] = [
    {
        "path": "/portal/compounds/{compound_id}/coordination/publicity",
        "label_zh": "文明宣传",
        "label_en": "Publicity",
        "permission": "coordination.publicity:read",
        "portal": True,
    }
]
HANDLERS: list = [PortalPublicityPages]
