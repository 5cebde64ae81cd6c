"""Study and training."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post

from core.authz.guard import requires
from core.context import RequestContext
from core.web.forms import parse_form
from core.web.render import done
from plugins.party_building import schemas as s
from plugins.party_building import services
from plugins.party_building.pages.common import (
    C,
    PageController,
    compound_page,
)

# --------------------------------------------------------------------------- study


class StudyPages(PageController):
    path = C + "/study"

    @get("/", guards=[requires("party_building.study", "read")])
    async def study(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, year: int | None = None) -> Response[Any]:
        """Study and training sessions, and hours per member in a year."""
        today = await services.local_today(ctx.session, compound_id)
        chosen = year or today.year
        return await compound_page(
            request,
            ctx,
            "study.html",
            compound_id,
            sessions=await services.study_sessions(ctx.session, compound_id),
            hours=await services.study_hours(ctx.session, compound_id, chosen),
            year=chosen,
            writable=ctx.can("party_building.study", "write"),
            organisations=await services.organisations_serving(ctx.session, compound_id),
            all_members=(await ctx.session.scalars(services.members_query(compound_id))).all(),
        )

    @post("/", guards=[requires("party_building.study", "write")])
    async def add(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """Record a ctx.session and who attended."""
        data = await parse_form(request, s.StudySessionIn, lists=("member_ids",))
        await services.create_study_session(ctx.session, compound_id, data, await services.local_today(ctx.session, compound_id))
        return done(request, f"/console/compounds/{compound_id}/party_building/study", "created")
