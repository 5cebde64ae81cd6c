"""Console and portal pages of co_building (navigation entries declared through redprop_pages)."""

from __future__ import annotations

PAGES: list[dict] = []
