"""The compound overview (党建概览)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import select

from core.authz.guard import requires
from core.context import RequestContext
from plugins.party_building import indicators as figures
from plugins.party_building import models as m
from plugins.party_building import services
from plugins.party_building.pages.common import (
    C,
    PageController,
    compound_page,
)

# --------------------------------------------------------------------------- overview


class OverviewPages(PageController):
    path = C

    @get("/", guards=[requires("party_building.module", "read")])
    async def overview(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext) -> Response[Any]:
        """党建概览: the organisations serving the compound, this year's indicators, cross-appointment, missed meetings."""
        today = await services.local_today(ctx.session, compound_id)
        start, end = dt.date(today.year, 1, 1), today + dt.timedelta(days=1)
        values = []
        for item in figures.INDICATORS:
            value = await item["compute"](ctx.session, compound_id, start, end)
            values.append(
                {"label_zh": item["label_zh"], "label_en": item["label_en"], "value": value, "unit": item["unit"], "target": item["target"]}
            )
        cross = await services.cross_appointment(ctx.session, compound_id, today) if ctx.can("party_building.member", "read") else None
        gaps = (await ctx.session.scalars(select(m.MeetingGap).order_by(m.MeetingGap.period_start.desc()).limit(12))).all()
        orgs = await services.organisations(ctx, compound_id=compound_id) if ctx.can("party_building.organisation", "read") else []
        return await compound_page(
            request, ctx, "overview.html", compound_id, indicators=values, cross=cross, gaps=gaps, organisations=orgs, year=today.year
        )
