"""What the handlers share: the route prefixes and page helpers."""

from __future__ import annotations

import datetime as dt

from core.context import RequestContext
from core.pagination import Page
from plugins.party_building import services

C = "/api/v1/compounds/{compound_id:uuid}/party_building"
D = "/api/v1/party_building"


async def district_today(ctx: RequestContext) -> dt.date:
    return await services.tenant_today(ctx.session, ctx.tenant_id)


def page_of(items: list, limit: int, offset: int) -> Page:
    """One page of a list shaped in full by the service (a tree, a tally): the statements do not depend on the page."""
    return Page(items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset)
