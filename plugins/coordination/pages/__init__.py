"""Console and portal pages of coordination, one module per part; navigation entries are declared through redprop_pages."""

from __future__ import annotations

from core.web.api import page_router
from plugins.coordination.pages import cases, grids, publicity, tasks

_PARTS = (cases, grids, tasks, publicity)
PAGES: list[dict] = [entry for part in _PARTS for entry in part.PAGES]
PAGE_ROUTER = page_router([handler for part in _PARTS for handler in part.HANDLERS])
