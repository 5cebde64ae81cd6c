"""Console and portal pages of smart_property, one module per part; navigation entries are declared through redprop_pages."""

from __future__ import annotations

from core.web.api import page_router
from plugins.smart_property.pages import console, dashboard, portal
from plugins.smart_property.pages.common import PAGES

PAGE_ROUTER = page_router([*console.HANDLERS, *dashboard.HANDLERS, *portal.HANDLERS])

__all__ = ["PAGES", "PAGE_ROUTER"]
