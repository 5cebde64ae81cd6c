"""Console and portal pages of coordination (navigation entries declared through redprop_pages)."""

from __future__ import annotations

PAGES: list[dict] = []
