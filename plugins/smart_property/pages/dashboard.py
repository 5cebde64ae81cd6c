"""The boards (数据大屏) of a compound and of a district: devices online, unresolved alarms by severity, and the figures
every active module contributes through ``redprop_dashboard_widgets`` (work orders, party building, satisfaction…),
as charts drawn on the server in SVG. The board refreshes itself every 30 s (htmx polls its figures)."""

from __future__ import annotations

import pathlib
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from core.access import compound_zone
from core.authz.guard import requires
from core.clock import now
from core.context import RequestContext
from core.plugins.figures import Figure, dashboard, district_dashboard
from core.web.i18n import negotiate, translations
from core.web.render import fragment, page, unit_label
from plugins.smart_property.pages import charts
from plugins.smart_property.pages.common import KINDS, LABELS, SEVERITIES, STATUSES, C, D
from plugins.smart_property.services import dashboard as services
from tenants.services import get_compound

REFRESH_SECONDS = 30
OWN = ("smart_property.devices_online", "smart_property.open_alarms")
"""This plugin's own widgets: the board draws them itself, richer."""
_LOCALE = pathlib.Path(__file__).resolve().parents[1] / "locale"
"""The plugin's catalogs, for the charts' labels (drawn here, not in a template)."""
SEVERITY_COLOURS = {"critical": charts.RED, "warning": charts.AMBER, "info": charts.GREY}
STATUS_COLOURS = {"online": charts.GREEN, "offline": charts.RED, "unknown": charts.GREY}


def _charts(request: Request, board: services.Board, figures: list[Figure]) -> dict[str, Any]:
    """The board's charts in the request's language."""
    locale = negotiate(request)
    _ = translations(locale, (_LOCALE,)).gettext
    availability = "—" if board.availability is None else f"{board.availability}%"
    out: dict[str, Any] = {
        "devices_chart": charts.donut(
            _("Devices online"),
            [(_(STATUSES[k]), board.statuses.get(k, 0), STATUS_COLOURS[k]) for k in ("online", "offline", "unknown")],
            centre=availability,
            caption=_("online"),
        ),
        "alarms_chart": charts.bars(
            _("Unresolved alarms by severity"),
            [(_(SEVERITIES[k]), board.severities.get(k, 0), SEVERITY_COLOURS[k]) for k in ("critical", "warning", "info")],
        ),
        "kinds_chart": charts.stacked(
            _("Devices by kind"),
            [(_(KINDS.get(k, k)), online, total) for k, online, total in board.kinds],
            done=_("Online"),
            rest=_("Not online"),
        ),
        "widgets": [],
    }
    if board.compounds:
        out["compounds_chart"] = charts.bars(
            _("Unresolved alarms by compound"), [(r.name, r.alarms, charts.RED if r.alarms else charts.GREY) for r in board.compounds]
        )
        out["compounds_online_chart"] = charts.stacked(
            _("Devices online by compound"),
            [(r.name, r.online, r.devices) for r in board.compounds],
            done=_("Online"),
            rest=_("Not online"),
        )
    for f in figures:
        if f.code.startswith(OWN):
            continue
        chart = None
        if f.kind == "bars" and not f.error:
            chart = charts.bars(
                f.label(locale),
                [(str(label), value or 0, charts.DARK) for label, value in f.series],
                unit=unit_label(f.unit, locale),
                empty=_("No data yet"),
            )
        out["widgets"].append((f, chart))
    return out


class CompoundBoardPages(Controller):
    path = C

    async def _context(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, state: State) -> dict[str, Any]:
        board = await services.compound_board(ctx, compound_id)
        today = now().astimezone(ZoneInfo(await compound_zone(ctx.session, compound_id))).date()
        figures = await dashboard(ctx.session, state.plugins, compound_id, today)
        return {
            "board": board,
            "refreshed_at": now(),
            "figures_url": f"/console/compounds/{compound_id}/smart_property/dashboard/figures",
            "alarms_url": f"/console/compounds/{compound_id}/smart_property/alarms",
            "refresh": REFRESH_SECONDS,
            **_charts(request, board, figures),
            **LABELS,
        }

    @get("/dashboard", guards=[requires("smart_property.dashboard", "read")])
    async def board(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, state: State) -> Response[Any]:
        """数据大屏 of a compound: devices online, unresolved alarms, the newest alarms and the other modules' figures."""
        context = await self._context(request, compound_id, ctx, state)
        compound = await get_compound(ctx.session, compound_id)
        return await page(
            request, "smart_property/dashboard.html", compound_id=compound_id, title=compound.name, compound=compound, **context
        )

    @get("/dashboard/figures", guards=[requires("smart_property.dashboard", "read")])
    async def figures(self, request: Request, compound_id: uuid.UUID, ctx: RequestContext, state: State) -> Response[Any]:
        """The board's figures alone, for the page to refresh itself."""
        return fragment(request, "smart_property/_board.html", **await self._context(request, compound_id, ctx, state))


class DistrictBoardPages(Controller):
    path = D

    async def _context(self, request: Request, ctx: RequestContext, state: State) -> dict[str, Any]:
        reached = await services.reached_compounds(ctx.session)
        on = set(await services.compounds_with_module(ctx.session, reached))
        board = await services.district_board(ctx.session, [c for c in reached if c in on])
        today = now().astimezone(ZoneInfo(state.settings.default_timezone)).date()
        figures = await district_dashboard(ctx.session, state.plugins, reached, today)
        return {
            "board": board,
            "district": True,
            "refreshed_at": now(),
            "figures_url": "/console/smart_property/dashboard/figures",
            "alarms_url": None,
            "refresh": REFRESH_SECONDS,
            "reached": len(reached),
            **_charts(request, board, figures),
            **LABELS,
        }

    @get("/dashboard", guards=[requires("smart_property.dashboard", "read")])
    async def board(self, request: Request, ctx: RequestContext, state: State) -> Response[Any]:
        """辖区数据大屏: the district's compounds together — devices online, unresolved alarms per compound, and the
        modules' district figures (party-building coverage, satisfaction, work orders)."""
        return await page(request, "smart_property/dashboard.html", title=None, compound=None, **await self._context(request, ctx, state))

    @get("/dashboard/figures", guards=[requires("smart_property.dashboard", "read")])
    async def figures(self, request: Request, ctx: RequestContext, state: State) -> Response[Any]:
        """The district board's figures alone, for the page to refresh itself."""
        return fragment(request, "smart_property/_board.html", **await self._context(request, ctx, state))


HANDLERS: list = [CompoundBoardPages, DistrictBoardPages]
