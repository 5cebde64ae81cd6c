"""Console and portal pages of co_building, one module per part; navigation entries are declared through redprop_pages."""

from __future__ import annotations

from core.web.api import page_router
from plugins.co_building.pages import consultation, featured, fee_changes, fees, requests, rules, volunteers

_PARTS = (requests, fees, fee_changes, featured, volunteers, consultation, rules)
PAGES: list[dict] = [entry for part in _PARTS for entry in part.PAGES]
PAGE_ROUTER = page_router([handler for part in _PARTS for handler in part.HANDLERS])
